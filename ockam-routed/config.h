/*
 * The configuration of a node, as parse.y builds it (ockam.conf(5)).
 */
#ifndef OCKAM_CONFIG_H
#define OCKAM_CONFIG_H

#include <sys/queue.h>
#include <sys/types.h>

#include "route.h"

#define OCKAM_CONF		"/etc/ockam/ockam.conf"
#define OCKAM_SOCKET		"/run/ockam/ockam.sock"
#define OCKAM_USER		"_ockam"
#define OCKAM_SOCKET_MODE	0660

#define OCKAM_OPT_VERBOSE	0x01
#define OCKAM_OPT_VERBOSE2	0x02
#define OCKAM_OPT_NOACTION	0x04

enum worker_kind {
	WORKER_ECHOER,
	WORKER_HOP,
	WORKER_APP,		/* registered by a control client */
};

struct worker_conf {
	TAILQ_ENTRY(worker_conf)	 entry;
	enum worker_kind		 kind;
	char				 name[OCKAM_ADDR_MAX + 1];
};
TAILQ_HEAD(worker_confs, worker_conf);

struct ockam_conf {
	char			*user;		/* never NULL after parsing */
	char			*chroot;	/* NULL: the user's home */
	char			*csock;		/* never NULL after parsing */
	char			*csock_group;	/* NULL: none */
	mode_t			 csock_mode;
	struct worker_confs	 workers;
	int			 opts;
};

/* parse.y */
struct ockam_conf	*parse_config(const char *, int);
int			 cmdline_symset(char *);
void			 cmdline_symclear(void);

/* config.c */
struct ockam_conf	*config_new(void);
void			 config_free(struct ockam_conf *);
struct worker_conf	*config_find_worker(struct ockam_conf *, const char *);
const char		*worker_kind_name(enum worker_kind);
void			 print_config(struct ockam_conf *);

#endif /* OCKAM_CONFIG_H */
