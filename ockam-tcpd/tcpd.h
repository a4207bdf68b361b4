/* SPDX-License-Identifier: ISC */
/*
 * ockam-tcpd: the network process of a node.  What its parts share.
 * The protocol with routed is lib/tcp.h.
 */
#ifndef OCKAM_TCPD_H
#define OCKAM_TCPD_H

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/tree.h>

#include <stdint.h>
#include <time.h>

#include "frame.h"
#include "tcp.h"

/*
 * Limits, documented in ockam-tcpd.8; those an operator may set are in
 * lib/limit.h, and bounds.c enforces those a peer can reach.
 */
#define TCPD_LISTEN_MAX		64		/* listeners */
#define TCPD_IMSG_HIGH		(8U << 20)	/* stop reading sockets */
#define TCPD_IMSG_LOW		(2U << 20)	/* read them again */
#define TCPD_CONNECT_TIMEOUT	5		/* seconds */
#define TCPD_TLS_TIMEOUT	10		/* seconds for a handshake */
#define TCPD_CLOSE_TIMEOUT	5		/* seconds to drain a CLOSE */
#define TCPD_BACKLOG		128
#define TCPD_READ_ROUND		(256U << 10)	/* per connection, per poll */
#define TCPD_ADDRS_MAX		8		/* addresses tried per name */
#define TCPD_KEEPIDLE		300
#define TCPD_KEEPINTVL		75
#define TCPD_KEEPCNT		2
#define TCPD_HOST_MAX		256
#define TCPD_INLET_MAX		64		/* portal inlets */
#define TCPD_PORTALS_MAX	1024		/* portal sockets */
/*
 * Bytes to write, a portal socket: only a peer without Credit gets
 * near it, whose connection routed stops reading past 1 MiB; what was
 * read by then (tcpd's queue to routed and routed's own, 8 MiB each at
 * most) still comes.
 */
#define TCPD_PORTAL_QUEUE_MAX	(32U << 20)

enum conn_state {
	CONN_CONNECTING,	/* tcpd opened it, not connected yet */
	CONN_HANDSHAKE,		/* TLS handshake under way */
	CONN_UP,		/* routed was told (UP) */
	CONN_CLOSING,		/* routed said CLOSE: draining the queue */
};

/*
 * A frame waiting to be written, in the buffer of the SEND it came in
 * (conn_send); token is routed's, for FAIL.
 */
struct wbuf {
	TAILQ_ENTRY(wbuf)	 entry;
	unsigned char		*buf;		/* the SEND's data */
	size_t			 size;
	unsigned char		*data;		/* the frame, inside buf */
	size_t			 len;
	size_t			 off;		/* bytes already written */
	uint32_t		 token;
};

struct ipslot;

struct conn {
	TAILQ_ENTRY(conn)	 entry;
	TAILQ_ENTRY(conn)	 silent_entry;	/* no frame yet (bounds.c) */
	RB_ENTRY(conn)		 byname;	/* when named (see conn.c) */
	RB_ENTRY(conn)		 byid;		/* until closed */
	TAILQ_HEAD(, wbuf)	 wq;
	struct frame_reader	 fr;
	struct sockaddr_storage	 addrs[TCPD_ADDRS_MAX];	/* to try */
	struct timespec		 deadline;	/* connect, TLS, drain */
	struct timespec		 frame_by;	/* a frame must be done */
	struct timespec		 paused_at;	/* XOFF since */
	struct ipslot		*slot;		/* accepted: its address */
	struct tls		*tls;
	size_t			 wqlen;		/* bytes queued */
	uint64_t		 rx;		/* bytes read, written */
	uint64_t		 tx;
	uint32_t		 id;
	uint32_t		 listener;	/* 0: opened by tcpd */
	int			 fd;
	int			 naddrs;
	int			 nexta;		/* next address to try */
	int			 use_tls;
	int			 rd_want;	/* what reading waits for */
	int			 wr_want;	/* what writing waits for */
	int			 named;		/* in the tree by name */
	int			 dead;		/* closed, freed soon */
	int			 xoff;		/* XOFF sent, XON not yet */
	int			 more;		/* stopped reading with data */
	int			 rstop;		/* routed: do not read */
	int			 wpend;		/* SEND queued: write soon */
	int			 silent;	/* accepted, no frame yet */
	int			 wev;		/* in the epoll set (watch.c) */
	int			 revents;	/* ... which said these */
	enum conn_state		 state;
	char			 peer[TCP_PEER_MAX];
	char			 host[TCPD_HOST_MAX];	/* to verify (TLS) */
	char			 errbuf[TCP_WHY_MAX];	/* last connect error */
	TAILQ_HEAD(, cut)	 cuts;		/* cut.c */
	int			 ncuts;
};
TAILQ_HEAD(connlist, conn);

struct listener {
	struct tls		*tls;		/* server context, or NULL */
	uint32_t		 id;
	int			 fd;
	char			 name[TCP_PEER_MAX];
};

/* tcpd.c */
struct imsg;
extern struct imsgbuf	 tcpd_ibuf;
void		 tcpd_send(uint32_t, const void *, size_t);
void		 tcpd_sendv(uint32_t, const struct iovec *, int);
void		 tcpd_now(struct timespec *);
int		 tcpd_bind_req(struct imsg *, struct tcp_listen *);
void		 tcpd_bound(const struct tcp_listen *, int, const char *,
		    const char *);

/* conn.c */
extern struct connlist	 conns;
extern int		 nconns;
extern int		 reading_paused;
/* Is c read now?  Not while routed lags, nor when routed said so. */
#define CONN_READS(c)	(!reading_paused && !(c)->rstop)
void		 conn_send(const struct tcp_msg *, unsigned char *, size_t,
		    size_t);
void		 wbuf_free(struct wbuf *);
struct conn	*conn_by_id(uint32_t);
void		 conn_close_req(uint32_t);
void		 conn_read_req(uint32_t, int);
struct conn	*conn_accepted(int, const struct sockaddr *, uint32_t,
		    struct tls *);
void		 conn_events(struct conn *, int);
int		 conn_pollevents(struct conn *);
void		 conn_timeouts(const struct timespec *);
int		 conn_next_timeout(const struct timespec *);
void		 conn_closeall(void);
void		 conn_flush(void);
void		 conn_reap(void);
void		 conn_info(const struct conn *, struct tcp_conn *,
		    const char *);
void		 conn_deadline(struct conn *, int);
void		 conn_up(struct conn *);
void		 conn_fail(const struct tcp_msg *, const char *);
void		 conn_close(struct conn *, const char *);
void		 conn_regress_lastid(uint32_t);

/* watch.c */
void		 watch_init(int);
int		 watch_fd(void);
void		 watch_update(struct conn *);
void		 watch_forget(struct conn *);
void		 watch_events(void);

/* bounds.c */
int		 bounds_accept(const struct sockaddr *);
void		 bounds_accepted(struct conn *, const struct sockaddr *);
void		 bounds_closed(struct conn *);
void		 bounds_framed(struct conn *);
void		 bounds_partial(struct conn *);
void		 bounds_timeouts(const struct timespec *);
int		 bounds_next_timeout(const struct timespec *);
void		 queue_check(struct conn *);
int		 queue_add(struct conn *, size_t);
void		 queue_sub(struct conn *, size_t);

/* connect.c */
void		 conn_sockopts(int, const char *);
void		 conn_try(struct conn *);
void		 conn_connect_done(struct conn *);
void		 conn_handshake(struct conn *);

/* cut.c */
#define TCPD_CUTS	32	/* cut-throughs from one connection */
#define TCPD_CUTS_ALL	8192	/* and from all */
struct cut;
void		 cut_add(const struct tcp_cut *);
void		 cut_del(uint32_t);
int		 cut_frame(struct conn *, const unsigned char *, size_t);

/* io.c */
void		 conn_read(struct conn *);
void		 conn_write(struct conn *);

/* listen.c */
extern struct listener	 listeners[TCPD_LISTEN_MAX];
extern int		 nlisteners;
int		 listener_bind(const struct tcp_listen *, struct listener *,
		    const char **);
/* A set of listening sockets: the listeners, or the portal inlets. */
struct listen_set {
	struct listener	*l;
	int		*n;
	int		 max;
	const char	*what;		/* in the log */
	const char	*full;		/* why not, at max */
	const char	*dup;		/* routed's error: an id twice */
};
extern const struct listen_set	 listen_set;
int		 lset_add(const struct listen_set *, struct imsg *,
		    const struct tcp_listen *, struct listener *, const char **);
int		 lset_close(const struct listen_set *, uint32_t);
void		 lset_reap(const struct listen_set *);
void		 listener_accept(struct listener *);
int		 listener_pollevents(void);
int		 listener_next_timeout(const struct timespec *);

/* portal.c */
struct imsg;
struct pollfd;
void		 portal_inlet(struct imsg *);
extern const struct listen_set	 inlet_set;
void		 portal_open_req(struct imsg *);
void		 portal_data_req(struct imsg *);
void		 portal_credit_req(struct imsg *);
void		 portal_end_req(struct imsg *);
int		 portal_pollfds(struct pollfd *, int);
int		 portal_pollmax(void);
void		 portal_events(struct pollfd *, int);
void		 portal_flush(void);
void		 portal_timeouts(const struct timespec *);
int		 portal_next_timeout(const struct timespec *);
void		 portal_reap(void);

/* tls.c */
void		 tlsd_init(void);
struct tls	*tlsd_server(const char *, const char *, const char *);
void		 tlsd_ca(const char *);
int		 tlsd_have_ca(void);
void		 tlsd_prime(void);
struct tls	*tlsd_client(int, const char *, char *, size_t);
const char	*tlsd_error(struct tls *);

/* resolve.c */
void		 hosts_load(const char *);
int		 peer_split(const char *, char *, size_t, uint16_t *);
int		 peer_resolve(const char *, uint16_t, struct sockaddr_storage *,
		    int, char *, size_t);
void		 peer_format(const struct sockaddr *, char *, size_t);
int		 addr_numeric(int, const char *, uint16_t,
		    struct sockaddr_storage *);
socklen_t	 sa_len(const struct sockaddr *);

#endif /* OCKAM_TCPD_H */
