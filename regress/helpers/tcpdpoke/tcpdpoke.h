/* SPDX-License-Identifier: ISC */
/*
 * tcpdpoke: what its files share.  tcpdpoke.c starts tcpd and picks
 * the scenario; events.c holds what tcpd sends; msg.c makes and sends
 * messages; net.c makes the loopback peers; frames.c, load.c,
 * connect.c, names.c, tls.c and refuse.c are the scenarios.
 */
#ifndef TCPDPOKE_H
#define TCPDPOKE_H

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <stdint.h>

#include "tcp.h"

#define TIMEOUT		10000	/* ms for READY or an answer */

/* A message from tcpd, as it came. */
struct ev {
	TAILQ_ENTRY(ev)	 entry;
	uint32_t	 type;
	size_t		 len;
	unsigned char	*data;
};

typedef int (*matcher)(const struct ev *, const void *);

/* doc/design.md 4.3: the echoer frame, and a heartbeat. */
#define ECHOER_LEN	32
extern const unsigned char	 ka_echoer[];	/* ECHOER_LEN bytes */
extern const unsigned char	 heartbeat[];	/* 6 bytes */

extern int		 have_ipv6;
extern uint16_t		 port1;		/* listener 1, 127.0.0.1 */

/* tcpdpoke.c */
void		 mklisten(struct tcp_listen *, uint32_t, int, uint16_t,
		    const char *, const char *);
long		 proc_field(const char *);
int		 proc_fds(void);

/* events.c */
int		 pump(int);
void		 ev_free(struct ev *);
struct ev	*take(uint32_t, matcher, const void *, int);
int		 count(uint32_t, int);
void		 flush_events(void);
void		 drain_child(void);
struct tcp_conn	*ev_conn(struct ev *);
struct tcp_msg	*ev_msg(struct ev *);
int		 m_id(const struct ev *, const void *);
int		 m_listener(const struct ev *, const void *);
int		 m_token(const struct ev *, const void *);
int		 m_peer(const struct ev *, const void *);

/* msg.c */
size_t		 mkmsg(unsigned char *, size_t, unsigned char);
size_t		 plen_for(size_t);
void		 send_msg(const char *, int, uint32_t, const void *, size_t);
void		 send_to(uint32_t, const char *, int, uint32_t, const void *,
		    size_t);
void		 send_close(uint32_t);
int		 recv_is(uint32_t, const void *, size_t, int);
uint32_t	 up_of(int, uint32_t);
void		 expect_fail(const char *, int, uint32_t, const char *,
		    const char *);

/* net.c */
void		 sa_loop(struct sockaddr_storage *, int, uint16_t);
socklen_t	 sslen(int);
uint16_t	 port_of(int, int);
int		 tcp_server(int, uint16_t *, int, int);
uint16_t	 free_port(int);
int		 tcp_client(int, uint16_t);
int		 nb_client(int, uint16_t);
int		 accept_within(int, int);
int		 readn(int, void *, size_t);
int		 sees_eof(int, int);

/* The scenarios. */
void		 scenario_frames(void);
void		 scenario_bad(void);
void		 scenario_many(void);
void		 scenario_noread(int);
void		 scenario_slowrouted(void);
void		 scenario_connect(void);
void		 scenario_ipv6_listener(uint16_t);
void		 scenario_tls(uint16_t, uint16_t, uint16_t);
void		 scenario_fatal(const char *);
void		 scenario_filter(void);
void		 scenario_names(void);
void		 scenario_portal(void);

/* portal.c */
extern uint16_t	 inlet1;	/* inlet 1, 127.0.0.1, or 0 */

#endif
