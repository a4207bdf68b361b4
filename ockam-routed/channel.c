/* SPDX-License-Identifier: ISC */
/*
 * Secure channel ends (doc/design.md 5): their life and their lookups.  A
 * channel end is made at a listener for a message 1 (a responder) or
 * by a create request (an initiator), runs its handshake (handshake.c)
 * and, once open, carries data (session.c) until it closes, is
 * deleted, idles out (chanlife.c) or the node stops.  Flow grants:
 * what comes out of a channel may reach whom (channel_flow_allows and
 * the listener and initiator checks below).
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/tree.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "channel.h"
#include "ctl.h"
#include "log.h"
#include "multiaddr.h"
#include "reload.h"
#include "util.h"

struct channels		 channels = TAILQ_HEAD_INITIALIZER(channels);
static uint32_t		 next_chan_id = 1;

static int
channel_cmp(struct channel *a, struct channel *b)
{
	return (a->id < b->id ? -1 : a->id > b->id);
}

RB_HEAD(channel_ids, channel);
RB_PROTOTYPE(channel_ids, channel, byid, channel_cmp);
RB_GENERATE(channel_ids, channel, byid, channel_cmp);
static struct channel_ids	 channel_ids = RB_INITIALIZER(&channel_ids);

struct channel *
channel_by_id(uint32_t id)
{
	struct channel	 key;

	key.id = id;
	return (RB_FIND(channel_ids, &channel_ids, &key));
}

struct channel *
channel_by_enc(const char *name)
{
	struct worker	*w;

	if ((w = worker_find(name)) == NULL || w->kind != WORKER_SC_ENCRYPTOR)
		return (NULL);
	return (w->chan);
}

/* A new channel end and its handshake part.  NULL: err says why. */
static struct channel *
channel_alloc(enum noise_role role, struct identity *ident, char *err,
    size_t errlen)
{
	struct channel	*c;
	struct worker	*we = NULL, *wd = NULL;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return (NULL);
	}
	c->role = role;
	c->ident = ident;
	route_init(&c->remote);
	recent_init(&c->senders, SC_SENDERS);
	if (handshake_new(c, err, errlen) == -1 ||
	    (we = worker_add(NULL, WORKER_SC_ENCRYPTOR, 0, err,
	    errlen)) == NULL ||
	    (wd = worker_add(NULL, WORKER_SC_DECRYPTOR, 0, err,
	    errlen)) == NULL)
		goto fail;
	we->chan = wd->chan = c;
	strlcpy(c->enc, we->name, sizeof(c->enc));
	strlcpy(c->dec, wd->name, sizeof(c->dec));
	/* Ids are unique among the channels that exist, after a wrap too. */
	do {
		c->id = next_chan_id++;
		if (next_chan_id == 0 || (next_chan_id & ORIGIN_INTERNAL))
			next_chan_id = 1;
	} while (RB_INSERT(channel_ids, &channel_ids, c) != NULL);
	TAILQ_INSERT_TAIL(&channels, c, entry);
	return (c);
 fail:
	if (we != NULL)
		worker_del(we);
	handshake_free(c);
	free(c);
	return (NULL);
}

/*
 * Tear a channel end down: its workers, its keys, its handshake part.
 * why, when set, is logged and told to a waiting client.
 */
void
channel_free(struct channel *c, const char *why)
{
	struct worker	*w;

	if (why != NULL) {
		log_info("secure channel %s (%s%s%s): %s", c->enc,
		    c->role == NOISE_INITIATOR ? "initiator" : "responder",
		    c->peer[0] ? ", peer " : "", c->peer, why);
		if (c->client != 0)
			control_report(c->client, c->reqid, CTL_ERR, why);
	}
	chanlife_gone(c, why);
	hub_gone(FLOW_CHANNEL, c->id, OCKAM_ADDR_LOCAL, c->enc);
	relayc_channel_gone(c->id);
	portal_gone(FLOW_CHANNEL, c->id);
	handshake_free(c);
	if ((w = worker_find(c->enc)) != NULL && w->chan == c)
		worker_del(w);
	if ((w = worker_find(c->dec)) != NULL && w->chan == c)
		worker_del(w);
	TAILQ_REMOVE(&channels, c, entry);
	RB_REMOVE(channel_ids, &channel_ids, c);
	route_clear(&c->remote);
	recent_clear(&c->senders);
	sctrust_free(c);
	chan_close_keys(c);
	sodium_memzero(c, sizeof(*c));
	free(c);
}

/*
 * Message 1 at a listener: a new responder, unless the listener has
 * as many channels as it may (chanlife.c); room for its handshake is
 * made by evicting an older one (chansrc.c).
 */
static void
listener_handle(struct worker *w, struct message *m)
{
	struct identity	*ident;
	struct channel	*c;
	struct hs_from	 from;
	char		 err[256];

	hsrc_from(m, &from);
	if (chanlife_refused(w->scl, from.addr)) {
		message_free(m);
		return;
	}
	hsrc_admit(&from);
	if ((ident = identity_find(w->scl->identity)) == NULL) {
		router_drop(m, "listener %s: identity %s not loaded", w->name,
		    w->scl->identity);
		return;
	}
	if ((c = channel_alloc(NOISE_RESPONDER, ident, err,
	    sizeof(err))) == NULL) {
		router_drop(m, "listener %s: %s", w->name, err);
		return;
	}
	c->listener = w->scl;
	hsrc_add(c, &from);
	route_pop_front(&m->tm.onward);
	if (route_push_front(&m->tm.onward, OCKAM_ADDR_LOCAL, c->dec,
	    strlen(c->dec)) == -1) {
		router_drop(m, "listener %s: route too long", w->name);
		channel_free(c, NULL);
		return;
	}
	router_enqueue(m);
}

void
channel_handle(struct worker *w, struct message *m)
{
	switch (w->kind) {
	case WORKER_SC_LISTENER:
		listener_handle(w, m);
		break;
	case WORKER_SC_DECRYPTOR:
		handshake_input(w->chan, m);
		break;
	case WORKER_SC_ENCRYPTOR:
		if (!w->chan->open)
			router_drop(m, "secure channel %s is not open yet",
			    w->name);
		else
			chan_encrypt(w->chan, m);
		break;
	default:
		router_drop(m, "not a secure channel worker");
		break;
	}
}

/*
 * Start a handshake to a listener at the end of route; pin becomes the
 * channel's, or is freed.  The result reaches the client later (trust.c).
 */
int
channel_new_initiator(const struct route *to, struct identity *ident,
    struct trust_conf *trust, struct sc_pin *pin, int timeout,
    uint32_t client, uint32_t reqid, char *err, size_t errlen)
{
	struct channel		*c;
	struct name_entry	*n;

	if (!noise_available()) {
		free(pin);
		snprintf(err, errlen, "secure channels need AES-256-GCM, "
		    "which libsodium offers only on CPUs with AES-NI");
		return (-1);
	}
	if ((c = channel_alloc(NOISE_INITIATOR, ident, err, errlen)) == NULL) {
		free(pin);
		return (-1);
	}
	c->pin = pin;
	c->hs->trust.everyone = trust->everyone;
	TAILQ_FOREACH(n, &trust->ids, entry)
		if (names_add(&c->hs->trust.ids, n->name) == -1) {
			channel_free(c, NULL);
			snprintf(err, errlen, "out of memory");
			return (-1);
		}
	if (timeout > 0)
		c->hs->timeout = timeout;
	c->client = client;
	c->reqid = reqid;
	if (route_copy(&c->remote, to) == -1) {
		c->client = 0;
		channel_free(c, NULL);
		snprintf(err, errlen, "out of memory");
		return (-1);
	}
	if (handshake_initiate(c) == -1) {
		c->client = 0;
		channel_free(c, NULL);
		snprintf(err, errlen, "the vault is not available");
		return (-1);
	}
	return (0);
}

/* What a handshake that takes too long waits for. */
static const char *
hs_waits(const struct channel *c)
{
	switch (c->hs->noise.state) {
	case NOISE_I_START:
		return ("message 1 was not sent (the vault did not answer)");
	case NOISE_I_SENT1:
		return ("no answer (message 2) to message 1");
	case NOISE_I_READ2:
		return ("message 3 was not sent (the vault did not answer)");
	case NOISE_R_START:
	case NOISE_R_READ1:
		return ("message 2 was not sent (the vault did not answer)");
	case NOISE_R_SENT2:
		return ("no message 3 after message 2");
	default:
		return ("the handshake did not end");
	}
}

/*
 * Once a second: handshakes that took too long are given up, idle
 * channels closed.
 */
void
channel_tick(void)
{
	struct channel	*c, *next;
	char		 why[128], msg[256];
	time_t		 now = monotime();

	for (c = TAILQ_FIRST(&channels); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (c->open) {
			chanlife_idle(c, now);	/* may free c */
			continue;
		}
		if (c->hs->undelivered[0] != '\0') {
			strlcpy(msg, c->hs->undelivered, sizeof(msg));
			channel_free(c, msg);
			continue;
		}
		if (now - c->hs->started < c->hs->timeout)
			continue;
		snprintf(why, sizeof(why), "handshake abandoned after %lld s: "
		    "%s", (long long)(now - c->hs->started), hs_waits(c));
		channel_free(c, why);
	}
}

/*
 * A handshake message of initiator id could not be delivered (no
 * connection could be made, no route): the handshake is over, and its
 * client hears why within a second (channel_tick), not when it would
 * have timed out.  Not at once: this is called from where messages are
 * dropped, which may be inside the handshake.
 */
void
channel_report(uint32_t id, const char *why)
{
	struct channel	*c;

	if ((c = channel_by_id(id)) == NULL || c->open ||
	    c->hs->undelivered[0] != '\0')
		return;
	snprintf(c->hs->undelivered, sizeof(c->hs->undelivered),
	    "message %d of the handshake could not be delivered: %s",
	    c->hs->noise.state == NOISE_I_SENT1 ? 1 : 3, why);
}

/* A control client left: nobody waits for its handshakes any more. */
void
channel_client_gone(uint32_t client)
{
	struct channel	*c;

	TAILQ_FOREACH(c, &channels, entry)
		if (c->client == client)
			c->client = 0;
}

/*
 * Flow control: what came out of a channel may first go only to a
 * consumer of the listener that accepted it, or, for a channel this
 * node created, back to a local worker that sent through it.
 */
int
channel_flow_allows(struct message *m, const char *worker)
{
	struct channel	*c;

	if ((c = channel_by_id(m->flow)) == NULL)
		return (0);
	if (c->role == NOISE_RESPONDER)
		return (names_find(&c->listener->consumers, worker) ||
		    stream_flow_allows(worker, &c->listener->consumers));
	return (recent_has(&c->senders, worker) ||
	    relayc_via(worker, 0, NULL, c->id));
}

/* Identities from the configuration, and the listeners. */
void
channel_configure(struct ockam_conf *conf)
{
	struct identity_conf	*ic;
	struct sclistener_conf	*sl;
	struct identity		*id;
	struct worker		*w;
	char			 err[256];

	if (!noise_available() && !TAILQ_EMPTY(&conf->sclisteners))
		fatalx("secure channels need AES-256-GCM, which libsodium "
		    "offers only on CPUs with AES-NI; this one has none");
	TAILQ_FOREACH(ic, &conf->identities, entry)
		if (identity_load(ic->name, 1, &id, err, sizeof(err)) == -1)
			fatalx("%s", err);
	TAILQ_FOREACH(sl, &conf->sclisteners, entry) {
		if ((w = worker_add(sl->name, WORKER_SC_LISTENER, 0, err,
		    sizeof(err))) == NULL)
			fatalx("secure-channel listener %s: %s", sl->name, err);
		w->scl = sl;
	}
}

/* Reload: a responder end n no longer allows, and why; NULL: kept. */
static const char *
channel_refused(struct channel *c, struct ockam_conf *n)
{
	struct sclistener_conf	*sl;

	if ((sl = config_find_sclistener(n, c->listener->name)) == NULL)
		return ("its listener was removed by a reload");
	if (c->peer[0] != '\0' && !trust_allows(&sl->trust, c->peer))
		return ("its peer is no longer trusted (reload)");
	return (NULL);
}

/*
 * Reload: n's secure channel listeners.  One kept keeps its channels
 * but those whose peer its new trust list refuses; one removed closes
 * its channels.  The rest follow their listener's new rules.  An
 * initiator's channel made by the file's rules closes when the new
 * "secure-channel trust" refuses its responder (sctrust_refused()).
 */
void
channel_reconf(struct ockam_conf *n, struct reload_sum *sum)
{
	struct sclistener_conf	*sl;
	struct channel		*c;
	struct worker		*w, *next;
	const char		*why;
	char			 err[256];

 again:
	TAILQ_FOREACH(c, &channels, entry) {
		why = c->listener != NULL ? channel_refused(c, n) :
		    sctrust_refused(c, &n->sctrust);
		if (why == NULL)
			continue;
		if (c->open)
			chan_send_close(c);
		channel_free(c, why);
		sum->removed[RL_CHANNELS]++;
		goto again;
	}
	TAILQ_FOREACH(c, &channels, entry)
		if (c->listener != NULL)
			c->listener = config_find_sclistener(n,
			    c->listener->name);
	for (w = worker_next(NULL); w != NULL; w = next) {
		next = worker_next(w);
		if (w->kind != WORKER_SC_LISTENER)
			continue;
		if ((sl = config_find_sclistener(n, w->name)) != NULL) {
			if (!trust_equal(&w->scl->trust, &sl->trust) ||
			    !names_equal(&w->scl->consumers, &sl->consumers) ||
			    strcmp(w->scl->identity, sl->identity) != 0)
				sum->changed++;
			w->scl = sl;
			continue;
		}
		log_info("reload: secure channel listener %s removed",
		    w->name);
		sum->removed[RL_SCLISTENERS]++;
		worker_del(w);
	}
	TAILQ_FOREACH(sl, &n->sclisteners, entry) {
		if (worker_find(sl->name) != NULL)
			continue;
		if ((w = worker_add(sl->name, WORKER_SC_LISTENER, 0, err,
		    sizeof(err))) == NULL) {
			log_warnx("reload: secure channel listener %s: %s",
			    sl->name, err);
			continue;
		}
		w->scl = sl;
		sum->added[RL_SCLISTENERS]++;
	}
}

/*
 * The node stops: tell every peer (and deliver what goes to ends on
 * this node, which close in turn), then forget the keys.
 */
void
channel_shutdown(void)
{
	struct channel	*c;

	TAILQ_FOREACH(c, &channels, entry)
		if (c->open)
			chan_send_close(c);
	router_flush();
	while ((c = TAILQ_FIRST(&channels)) != NULL)
		channel_free(c, NULL);
	ephpool_clear();
}

/*
 * Is worker name the decryptor of a channel accepted by a secure
 * channel listener named in consumers?  What a TCP listener lets reach
 * the listener, it lets reach the channels the listener makes.
 */
int
channel_listener_of(const char *name, const struct names *consumers)
{
	struct worker	*w;

	if ((w = worker_find(name)) == NULL || w->kind != WORKER_SC_DECRYPTOR ||
	    w->chan->listener == NULL)
		return (0);
	return (names_find(consumers, w->chan->listener->name));
}

/*
 * Is worker name the decryptor of a channel this node created whose
 * peer is first reached over the TCP (or TLS) connection to peer?
 * What that connection brings may reach it for as long as the channel
 * lives, however many channels share the connection (the reply grants
 * of transport.c remember only the most recent senders).
 */
int
channel_initiator_via(const char *name, int tls, const char *peer)
{
	struct worker	*w;
	struct addr	*a;

	if ((w = worker_find(name)) == NULL || w->kind != WORKER_SC_DECRYPTOR ||
	    w->chan->role != NOISE_INITIATOR ||
	    (a = route_head(&w->chan->remote)) == NULL)
		return (0);
	return (a->type == (tls ? OCKAM_ADDR_TLS : OCKAM_ADDR_TCP) &&
	    strcmp(a->val, peer) == 0);
}
