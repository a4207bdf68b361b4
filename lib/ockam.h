/* SPDX-License-Identifier: ISC */
/*
 * The client API: what a C program needs to act as an Ockam app
 * against a running node (ockam-routed): register a worker, send a
 * message along a route, receive the messages for its workers.
 *
 *	c = ockam_connect(path, err, sizeof(err));
 *	ockam_worker_add(c, NULL, me, sizeof(me));	random address
 *	ockam_send(c, &msg, OCKAM_SEND_REPORT);
 *	ockam_receive(c, &reply, 5000);
 *	ockam_disconnect(c);
 *
 * Secure channels and relays at a hub are the node's: the calls below
 * ask it to make one and answer once it is up (or failed).
 *
 *	ockam_secure_channel_create(c, &route, NULL, ch, sizeof(ch));
 *	ockam_relay_create(c, "/ip4/10.0.0.1/tcp/4000", NULL, "listener",
 *	    NULL, fwd, sizeof(fwd));	fwd: the route senders use
 *
 * Calls are synchronous.  Functions return -1 on failure and
 * ockam_error() says why.
 */
#ifndef OCKAM_CLIENT_H
#define OCKAM_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "route.h"

#define OCKAM_SEND_REPORT	0x01	/* ask to hear if it is dropped */

/*
 * How a secure channel is made, the channel a relay opens to its hub
 * included; NULL or zeros: the node's configuration.
 */
struct ockam_sc_opts {
	const char		*identity;	/* NULL: the node's first */
	int			 seconds;	/* channel: handshake timeout;
						   relay: heartbeat */
	int			 flags;		/* OCKAM_TRUST_* */
	const char *const	*trust;		/* identifiers trusted */
	size_t			 ntrust;
};
#define OCKAM_TRUST_ANY		0x01	/* any peer (trust nothing else) */
#define OCKAM_TRUST_PIN		0x02	/* pin the peer on first use */

/*
 * What kind of failure the last call had (ockam_failure()).  When
 * ockam_connect() fails, errno says why.
 */
#define OCKAM_FAIL_OP		1	/* the operation failed */
#define OCKAM_FAIL_REFUSED	2	/* the node refused it: permission,
					   policy or a limit */
#define OCKAM_FAIL_NODE		3	/* the node went away, or the
					   connection to it failed */

struct ockam_client;

struct ockam_client	*ockam_connect(const char *, char *, size_t);
void			 ockam_disconnect(struct ockam_client *);
const char		*ockam_error(const struct ockam_client *);
int			 ockam_failure(const struct ockam_client *);
uint32_t		 ockam_status(const struct ockam_client *);
int			 ockam_worker_add(struct ockam_client *, const char *,
			    char *, size_t);
int			 ockam_worker_del(struct ockam_client *, const char *);
int			 ockam_send(struct ockam_client *, const struct tmsg *,
			    int);
int			 ockam_receive(struct ockam_client *, struct tmsg *,
			    int);
int			 ockam_receive_from(struct ockam_client *,
			    struct tmsg *, char *, size_t, int);
int			 ockam_show_workers(struct ockam_client *,
			    void (*)(void *, const char *, const char *,
			    const char *),
			    void *);
int			 ockam_request(struct ockam_client *, uint32_t,
			    const void *, size_t, char *, size_t);
int			 ockam_secure_channel_create(struct ockam_client *,
			    const struct route *, const struct ockam_sc_opts *,
			    char *, size_t);
int			 ockam_secure_channel_delete(struct ockam_client *,
			    const char *);
int			 ockam_relay_create(struct ockam_client *,
			    const char *, const char *, const char *,
			    const struct ockam_sc_opts *, char *, size_t);
int			 ockam_relay_delete(struct ockam_client *,
			    const char *);
int			 ockam_stream_client_create(struct ockam_client *,
			    const char *, const char *[], uint32_t,
			    const char **, uint32_t, char *, size_t);
struct cursor;
int			 ockam_list(struct ockam_client *, uint32_t,
			    const void *, size_t, uint32_t,
			    int (*)(void *, struct cursor *), void *);

#endif /* OCKAM_CLIENT_H */
