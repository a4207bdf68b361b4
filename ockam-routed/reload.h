/* SPDX-License-Identifier: ISC */
/*
 * Reload (SIGHUP, ockamctl reload): the configuration read again and
 * the difference applied, all or nothing (doc/design.md 3.6).  The
 * sequence is reload.c's, the comparison reloaddiff.c's; each module
 * applies its own part (its *_reconf()) and counts it here.
 */
#ifndef OCKAM_RELOAD_H
#define OCKAM_RELOAD_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

/* What a reload changed, for its summary line. */
enum reload_what {
	RL_WORKERS,
	RL_RELAYS,
	RL_LISTENERS,
	RL_SCLISTENERS,
	RL_CONNECTIONS,		/* closed: their listener went */
	RL_CHANNELS,		/* closed: listener or trust went */
	RL_REMOTES,		/* relay at HUB */
	RL_SCLIENTS,
	RL_OUTLETS,
	RL_INLETS,
	RL_FORWARDERS,		/* closed: their alias is others' now */
	RL_MAX
};
struct reload_sum {
	int	 added[RL_MAX];
	int	 removed[RL_MAX];	/* or closed */
	int	 changed;		/* trust, consumers, aliases, limits */
};

/* reload.c */
void		 reload_init(struct ockam_conf *, const char *, const char *);
int		 reload_dirfd(void);
void		 reload_request(uint32_t, uint32_t);
int		 reload_busy(void);
void		 reload_shutdown(void);
struct ockam_conf *reload_conf(void);
struct listen_conf *reload_listener(uint32_t);

/* reloaddiff.c */
int		 reload_diff(struct ockam_conf *, struct ockam_conf *, char *,
		    size_t);
int		 reload_ids(struct ockam_conf *, struct ockam_conf *, char *,
		    size_t);
int		 reload_names(struct ockam_conf *, struct ockam_conf *, char *,
		    size_t);
void		 reload_summary(const struct reload_sum *, char *, size_t);
int		 str_equal(const char *, const char *);
int		 names_equal(const struct names *, const struct names *);
int		 trust_equal(const struct trust_conf *,
		    const struct trust_conf *);

/* reloadapply.c: workers and relays, and the modules in order */
void		 reload_apply(struct ockam_conf *, struct ockam_conf *,
		    struct reload_sum *);

/* tcpreload.c */
void		 tcp_reconf(struct ockam_conf *, struct reload_sum *);
void		 tcp_listener_gone(uint32_t);
struct listen_conf *tcp_listener_late(uint32_t, uint32_t);

/* channel.c */
void		 channel_reconf(struct ockam_conf *, struct reload_sum *);

/* relayreload.c */
void		 relayc_reconf(struct ockam_conf *, struct ockam_conf *,
		    struct reload_sum *);
void		 sclient_reconf(struct ockam_conf *, struct ockam_conf *,
		    struct reload_sum *);

/* reloadportal.c */
void		 portal_reconf(struct ockam_conf *, struct ockam_conf *,
		    struct reload_sum *);

#endif /* OCKAM_RELOAD_H */
