/* SPDX-License-Identifier: ISC */
/*
 * Trust at both ends of a secure channel (doc/secure-channel.md).
 *
 * An initiator trusts a responder whose identifier is one of the -T
 * identifiers of its create request; without any, one listed by the
 * configuration (`secure-channel trust'), one of this node's own
 * identities (their keys are in this vault), or the one pinned for the
 * route: the vault keeps pins in its key directory, as ssh keeps
 * known_hosts, and a responder that answers with another identifier is
 * refused, naming both.  The first one seen is pinned only when asked
 * (--pin, or `secure-channel pin').  Trusting anyone is asked for too
 * (--trust-any, `secure-channel trust everyone') and logged.
 *
 * A responder that refuses the initiator's identity at message 3 holds
 * the session keys: it sends one Close carrying the reason, under them,
 * and forgets the channel.  One that accepts it sends a Confirm.  The
 * initiator's create is answered when one of them (or any message from
 * the responder) arrives, or after LIMIT_CONFIRM_TIMEOUT seconds
 * without a word, as from a responder older than this.
 */
#include <sys/types.h>
#include <sys/queue.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "channel.h"
#include "ctl.h"
#include "limit.h"
#include "log.h"
#include "multiaddr.h"
#include "privsep.h"
#include "trust.h"

/* A create that waits for the vault to say what is pinned. */
struct sct_lookup {
	struct route		 to;
	struct identity		*ident;
	struct trust_conf	 trust;
	struct sc_pin		*pin;
	int			 timeout;
	uint32_t		 client;
	uint32_t		 reqid;
};

static struct trust_conf	*conftrust;	/* secure-channel trust */
static int			 confpin;	/* secure-channel pin */

static struct log_count	 log_any = LOG_COUNT_INIT(LOG_INFO,
    "secure channel created trusting any responder");
static struct log_count	 log_unconfirmed = LOG_COUNT_INIT(LOG_WARNING,
    "no word from the responder: secure channel reported open");

void
sctrust_configure(struct ockam_conf *conf)
{
	conftrust = &conf->sctrust;
	confpin = conf->scpin;
}

/* A responder with one of our own identities: its keys are ours. */
static int
own_identity(const char *identifier)
{
	struct identity	*id;

	for (id = identity_first(); id != NULL; id = identity_next(id))
		if (strcmp(id->identifier, identifier) == 0)
			return (1);
	return (0);
}

static void
changed_why(char *why, size_t len, const struct sc_pin *p, const char *id)
{
	snprintf(why, len, "the responder's identity changed on %s: %s is "
	    "pinned, %s answered (if that is expected, remove the pin: "
	    "ockamctl secure-channel unpin ROUTE)", p->key, p->pinned, id);
}

/* Ask the vault about key's pin; done(arg) gets the answer.  -1: not. */
static int
pin_ask(uint32_t op, const char *key, const char *id,
    void (*done)(void *, const void *), void *arg)
{
	struct vault_pin_req	 req;

	memset(&req, 0, sizeof(req));
	req.op = op;
	strlcpy(req.key, key, sizeof(req.key));
	strlcpy(req.id, id, sizeof(req.id));
	return (vault_call(IMSG_VAULT_PIN, &req, sizeof(req),
	    sizeof(struct vault_pin), done, arg) == NULL ? -1 : 0);
}

static void
report_open(struct channel *c)
{
	char	 route[64];

	snprintf(route, sizeof(route), "/service/%s", c->enc);
	control_report(c->client, c->reqid, CTL_OK, route);
	c->client = 0;
	c->confirm_by = 0;
}

static void
lookup_free(struct sct_lookup *lk)
{
	route_clear(&lk->to);
	trust_free(&lk->trust);
	free(lk->pin);
	free(lk);
}

/* The vault said what is pinned for the route: start the handshake. */
static void
lookup_done(void *arg, const void *data)
{
	struct sct_lookup	*lk = arg;
	const struct vault_pin	*ans = data;
	char			 err[256];

	if (ans->status == VAULT_OK) {
		if (memchr(ans->id, '\0', sizeof(ans->id)) == NULL ||
		    !identifier_valid(ans->id))
			fatalx("vault: a pin that is not an identifier");
		strlcpy(lk->pin->pinned, ans->id, sizeof(lk->pin->pinned));
	} else if (ans->status != VAULT_ERR_NOTFOUND) {
		snprintf(err, sizeof(err), "cannot read the pins: vault: %s",
		    vault_strerror(ans->status));
		control_report(lk->client, lk->reqid, CTL_ERR, err);
		lookup_free(lk);
		return;
	}
	if (channel_new_initiator(&lk->to, lk->ident, &lk->trust, lk->pin,
	    lk->timeout, lk->client, lk->reqid, err, sizeof(err)) == -1)
		control_report(lk->client, lk->reqid, CTL_ERR, err);
	lk->pin = NULL;		/* the channel's, or freed */
	lookup_free(lk);
}

/*
 * A create request (chanctl.c): with -T identifiers in trust, or
 * trusting anyone, the handshake starts now; otherwise once the vault
 * said what is pinned for the route.  0: the result reaches the client
 * later; -1: err says why not.
 */
int
sctrust_create(const struct route *to, struct identity *ident,
    struct trust_conf *trust, uint32_t flags, int timeout, uint32_t client,
    uint32_t reqid, char *err, size_t errlen)
{
	struct sct_lookup	*lk;
	struct name_entry	*n;
	struct sc_pin		*pin;
	char			 text[VAULT_PIN_KEY_MAX];

	if (multiaddr_print(to, text, sizeof(text)) == -1)
		strlcpy(text, "", sizeof(text));
	if (!TAILQ_EMPTY(&trust->ids))
		return (channel_new_initiator(to, ident, trust, NULL, timeout,
		    client, reqid, err, errlen));
	if (conftrust == NULL)
		fatalx("%s: not configured", __func__);
	if ((flags & CTL_SC_TRUST_ANY) || conftrust->everyone) {
		log_count(&log_any, "to %s (%s)", text[0] != '\0' ? text :
		    "a long route", (flags & CTL_SC_TRUST_ANY) ?
		    "--trust-any" : "secure-channel trust everyone");
		trust->everyone = 1;
		/*
		 * By the file's rule: a blank pin (nothing to record) marks
		 * the channel as the file's, for a reload to judge again.
		 */
		pin = NULL;
		if (!(flags & CTL_SC_TRUST_ANY) &&
		    (pin = calloc(1, sizeof(*pin))) == NULL)
			goto oom;
		return (channel_new_initiator(to, ident, trust, pin, timeout,
		    client, reqid, err, errlen));
	}
	trust->everyone = 0;
	TAILQ_FOREACH(n, &conftrust->ids, entry)
		if (names_add(&trust->ids, n->name) == -1)
			goto oom;
	if ((pin = calloc(1, sizeof(*pin))) == NULL)
		goto oom;
	/* A route that cannot be a pin's key: the list only (key ""). */
	if (!printable_word(text, sizeof(text)))
		return (channel_new_initiator(to, ident, trust, pin, timeout,
		    client, reqid, err, errlen));
	if ((lk = calloc(1, sizeof(*lk))) == NULL) {
		free(pin);
		goto oom;
	}
	lk->pin = pin;
	route_init(&lk->to);
	trust_init(&lk->trust);
	lk->trust.everyone = 0;
	TAILQ_CONCAT(&lk->trust.ids, &trust->ids, entry);
	strlcpy(pin->key, text, sizeof(pin->key));
	pin->pin_new = (flags & CTL_SC_PIN) || confpin;
	lk->ident = ident;
	lk->timeout = timeout;
	lk->client = client;
	lk->reqid = reqid;
	if (route_copy(&lk->to, to) == -1) {
		lookup_free(lk);
		goto oom;
	}
	if (pin_ask(VAULT_PIN_LOOKUP, pin->key, "", lookup_done, lk) == -1) {
		lookup_free(lk);
		snprintf(err, errlen, "the vault is not available");
		return (-1);
	}
	return (0);
 oom:
	snprintf(err, errlen, "out of memory");
	return (-1);
}

/* A client that asked for a pin to be removed. */
struct sct_unpin {
	uint32_t	 client;
	uint32_t	 reqid;
	char		 key[VAULT_PIN_KEY_MAX];
};

static void
unpin_done(void *arg, const void *data)
{
	struct sct_unpin	*u = arg;
	const struct vault_pin	*ans = data;
	char			 msg[VAULT_PIN_KEY_MAX + 64];

	if (ans->status == VAULT_OK &&
	    memchr(ans->id, '\0', sizeof(ans->id)) != NULL)
		control_report(u->client, u->reqid, CTL_OK, ans->id);
	else {
		if (ans->status == VAULT_ERR_NOTFOUND)
			snprintf(msg, sizeof(msg), "nothing is pinned for %s",
			    u->key);
		else
			snprintf(msg, sizeof(msg), "vault: %s",
			    vault_strerror(ans->status));
		control_report(u->client, u->reqid, CTL_ERR, msg);
	}
	free(u);
}

/*
 * secure-channel unpin (chanctl.c): the vault forgets the pin of the
 * route.  0: the result reaches the client later; -1: err says why not.
 */
int
sctrust_unpin(const struct route *to, uint32_t client, uint32_t reqid,
    char *err, size_t errlen)
{
	struct sct_unpin	*u;

	if ((u = calloc(1, sizeof(*u))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return (-1);
	}
	if (multiaddr_print(to, u->key, sizeof(u->key)) == -1 ||
	    !printable_word(u->key, sizeof(u->key))) {
		free(u);
		snprintf(err, errlen, "this route cannot have a pin");
		return (-1);
	}
	u->client = client;
	u->reqid = reqid;
	if (pin_ask(VAULT_PIN_REMOVE, u->key, "", unpin_done, u) == -1) {
		free(u);
		snprintf(err, errlen, "the vault is not available");
		return (-1);
	}
	return (0);
}

/* The vault wrote the pin of a first use, or could not. */
static void
pin_recorded(void *arg, const void *data)
{
	const struct vault_pin	*ans = data;
	struct channel		*c;
	char			 why[SC_WHY_MAX];

	if ((c = channel_by_id((uint32_t)(uintptr_t)arg)) == NULL ||
	    c->pin == NULL || !c->pin->recording)
		return;
	c->pin->recording = 0;
	if (ans->status == VAULT_OK) {
		if (c->pin->confirmed && c->client != 0)
			report_open(c);
		return;
	}
	if (ans->status == VAULT_ERR_CHANGED &&
	    memchr(ans->id, '\0', sizeof(ans->id)) != NULL) {
		/* Another create pinned another one meanwhile. */
		strlcpy(c->pin->pinned, ans->id, sizeof(c->pin->pinned));
		changed_why(why, sizeof(why), c->pin, c->peer);
	} else
		snprintf(why, sizeof(why), "cannot pin the responder: vault: "
		    "%s", vault_strerror(ans->status));
	if (c->open)
		chan_send_close(c);
	channel_free(c, why);
}

/*
 * May the peer with identifier id have this channel?  A responder asks
 * its listener's trust; an initiator as the file's comment says, and
 * asks the vault to pin a responder seen first.  0: yes; -1: why.
 */
int
sctrust_check(struct channel *c, const struct trust_conf *trust,
    const char *id, char *why, size_t whylen)
{
	struct sc_pin		*p = c->pin;

	if (trust_allows(trust, id))
		return (0);
	/* An initiator without a pin: -T was given, and only those. */
	if (c->role == NOISE_RESPONDER || p == NULL) {
		snprintf(why, whylen, "peer %s is not trusted", id);
		return (-1);
	}
	if (own_identity(id))
		return (0);
	if (p->pinned[0] != '\0') {
		if (strcmp(p->pinned, id) == 0)
			return (0);
		changed_why(why, whylen, p, id);
		return (-1);
	}
	if (p->key[0] == '\0') {
		snprintf(why, whylen, "responder %s is unknown, and this route "
		    "cannot be pinned: name it with -T or list it in "
		    "ockam.conf(5) (secure-channel trust)", id);
		return (-1);
	}
	if (!p->pin_new) {
		snprintf(why, whylen, "responder %s is unknown on %s: name it "
		    "with -T, list it in ockam.conf(5) (secure-channel trust) "
		    "or pin it on first use (--pin)", id, p->key);
		return (-1);
	}
	if (pin_ask(VAULT_PIN_RECORD, p->key, id, pin_recorded,
	    (void *)(uintptr_t)c->id) == -1) {
		snprintf(why, whylen, "cannot pin the responder: the vault is "
		    "not available");
		return (-1);
	}
	strlcpy(p->pinned, id, sizeof(p->pinned));
	p->recording = 1;
	log_info("secure channel %s: pinning responder %s for %s (first use)",
	    c->enc, id, p->key);
	return (0);
}

/*
 * An identity payload failed at message msgno (r: -2, not trusted;
 * -1, invalid).  A responder at message 3 holds the session keys: it
 * tells the initiator, under them, before it forgets the channel.
 */
void
sctrust_refuse(struct channel *c, int msgno, int r, const char *why)
{
	struct noise_cipher	 k1, k2;

	if (msgno == 3 && c->role == NOISE_RESPONDER &&
	    noise_split(&c->hs->noise, &k1, &k2) == 0) {
		/* The Noise specification's roles: the responder sends k2. */
		chan_send_refusal(c, &k2, r == -2 ? SC_CLOSE_NOT_TRUSTED :
		    SC_CLOSE_BAD_IDENTITY);
		sodium_memzero(&k1, sizeof(k1));
		sodium_memzero(&k2, sizeof(k2));
	}
	channel_free(c, why);
}

/*
 * The handshake is over (handshake.c: hs_done).  A responder confirms;
 * an initiator's create waits for that word, a bounded time.
 */
void
sctrust_opened(struct channel *c)
{
	if (c->role == NOISE_RESPONDER) {
		chan_send_confirm(c);
		if (c->client != 0)
			report_open(c);
		return;
	}
	if (c->client != 0)
		c->confirm_by = monotime() +
		    (time_t)limit(LIMIT_CONFIRM_TIMEOUT);
}

/* A Confirm, or any message, from the responder. */
void
sctrust_confirmed(struct channel *c)
{
	if (c->role != NOISE_INITIATOR || c->client == 0 || c->confirm_by == 0)
		return;
	if (c->pin != NULL && c->pin->recording) {
		c->pin->confirmed = 1;
		return;
	}
	report_open(c);
}

/* A Close from the peer: its body is empty or a reason code. */
void
sctrust_peer_close(struct channel *c, const uint8_t *body, size_t len)
{
	const char	*peer;
	char		 why[128];

	peer = c->role == NOISE_INITIATOR ? "responder" : "initiator";
	switch (len == 0 ? SC_CLOSE_NONE : body[0]) {
	case SC_CLOSE_NONE:
		snprintf(why, sizeof(why), "closed by the peer");
		break;
	case SC_CLOSE_NOT_TRUSTED:
		snprintf(why, sizeof(why), "not trusted by the %s", peer);
		break;
	case SC_CLOSE_BAD_IDENTITY:
		snprintf(why, sizeof(why), "our identity payload was refused "
		    "by the %s", peer);
		break;
	case SC_CLOSE_LIMIT:
		snprintf(why, sizeof(why), "refused by the %s: too many "
		    "channels", peer);
		break;
	default:
		snprintf(why, sizeof(why), "closed by the peer (reason %u)",
		    body[0]);
		break;
	}
	channel_free(c, why);
}

/* Once a second: creates that waited long enough for a Confirm. */
void
sctrust_tick(void)
{
	struct channel	*c;
	time_t		 now = monotime();

	TAILQ_FOREACH(c, &channels, entry) {
		if (!c->open || c->client == 0 || c->confirm_by == 0 ||
		    now < c->confirm_by)
			continue;
		log_count(&log_unconfirmed, "secure channel %s within %u s "
		    "(a responder older than the Confirm?)", c->enc,
		    limit(LIMIT_CONFIRM_TIMEOUT));
		if (c->pin == NULL || !c->pin->recording)
			report_open(c);
	}
}

/*
 * Reload: may an initiator's open channel made by the file's rules (it
 * has a pin: no -T, no --trust-any) stay under t, the new "secure-channel
 * trust"?  NULL: yes; else why not.  A responder pinned on first use
 * stays: pins are the vault's, not the file's.
 */
const char *
sctrust_refused(const struct channel *c, const struct trust_conf *t)
{
	const struct sc_pin	*p = c->pin;

	if (c->role != NOISE_INITIATOR || p == NULL || !c->open ||
	    c->peer[0] == '\0')
		return (NULL);
	if (trust_allows(t, c->peer) || own_identity(c->peer) ||
	    (p->pinned[0] != '\0' && strcmp(p->pinned, c->peer) == 0))
		return (NULL);
	return ("its responder is no longer in secure-channel trust (reload)");
}

void
sctrust_free(struct channel *c)
{
	free(c->pin);
	c->pin = NULL;
}
