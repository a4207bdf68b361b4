/* SPDX-License-Identifier: ISC */
/*
 * tcpdpoke: what tcpd sends routed, read into a queue; the scenarios
 * take from it the first message of a type that a matcher accepts.
 */
#include <sys/types.h>
#include <sys/queue.h>

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "imsg.h"
#include "privsep.h"

#include "../common/poke.h"
#include "tcpdpoke.h"

static TAILQ_HEAD(, ev)	 evq = TAILQ_HEAD_INITIALIZER(evq);

/*
 * Read what tcpd sent within ms into the queue: 1 when something was
 * read, 0 on a timeout, -1 on EOF.
 */
int
pump(int ms)
{
	struct imsg	 imsg;
	struct ev	*e;
	int		 n;

	if ((n = child_read(ms)) != 1)
		return (n);
	while (child_get(&imsg) == 1) {
		if ((e = calloc(1, sizeof(*e))) == NULL)
			err(1, NULL);
		e->type = imsg.hdr.type;
		e->len = imsg.len;
		if ((e->data = malloc(imsg.len + 1)) == NULL)
			err(1, NULL);
		if (imsg.len > 0)
			memcpy(e->data, imsg.data, imsg.len);
		TAILQ_INSERT_TAIL(&evq, e, entry);
		imsg_free(&imsg);
	}
	return (1);
}

void
ev_free(struct ev *e)
{
	if (e == NULL)
		return;
	free(e->data);
	free(e);
}

/* The first message of type that match accepts, within ms. */
struct ev *
take(uint32_t type, matcher match, const void *arg, int ms)
{
	struct ev	*e;
	long long	 end = now_ms() + ms;
	int		 left;

	for (;;) {
		TAILQ_FOREACH(e, &evq, entry) {
			if (e->type != type)
				continue;
			if (match != NULL && !match(e, arg))
				continue;
			TAILQ_REMOVE(&evq, e, entry);
			return (e);
		}
		if ((left = end - now_ms()) <= 0)
			return (NULL);
		if (pump(left) == -1)
			return (NULL);
	}
}

/* How many of type arrived, after reading for up to ms. */
int
count(uint32_t type, int ms)
{
	struct ev	*e;
	long long	 end = now_ms() + ms;
	int		 n = 0, left;

	while ((left = end - now_ms()) > 0 && pump(left) == 1)
		;
	TAILQ_FOREACH(e, &evq, entry)
		if (e->type == type)
			n++;
	return (n);
}

void
flush_events(void)
{
	struct ev	*e;

	while ((e = TAILQ_FIRST(&evq)) != NULL) {
		TAILQ_REMOVE(&evq, e, entry);
		ev_free(e);
	}
}

/* Wait until tcpd closes the channel, without sending more. */
void
drain_child(void)
{
	struct ev	*e;

	while (pump(TIMEOUT) == 1) {
		while ((e = TAILQ_FIRST(&evq)) != NULL) {
			TAILQ_REMOVE(&evq, e, entry);
			printf("unexpected %s from tcpd\n",
			    imsg_type_name(e->type));
			ev_free(e);
		}
	}
}

struct tcp_conn *
ev_conn(struct ev *e)
{
	if (e == NULL || e->len != sizeof(struct tcp_conn))
		return (NULL);
	return ((struct tcp_conn *)e->data);
}

struct tcp_msg *
ev_msg(struct ev *e)
{
	if (e == NULL || e->len < sizeof(struct tcp_msg))
		return (NULL);
	return ((struct tcp_msg *)e->data);
}

int
m_id(const struct ev *e, const void *arg)
{
	uint32_t	 id;

	memcpy(&id, e->data, sizeof(id));	/* conn, first field */
	return (e->len >= sizeof(id) && id == *(const uint32_t *)arg);
}

int
m_listener(const struct ev *e, const void *arg)
{
	const struct tcp_conn	*tc = (const struct tcp_conn *)e->data;

	return (e->len == sizeof(*tc) &&
	    tc->listener == *(const uint32_t *)arg);
}

int
m_token(const struct ev *e, const void *arg)
{
	const struct tcp_conn	*tc = (const struct tcp_conn *)e->data;

	return (e->len == sizeof(*tc) && tc->token == *(const uint32_t *)arg);
}

int
m_peer(const struct ev *e, const void *arg)
{
	const struct tcp_conn	*tc = (const struct tcp_conn *)e->data;

	return (e->len == sizeof(*tc) && strcmp(tc->peer, arg) == 0);
}
