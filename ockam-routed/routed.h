/* SPDX-License-Identifier: ISC */
/*
 * ockam-routed: workers, routing and the control socket.  routed never
 * touches the network (ockam-tcpd does) and never holds a private key
 * (ockam-vaultd does).
 */
#ifndef OCKAM_ROUTED_H
#define OCKAM_ROUTED_H

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/tree.h>

#include <poll.h>
#include <signal.h>
#include <stdint.h>

#include "config.h"
#include "imsg.h"
#include "recent.h"
#include "route.h"
#include "streamd.h"

#define ROUTED_MAX_HOPS		64	/* local deliveries of one message */
#define ROUTED_RUN_BATCH	256	/* messages per loop iteration */
#define ROUTED_QUEUE_MAX	4096	/* messages waiting for delivery */
#define ROUTED_QUEUE_HIGH	(8U << 20) /* bytes of them: tcpd not read */
#define ROUTED_QUEUE_LOW	(2U << 20) /* read again */
#define ROUTED_DROP_CAUSES	64	/* reasons for drops counted apart */

enum child_id {
	CHILD_VAULT,
	CHILD_TCPD,
	CHILD_STREAMD,		/* only with a stream service */
	CHILD_MAX
};

struct privsep_req;

struct child {
	const char	*role;
	const char	*prog;
	const struct privsep_req *msgs;	/* what it may send: children.c */
	size_t		 nmsgs;
	int		*used;
	pid_t		 pid;
	struct imsgbuf	 ibuf;
	int		 ready;
	int		 alive;		/* not yet reaped */
	int		 connected;	/* channel open */
};

extern struct child	 children[CHILD_MAX];
extern volatile sig_atomic_t routed_quit;
extern int		 routed_failed;	/* a child died: exit 1 */

/* A message inside routed: the envelope plus local info. */
struct message {
	TAILQ_ENTRY(message)	 entry;
	struct tmsg		 tm;
	uint32_t		 origin;	/* control client, 0: none */
	uint32_t		 reqid;		/* the client's request id */
	int			 flags;
	unsigned int		 hops;
	uint8_t			 flow_kind;	/* FLOW_*: where it came from */
	uint32_t		 flow;		/* that channel or connection */
	uint8_t			 src_kind;	/* the same, kept past the */
	uint32_t		 src;		/* first hop (for bounds) */
	char			 peer[OCKAM_IDENTIFIER_LEN + 1];
};
#define FLOW_NONE		0
#define FLOW_CHANNEL		1	/* out of a secure channel */
#define FLOW_TCP		2	/* in from a TCP connection */
#define FLOW_REMOTE		3	/* through a relay at a hub (relayc.c) */
#define FLOW_STREAM		4	/* pulled by a stream client */
/*
 * Origins that are not control clients (whose ids stay below both):
 * relays at hubs (their requests and channels), and initiators, whose
 * handshake messages that cannot be delivered end the handshake.
 */
#define ORIGIN_RELAYC		0x80000000U
#define ORIGIN_CHANNEL		0x40000000U
#define ORIGIN_PORTAL		0xc0000000U	/* an inlet's (portal.c) */
#define ORIGIN_INTERNAL		(ORIGIN_RELAYC | ORIGIN_CHANNEL)
#define MSG_REPORT		0x01	/* origin wants to hear of a drop */
#define MSG_ADMITTED		0x02	/* its connection let it in */

struct channel;

struct worker {
	RB_ENTRY(worker)	 entry;
	enum worker_kind	 kind;
	uint32_t		 owner;		/* control client for APP */
	uint64_t		 received;
	struct channel		*chan;		/* SC_ENCRYPTOR, SC_DECRYPTOR */
	struct sclistener_conf	*scl;		/* SC_LISTENER */
	struct relay_conf	*relay;		/* RELAY */
	struct fwd		*fwd;		/* FORWARDER: hub.c */
	struct remote		*remote;	/* REMOTE: relayc.c */
	struct stream		*stream;	/* STREAM: stream.c */
	struct portal		*portal;	/* PORTAL: portal.c */
	struct sclient		*sclient;	/* STREAM_PRODUCER, _CONSUMER */
	char			*name;		/* kept right after it */
};

/* An identity the vault holds; routed knows its public half. */
struct identity {
	TAILQ_ENTRY(identity)	 entry;
	uint32_t		 id;		/* the vault's key id */
	uint8_t			 sign_pub[32];
	uint8_t			 static_pub[32];
	uint8_t			 sig[64];	/* over static_pub, vault.h */
	char			 name[OCKAM_NAME_MAX];
	char			 identifier[OCKAM_IDENTIFIER_LEN + 1];
};

/* router.c */
void		 router_init(void);
void		 router_shutdown(void);
struct worker	*worker_add(const char *, enum worker_kind, uint32_t, char *,
		    size_t);
void		 worker_del(struct worker *);
void		 worker_del_owner(uint32_t);
struct worker	*worker_find(const char *);
struct worker	*worker_next(struct worker *);
struct message	*message_new(void);
void		 message_free(struct message *);
int		 router_enqueue(struct message *);
int		 router_pending(void);
size_t		 router_queued_bytes(void);
int		 router_backlogged(void);
void		 router_run(void);
void		 router_flush(void);
void		 router_drop(struct message *, const char *, ...)
		    __attribute__((__format__ (printf, 2, 3)));

/* workers.c */
void		 worker_handle(struct worker *, struct message *);
int		 worker_forward(struct worker *, struct message *,
		    const struct route *);

/* hub.c */
void		 hub_configure(struct ockam_conf *);
int		 hub_reconf(void);
void		 hub_handle(struct worker *, struct message *);
int		 hub_flow_allows(const struct addr *, const struct names *);
int		 hub_channel_reply(struct message *, const struct addr *);
void		 hub_gone(uint8_t, uint32_t, uint8_t, const char *);
void		 hub_shutdown(void);
void		 hub_list(uint32_t, uint32_t);

/* paths.c */
const char	*default_conffile(void);
void		 helper_dir(const char *, char *, size_t);

/* notify.c */
void		 notify_daemonize(void);
void		 notify_init(void);
void		 notify_ready(void);
void		 notify_reloading(void);
void		 notify_stopping(void);

/* relayc.c */
struct remote;
void		 relayc_configure(struct ockam_conf *);
void		 relayc_handle(struct worker *, struct message *);
int		 relayc_flow_allows(struct message *, const struct addr *);
int		 relayc_via(const char *, int, const char *, uint32_t);
void		 relayc_report(uint32_t, uint32_t, uint32_t, const char *);
void		 relayc_conn_down(int, const char *);
void		 relayc_channel_gone(uint32_t);
void		 relayc_tick(void);
void		 relayc_shutdown(void);

/* streamclient.c */
struct sclient;
struct timespec;
void		 sclient_configure(struct ockam_conf *);
void		 sclient_handle(struct worker *, struct message *);
int		 sclient_flow_allows(struct message *, const struct addr *);
int		 sclient_via(const char *, int, const char *);
void		 sclient_conn_down(int, const char *);
void		 sclient_run(void);
void		 sclient_timeout(struct timespec *);
void		 sclient_detail(const struct worker *, char *, size_t);
void		 sclient_shutdown(void);

/* stream.c, streamidx.c: the stream services */
struct ibuf;
struct log_count;
struct stream_msg;
struct st_show;

/*
 * A request waiting for streamd, or a pull waiting for a push: whom to
 * answer, from where; what it came over (its source, for bounds).
 */
struct st_req {
	TAILQ_ENTRY(st_req)	 entry;		/* a waiting pull's stream */
	TAILQ_ENTRY(st_req)	 all;		/* every waiting pull */
	struct route		 ret;
	char			 from[OCKAM_ADDR_MAX + 1];
	uint8_t			 src_kind;
	uint32_t		 src;
	uint64_t		 request_id;
	uint64_t		 index;
	uint64_t		 limit;		/* a pull */
	uint32_t		 budget;	/* a pull: its records' bytes */
	time_t			 deadline;	/* a waiting pull */
	struct stream		*st;
	struct st_show		*show;		/* a STAT: streamshow.c */
	char			 name[STREAMD_NAME_MAX];
	char			 client[STREAMD_CLIENT_MAX];
};

/* A stream with its worker, and the pulls waiting for its next push. */
struct stream {
	TAILQ_ENTRY(stream)	 entry;
	struct worker		*w;
	uint32_t		 id;		/* streamd's */
	TAILQ_HEAD(, st_req)	 waiting;
	char			 name[STREAMD_NAME_MAX];
};

void		 stream_handle(struct worker *, struct message *);
void		 stream_index_handle(struct worker *, struct message *);
struct cursor;
int		 stream_request(struct worker *, struct message *, int *,
		    struct cursor *);
int		 stream_flow_allows(const char *, const struct names *);
void		 stream_send(const char *, const struct route *, struct ibuf *);
void		 stream_error(struct log_count *, const char *,
		    const struct route *, const char *, ...)
		    __attribute__((__format__ (printf, 4, 5)));
struct st_req	*stream_req(const char *, const struct message *);
void		 stream_req_free(struct st_req *);
void		 stream_pulled(struct st_req *, const struct stream_msg *,
		    size_t);
void		 stream_read(struct st_req *);
struct stream	*stream_next(struct stream *);
void		 stream_shutdown(void);

/* streamwait.c: pulls at the end wait for the next push */
int		 stream_wait(struct st_req *);
void		 stream_wake(struct stream *);
void		 stream_wait_tick(void);
void		 stream_wait_gone(struct stream *);

/* streamcall.c */
typedef void	(*streamd_done)(struct st_req *, const void *, size_t);
int		 streamd_call(uint32_t, const void *, size_t, const void *,
		    size_t, streamd_done, struct st_req *);
void		 streamd_configure(struct ockam_conf *);
void		 streamd_imsg(struct imsg *);
void		 streamd_bad(const char *) __attribute__((__noreturn__));
void		 streamd_tick(void);
void		 streamd_shutdown(void);
/* streamshow.c */
void		 stream_show_backend(const char *);
/* portal.c */
struct imsg;
void		 portal_configure_tcpd(struct ockam_conf *);
void		 portal_configure(struct ockam_conf *);
void		 portal_handle(struct worker *, struct message *);
int		 portal_flow_allows(struct message *, const char *);
void		 portal_report(uint32_t, uint32_t, uint32_t, const char *);
void		 portal_imsg(struct imsg *);
void		 portal_imsg_data(struct imsg *);
void		 portal_gone(uint8_t, uint32_t);
void		 portal_tick(void);
void		 portal_shutdown(void);

/* identity.c */
int		 identity_load(const char *, int, struct identity **, char *,
		    size_t);
struct identity	*identity_find(const char *);
struct identity	*identity_first(void);
struct identity	*identity_next(struct identity *);
void		 identity_shutdown(void);

/* channel.c */
struct imsg;
void		 channel_configure(struct ockam_conf *);
void		 channel_handle(struct worker *, struct message *);
int		 channel_flow_allows(struct message *, const char *);
int		 channel_listener_of(const char *, const struct names *);
int		 channel_initiator_via(const char *, int, const char *);
void		 channel_tick(void);
void		 channel_report(uint32_t, const char *);
void		 channel_client_gone(uint32_t);
void		 channel_shutdown(void);

/* chanlife.c */
void		 chanlife_conn_down(uint32_t, int, const char *);

/* transport.c */
struct tcp_conn;
void		 tcp_configure(struct ockam_conf *);
void		 tcp_send(struct message *, struct addr *);
void		 tcp_imsg_recv(struct imsg *);
void		 tcp_imsg_up(struct imsg *);
void		 tcp_imsg_down(struct imsg *);
void		 tcp_imsg_fail(struct imsg *);
void		 tcp_imsg_flow(struct imsg *);
int		 tcp_flow_allows(struct message *, const struct addr *);
void		 tcp_grant_reply(const struct route *, const struct route *);
int		 tcp_reply_granted(const struct addr *, uint8_t, const char *);
void		 tcp_uncut(uint8_t, const char *);
void		 tcp_shutdown(void);
int		 tcp_backlogged(void);
int		 tcp_conn_addr(uint32_t, char *, size_t);
void		 tcp_read_stop(uint32_t, int);

/* tcpbind.c */
struct tcp_listen;
struct tcp_bound;
typedef void	(*tcp_bound_cb)(void *, const struct tcp_bound *);
void		 tcp_bind_static(int);
int		 tcp_bind(int, const struct tcp_listen *, tcp_bound_cb, void *);
void		 tcp_unbind(int, uint32_t);
void		 tcp_imsg_bound(struct imsg *);
void		 tcp_bind_shutdown(void);

/* control.c */
int		 control_init(struct ockam_conf *, uid_t);
int		 control_dirfd(void);
int		 control_fd(void);
void		 control_cleanup(void);
int		 control_pollfds(struct pollfd *, int);
void		 control_dispatch(struct pollfd *, int);
void		 control_accept(void);
int		 control_deliver(uint32_t, struct message *);
void		 control_report(uint32_t, uint32_t, uint32_t, const char *);
void		 control_closeall(void);
void		 control_flush(void);

/* ctlpeer.c */
int		 peer_in_group(int, gid_t);
void		 control_tick(void);
int		 control_reply(uint32_t, uint32_t, uint32_t, const void *,
		    size_t);

/* children.c */
void		 children_start(struct ockam_conf *, const char *, int, int);
int		 children_ready(void);
void		 children_dispatch(struct child *, short);
void		 children_reap(void);
void		 children_stop(void);
int		 children_send(enum child_id, uint32_t, const void *, size_t);
void		 children_lost(enum child_id, const char *);
void		 children_imsg(enum child_id, struct imsg *);

/* vaultcall.c */
struct vault_identity;
void		 vault_configure(const char *, const uint32_t *);
int		 vault_identity(const char *, int, struct vault_identity *);
struct vault_call;
struct vault_call *vault_call(uint32_t, const void *, size_t, size_t,
		    void (*)(void *, const void *), void *);
void		 vault_cancel(struct vault_call *);
void		 vault_imsg(struct imsg *);
void		 vault_run(void);
void		 vault_tick(void);
void		 vault_shutdown(void);
int		 vault_sign_static(uint32_t, uint8_t *);
void		 vault_free(uint32_t);
const char	*vault_strerror(uint32_t);

#endif /* OCKAM_ROUTED_H */
