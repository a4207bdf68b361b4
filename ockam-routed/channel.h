/* SPDX-License-Identifier: ISC */
/*
 * Secure channels inside routed (doc/design.md 5): their life and lookups
 * in channel.c, the handshake in handshake.c, the data path in
 * session.c, control requests in chanctl.c.  Session keys live here;
 * private keys never do.
 */
#ifndef OCKAM_CHANNEL_H
#define OCKAM_CHANNEL_H

#include <sys/queue.h>
#include <sys/tree.h>

#include <sodium.h>
#include <time.h>

#include "aead.h"
#include "limit.h"
#include "noise.h"
#include "replay.h"
#include "routed.h"
#include "trust.h"
#include "util.h"
#include "vault.h"

#define SC_IDPAYLOAD_LEN	97	/* version, Ed25519 key, signature */
#define SC_IDPAYLOAD_VERSION	1
#define SC_KIND_MESSAGE		0
#define SC_KIND_CLOSE		1
#define SC_KIND_CONFIRM		2	/* responder: identity accepted */
#define SC_SENDERS		16	/* local senders an initiator admits */
#define SC_NAME_LEN		(2 * RANDOM_NAME_BYTES)
#define SC_MEMO			4	/* DH results a handshake keeps */
/* Messages waiting for the vault: a handshake message, a replay window. */
#define SC_HELD_MAX		(1 + REPLAY_WINDOW)
#define SC_HELD_XOFF		16	/* held: stop reading their link */
#define SC_ADDR_MAX		80	/* a source's address, text */
#define SC_VERIFIED		64	/* identity payloads known good */
#define SC_EPH_POOL		32	/* ephemeral keys made ahead */

/* A DH result the vault gave a handshake (handshake.c: hs_dh). */
struct sc_dh {
	int			 used;
	enum noise_key		 key;
	uint8_t			 peer[NOISE_DHLEN];
	uint8_t			 secret[NOISE_DHLEN];
};

struct hs_source;

/* Where a message 1 came from (chansrc.c). */
struct hs_from {
	uint8_t			 kind;		/* FLOW_* */
	uint32_t		 id;		/* that connection, channel */
	char			 addr[SC_ADDR_MAX];
};

/*
 * A channel end while its handshake runs (handshake.c): made with the
 * channel, freed when the handshake ends (the channel opens, or goes),
 * with the DH memo, what waits for the vault, and its place among the
 * pending handshakes (chansrc.c).  An open end keeps struct channel
 * alone, as WireGuard keeps a keypair apart from its handshake.
 */
struct handshake {
	struct channel		*chan;
	struct noise_hs		 noise;
	time_t			 started;
	time_t			 timeout;
	uint32_t		 eph;		/* vault ephemeral key, or 0 */
	struct vault_call	*call;		/* the vault works for us */
	struct vault_hs_req	 asked;		/* what call asked */
	TAILQ_HEAD(, message)	 held;		/* what came meanwhile */
	int			 nheld;
	uint32_t		 xoff_conn;	/* not read while held */
	struct {
		int		 has_eph;
		uint8_t		 eph_pub[NOISE_DHLEN];
		unsigned int	 next;
		struct sc_dh	 dh[SC_MEMO];
	}			 memo;
	struct {
		int		 eph;		/* the ephemeral key, or: */
		enum noise_key	 key;		/* a DH of key with peer */
		uint8_t		 peer[NOISE_DHLEN];
	}			 miss;		/* what Noise asked in vain */
	struct trust_conf	 trust;		/* initiator: whom it trusts */
	char			 undelivered[256];	/* channel_report() */
	/* chansrc.c: where a responder's message 1 came from */
	struct hs_source	*src;		/* while it is pending */
	TAILQ_ENTRY(handshake)	 src_entry;	/* pending, of src */
	TAILQ_ENTRY(handshake)	 pend_entry;	/* pending, of the node */
};

/* A channel end: its session once open (session.c). */
struct channel {
	TAILQ_ENTRY(channel)	 entry;
	RB_ENTRY(channel)	 byid;
	uint32_t		 id;
	enum noise_role		 role;
	int			 open;
	struct handshake	*hs;		/* until open: handshake.c */
	struct identity		*ident;		/* ours */
	struct sclistener_conf	*listener;	/* responder: its listener */
	struct sc_pin		*pin;		/* initiator: trust.c */
	time_t			 confirm_by;	/* initiator: trust.c */
	char			 enc[SC_NAME_LEN + 1];
	char			 dec[SC_NAME_LEN + 1];
	struct route		 remote;	/* the peer's decryptor */
	char			 peer[OCKAM_IDENTIFIER_LEN + 1];
	struct noise_cipher	 tx;
	struct aead		 tx_st;		/* tx.k set up */
	uint64_t		 tx_n;
	uint8_t			 rx_key[NOISE_KEYLEN];
	struct aead		 rx_st;		/* rx_key set up */
	uint8_t			 rx_prev[NOISE_KEYLEN];
	uint64_t		 rx_epoch;
	int			 rx_has_prev;
	struct replay		 rx_win;
	uint32_t		 client;	/* waiting for the result */
	uint32_t		 reqid;
	struct recent		 senders;	/* initiator: replies to */
	uint64_t		 nsent, nrecv, nbad;
	uint32_t		 src_conn;	/* responder: its connection */
	char			 src_addr[SC_ADDR_MAX];	/* and address */
	/* chanlife.c */
	int			 counted;	/* in the open counts */
	time_t			 active;	/* last sent or received */
	uint64_t		 seen;		/* nsent + nrecv then */
};

TAILQ_HEAD(channels, channel);
extern struct channels	 channels;

/* channel.c */
struct channel	*channel_by_id(uint32_t);
struct channel	*channel_by_enc(const char *);
int		 channel_new_initiator(const struct route *, struct identity *,
		    struct trust_conf *, struct sc_pin *, int, uint32_t,
		    uint32_t, char *, size_t);
void		 channel_free(struct channel *, const char *);

/* handshake.c */
int		 handshake_new(struct channel *, char *, size_t);
void		 handshake_free(struct channel *);
int		 handshake_initiate(struct channel *);
void		 handshake_input(struct channel *, struct message *);

/* ephpool.c */
int		 ephpool_take(uint32_t *, uint8_t [NOISE_DHLEN]);
void		 ephpool_clear(void);

/* session.c */
void		 chan_encrypt(struct channel *, struct message *);
void		 chan_decrypt(struct channel *, struct message *);
void		 chan_send_close(struct channel *);
void		 chan_send_close_why(struct channel *, uint8_t);
void		 chan_send_confirm(struct channel *);
void		 chan_send_refusal(struct channel *, struct noise_cipher *,
		    uint8_t);
void		 chan_close_keys(struct channel *);
void		 chan_open(struct channel *, struct noise_cipher *,
		    struct noise_cipher *);

/* chanctl.c */
#define CHAN_INFO_FIELDS	8
void		 chanctl_info(uint32_t, uint32_t, const char **);

/* chansrc.c */
void		 hsrc_from(const struct message *, struct hs_from *);
void		 hsrc_admit(const struct hs_from *);
void		 hsrc_add(struct channel *, const struct hs_from *);
void		 hsrc_touch(struct channel *);
void		 hsrc_del(struct channel *);

/* chanlife.c */
int		 chanlife_refused(const struct sclistener_conf *,
		    const char *);
int		 chanlife_open(struct channel *);
void		 chanlife_gone(struct channel *, const char *);
void		 chanlife_idle(struct channel *, time_t);
void		 chanlife_closed_show(uint32_t, uint32_t);

/* chanhold.c */
int		 chanhold_put(struct channel *, struct message *);
void		 chanhold_drained(struct channel *);

#endif /* OCKAM_CHANNEL_H */
