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
 * Calls are synchronous.  Functions return -1 on failure and
 * ockam_error() says why.
 */
#ifndef OCKAM_CLIENT_H
#define OCKAM_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "route.h"

#define OCKAM_SEND_REPORT	0x01	/* ask to hear if it is dropped */

struct ockam_client;

struct ockam_client	*ockam_connect(const char *, char *, size_t);
void			 ockam_disconnect(struct ockam_client *);
const char		*ockam_error(const struct ockam_client *);
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
struct cursor;
int			 ockam_list(struct ockam_client *, uint32_t,
			    const void *, size_t, uint32_t,
			    int (*)(void *, struct cursor *), void *);

#endif /* OCKAM_CLIENT_H */
