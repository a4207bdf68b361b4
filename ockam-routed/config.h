/* SPDX-License-Identifier: ISC */
/*
 * The configuration of a node, as parse.y builds it (ockam.conf(5)).
 */
#ifndef OCKAM_CONFIG_H
#define OCKAM_CONFIG_H

#include <sys/queue.h>
#include <sys/types.h>

#include <limits.h>
#include <stdint.h>

#include "limit.h"
#include "route.h"

#define OCKAM_SOCKET		"/run/ockam/ockam.sock"
#define OCKAM_USER		"_ockam"
#define OCKAM_VAULT_USER	"_ockamvault"
#define OCKAM_SOCKET_MODE	0660

#define OCKAM_OPT_VERBOSE	0x01
#define OCKAM_OPT_VERBOSE2	0x02
#define OCKAM_OPT_NOACTION	0x04

#define OCKAM_NAME_MAX		64	/* identity names, NUL included */
#define FWD_ALIAS_MAX		64	/* characters in a static alias */
#define CONF_WHERE_MAX		(PATH_MAX + 16)	/* "file:line" */
#define OCKAM_IDENTIFIER_LEN	65	/* "I" and 64 hex digits */

enum worker_kind {
	WORKER_ECHOER,
	WORKER_HOP,
	WORKER_APP,		/* registered by a control client */
	WORKER_SC_LISTENER,	/* secure channel listener */
	WORKER_SC_ENCRYPTOR,	/* a channel end: plaintext goes in */
	WORKER_SC_DECRYPTOR,	/* a channel end: the peer sends here */
	WORKER_RELAY,		/* forwards along a fixed route */
	WORKER_FWD_SERVICE,	/* hub: forwarding_service */
	WORKER_FWD_STATIC,	/* hub: static_forwarding_service */
	WORKER_FORWARDER,	/* hub: a forwarder they made */
	WORKER_REMOTE,		/* a relay at a hub forwards to it */
	WORKER_STREAM_SERVICE,	/* hub: stream service */
	WORKER_STREAM_INDEX,	/* hub: stream index service */
	WORKER_STREAM,		/* hub: one stream's worker */
	WORKER_OUTLET,		/* a TCP portal outlet (portal.c) */
	WORKER_PORTAL,		/* one portal connection's end */
	WORKER_STREAM_PRODUCER,	/* stream client: pushes what it gets */
	WORKER_STREAM_CONSUMER,	/* stream client: pulls and forwards */
};

/* A list of names: worker addresses or identifiers. */
struct name_entry {
	TAILQ_ENTRY(name_entry)		 entry;
	char				 name[OCKAM_ADDR_MAX + 1];
};
TAILQ_HEAD(names, name_entry);

struct trust_conf {
	int				 everyone;
	struct names			 ids;		/* identifiers */
};

struct identity_conf {
	TAILQ_ENTRY(identity_conf)	 entry;
	char				 name[OCKAM_NAME_MAX];
};
TAILQ_HEAD(identity_confs, identity_conf);

struct sclistener_conf {
	TAILQ_ENTRY(sclistener_conf)	 entry;
	char				 name[OCKAM_ADDR_MAX + 1];
	char				 identity[OCKAM_NAME_MAX];
	struct trust_conf		 trust;
	struct names			 consumers;	/* default deny */
	char				 where[CONF_WHERE_MAX];
};
TAILQ_HEAD(sclistener_confs, sclistener_conf);

struct listen_conf {
	TAILQ_ENTRY(listen_conf)	 entry;
	uint32_t			 id;		/* 1.. */
	int				 family;	/* 4 or 6 */
	char				 addr[64];	/* numeric */
	uint16_t			 port;
	int				 tls;
	char				*cert;
	char				*key;
	struct names			 consumers;	/* default deny */
	char				 where[CONF_WHERE_MAX];
};
TAILQ_HEAD(listen_confs, listen_conf);

struct relay_conf {
	TAILQ_ENTRY(relay_conf)		 entry;
	char				 name[OCKAM_ADDR_MAX + 1];
	char				*to;		/* multiaddr text */
	struct route			 route;
};
TAILQ_HEAD(relay_confs, relay_conf);

/* relay at HUB: a forwarder this node registers at a hub (relayc.c). */
#define RELAY_HEARTBEAT		10	/* seconds, by default */
#define RELAY_HEARTBEAT_MAX	3600
#define RELAY_LISTENER		"hub_listener"
struct remote_conf {
	TAILQ_ENTRY(remote_conf)	 entry;
	char				*hub;		/* multiaddr text */
	char				 alias[FWD_ALIAS_MAX + 1];
	char				 to[OCKAM_ADDR_MAX + 1];
	char				 identity[OCKAM_NAME_MAX];
	char				 listener[OCKAM_ADDR_MAX + 1];
	int				 heartbeat;	/* seconds */
	struct names			 consumers;	/* to, and these */
	char				 where[CONF_WHERE_MAX];
};
TAILQ_HEAD(remote_confs, remote_conf);

/* forwarding alias ALIAS identity ID: who may claim it at this hub. */
struct alias_conf {
	TAILQ_ENTRY(alias_conf)		 entry;
	char				 alias[FWD_ALIAS_MAX + 1];
	char				 id[OCKAM_IDENTIFIER_LEN + 1];
};
TAILQ_HEAD(alias_confs, alias_conf);

/*
 * stream client at HUB: a producer at a local sender address pushes to
 * one stream of a hub, a consumer pulls another and forwards what it
 * pulls (streamclient.c).
 */
#define SCLIENT_INTERVAL	250	/* ms between polls, by default */
#define SCLIENT_INTERVAL_MAX	60000
#define SCLIENT_SERVICE		"stream"
#define SCLIENT_INDEX		"stream_index"
struct sclient_conf {
	TAILQ_ENTRY(sclient_conf)	 entry;
	char				*hub;		/* multiaddr text */
	char				 send[256];	/* stream names */
	char				 receive[256];
	char				 name[OCKAM_ADDR_MAX + 1];
	char				 client_id[256]; /* "": name */
	char				 service[OCKAM_ADDR_MAX + 1];
	char				 index[OCKAM_ADDR_MAX + 1];
	uint32_t			 interval;	/* ms */
	struct names			 consumers;
	char				 where[CONF_WHERE_MAX];
};
TAILQ_HEAD(sclient_confs, sclient_conf);

#define STREAM_STORAGE_EMBEDDED	0	/* ockam-streamd's own log */
#define STREAM_STORAGE_REDIS	1	/* Redis Streams */

/* The stream and index services of a hub, and their storage. */
struct stream_conf {
	char				 service[OCKAM_ADDR_MAX + 1];
	char				 index[OCKAM_ADDR_MAX + 1];
	int				 storage;	/* STREAM_STORAGE_* */
	char				*dir;		/* embedded */
	uint32_t			 retain_age;	/* seconds, 0: all */
	uint64_t			 retain_bytes;	/* per stream, 0: all */
	char				*redis_host;	/* redis: numeric */
	uint16_t			 redis_port;
	char				*redis_auth;	/* user, password file */
};

/* outlet NAME to HOST:PORT consumers { LISTENER ... } (portal.c) */
struct outlet_conf {
	TAILQ_ENTRY(outlet_conf)	 entry;
	char				 name[OCKAM_ADDR_MAX + 1];
	char				 target[OCKAM_ADDR_MAX + 1];
	struct names			 consumers;	/* channel listeners */
};
TAILQ_HEAD(outlet_confs, outlet_conf);

/* inlet on ADDR port P [via ROUTE] to ROUTE (portal.c) */
struct inlet_conf {
	TAILQ_ENTRY(inlet_conf)		 entry;
	uint32_t			 id;		/* 1.. */
	int				 family;	/* 4 or 6 */
	char				 addr[64];	/* numeric */
	uint16_t			 port;
	char				*via;		/* text, or NULL */
	char				*to;
	struct route			 via_route;	/* a channel listener */
	struct route			 to_route;	/* the outlet */
};
TAILQ_HEAD(inlet_confs, inlet_conf);

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
	char			*vault_user;	/* never NULL after parsing */
	char			*vault_dir;	/* NULL: no key storage */
	struct identity_confs	 identities;
	struct sclistener_confs	 sclisteners;
	struct trust_conf	 sctrust;	/* initiators: none default */
	int			 scpin;		/* initiators: pin first use */
	struct listen_confs	 listeners;
	int			 listen_static;	/* no bind at run time */
	struct relay_confs	 relays;
	struct remote_confs	 remotes;	/* relay at HUB */
	struct alias_confs	 aliases;	/* forwarding alias */
	struct outlet_confs	 outlets;	/* TCP portals */
	struct inlet_confs	 inlets;
	char			*tls_ca;	/* outgoing TLS: CA file */
	struct stream_conf	*stream;	/* NULL: no stream services */
	struct sclient_confs	 sclients;	/* stream client at HUB */
	uint32_t		 limits[LIMIT_MAX];
	int			 limit_set[LIMIT_MAX];	/* given in the file */
	int			 opts;
};

/* parse.y: on reload, files are read through a conf_reader (reload.c) */
struct conf_reader {
	int		(*open)(const char *);	/* a descriptor, or -1, errno */
	const char	*dir;			/* all it reaches */
};
struct ockam_conf	*parse_config(const char *, int);
void			 parse_reader(const struct conf_reader *);
int			 cmdline_symset(char *);
void			 conf_where(char *, size_t);
void			 cmdline_symclear(void);

/* confstmt.c: the statements, for parse.y */
void			 yyerror(const char *, ...)
			    __attribute__((__format__ (printf, 1, 2)));
void			 stmt_begin(struct ockam_conf *, const char *);
void			 add_identity(const char *);
void			 new_sclistener(const char *);
void			 sc_identity(const char *);
void			 sc_trust_everyone(void);
void			 sc_initiator_trust(void);
void			 sc_initiator_pin(void);
void			 add_trust(const char *);
void			 add_consumer(const char *);
void			 add_name(struct names *, const char *, const char *);
void			 new_listen(const char *, const char *);
void			 listen_tls(const char *, const char *);
void			 listen_consumer(const char *);
void			 add_relay(const char *, const char *);
void			 new_remote(const char *);
void			 remote_alias(const char *);
void			 remote_to(const char *);
void			 remote_identity(const char *);
void			 remote_listener(const char *);
void			 remote_heartbeat(const char *);
void			 remote_consumer(const char *);
void			 add_alias(const char *, const char *);
void			 set_limit(const char *, const char *);
int			 new_stream(const char *, const char *);
void			 stream_dir(const char *);
void			 stream_retain(int, const char *);
void			 stream_redis(const char *, const char *);
void			 stream_redis_auth(const char *);
int			 stream_redis_creds(const char *, const char *,
			    char *, char *, size_t);
struct ockam_conf	*stmt_conf(const char **);
int			 listen_addr(const char *, const char *, const char *,
			    char *, uint16_t *);
void			 print_string(const char *);

/* portalconf.c: outlet and inlet, for parse.y */
void			 add_outlet(const char *, const char *);
void			 outlet_consumer(const char *);
void			 add_inlet(const char *, const char *, const char *,
			    const char *);
int			 inlet_route(const char *, struct route *, char *,
			    size_t);
int			 check_portals(void);
void			 portals_free(struct ockam_conf *);
void			 print_portals(struct ockam_conf *);
int			 portal_name_taken(struct ockam_conf *, const char *);
int			 outlet_consumer_of(struct ockam_conf *, const char *);
int			 check_config(void);

/* confsclient.c: stream client at HUB */
void			 new_sclient(struct ockam_conf *, const char *);
void			 sclient_opt(int, const char *);
void			 sclient_consumer(const char *);
int			 check_sclients(struct ockam_conf *);
struct sclient_conf	*sclient_conf_new(const char *, char *, size_t);
struct sclient_conf	*sclient_conf_make(const char *, const char *[],
			    char *, size_t);
#define SCOPT_SEND		0
#define SCOPT_RECEIVE		1
#define SCOPT_NAME		2
#define SCOPT_CLIENT_ID		3
#define SCOPT_INTERVAL		4
#define SCOPT_SERVICE		5
#define SCOPT_INDEX		6
#define SCOPT_MAX		7

/* config.c */
struct ockam_conf	*config_new(void);
void			 config_free(struct ockam_conf *);
void			 remote_conf_free(struct remote_conf *);
void			 sclient_conf_free(struct sclient_conf *);
struct worker_conf	*config_find_worker(struct ockam_conf *, const char *);
struct identity_conf	*config_find_identity(struct ockam_conf *,
			    const char *);
struct sclistener_conf	*config_find_sclistener(struct ockam_conf *,
			    const char *);
struct relay_conf	*config_find_relay(struct ockam_conf *, const char *);
struct outlet_conf	*config_find_outlet(struct ockam_conf *, const char *);
int			 config_name_taken(struct ockam_conf *, const char *);
int			 names_add(struct names *, const char *);
int			 names_find(const struct names *, const char *);
void			 names_free(struct names *);
void			 trust_init(struct trust_conf *);
void			 trust_free(struct trust_conf *);
int			 trust_allows(const struct trust_conf *, const char *);
int			 identifier_valid(const char *);
int			 alias_valid(const char *, size_t);
void			 identifier_of(const uint8_t *, char *);
const char		*worker_kind_name(enum worker_kind);
void			 print_config(struct ockam_conf *);

/* confcheck.c */
int			 config_check_system(struct ockam_conf *);

#endif /* OCKAM_CONFIG_H */
