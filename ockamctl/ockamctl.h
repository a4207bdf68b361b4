/* SPDX-License-Identifier: ISC */
#ifndef OCKAMCTL_H
#define OCKAMCTL_H

#include <stdint.h>
#include <stdio.h>

#include "ockam.h"
#include "util.h"

struct option;
struct route;
struct cursor;

/*
 * A verb: a row of the table in verbs.c.  Its handler reads its
 * options with verb_getopt() and its operands with verb_operands(),
 * which print the verb's usage on a mistake.
 */
struct verb {
	const char		*name;		/* "secure-channel" */
	const char		*sub;		/* "create", "client create" */
	const char		*opts;		/* getopt(3)'s, NULL: none */
	const struct option	*longopts;
	const char		*options;	/* in the usage: "[-x] ..." */
	const char		*operands;	/* "route [name]", "text...",
						   "peer|id" */
	int			(*run)(int, char *[]);
	int			 flags;
};
#define VERB_HIDDEN	0x01	/* not in the help (regress) */

extern const struct verb	 verbs[];	/* verbs.c, NULL-ended */
extern int			 jflag;		/* -j: JSON */

/* ockamctl.c */
#define EXIT_FAILED	1	/* the operation failed */
#define EXIT_CONFIG	3	/* reload: the configuration refused */
__dead void		 usage_error(const char *, ...)
			    __attribute__((__format__ (printf, 1, 2)));
int			 verb_getopt(int, char *[]);
void			 verb_operands(int *, char ***);
struct ockam_client	*connect_node(void);
__dead void		 node_fail(struct ockam_client *, const char *);
long long		 parse_timeout(const char *);
void			 parse_route(const char *, struct route *);

/* json.c: one document on stdout */
void	json_object(const char *);
void	json_array(const char *);
void	json_end(void);
void	json_string(const char *, const char *);
void	json_bytes(const char *, const void *, size_t);
void	json_number(const char *, const char *);
void	json_hex(const char *, const void *, size_t);
void	json_u64(const char *, uint64_t);
void	json_bool(const char *, int);
void	json_put_string(const void *, size_t);

/* list.c: the show verbs' listings */
#define FIELD_MAX	1024	/* a string of a listing's line */
#define COL_NUM		0x01	/* a number in JSON */
#define COL_RIGHT	0x02	/* right-aligned */
#define COL_DASH	0x04	/* empty: "-" */
struct column {
	const char	*key;		/* in JSON */
	const char	*head;		/* NULL: JSON (or more()) only */
	int		 field;		/* its index in the line */
	int		 width;		/* at least this wide */
	int		 flags;
};
struct listing {
	const char		*key;	/* JSON: { key: [ ... ] } */
	uint32_t		 type;	/* the request */
	uint32_t		 info;	/* the type of its lines */
	const struct column	*cols;	/* in the order printed */
	int			 ncols;
	int			 nfields;
	int			(*decode)(struct cursor *, char [][FIELD_MAX]);
	void			(*more)(char *[]);	/* lines below */
};
#define LIST_NOHEAD	0x01	/* no header (one item asked for) */
int	show_listing(const struct listing *, const void *, size_t, int);
int	cur_fields(struct cursor *, char [][FIELD_MAX], int);
void	print_wrapped(FILE *, const char *, const char *, int);

/* inlet.c */
int	cmd_tcp_inlet_create(int, char *[]);
int	cmd_tcp_inlet_delete(int, char *[]);

/* message.c */
int	cmd_message_send(int, char *[]);
int	cmd_message_receive(int, char *[]);
int	hex_decode(const char *, unsigned char **, size_t *);

/* node.c: workers, log, regress, the summary */
int	cmd_show_workers(int, char *[]);
int	cmd_show_summary(int, char *[]);
int	cmd_log(int, char *[]);
int	cmd_regress(int, char *[]);
/* reload.c */
int	cmd_reload(int, char *[]);

/* portal.c */
int	cmd_show_portals(int, char *[]);

/* relay.c */
int	cmd_relay_create(int, char *[]);
int	cmd_relay_delete(int, char *[]);
int	cmd_show_relays(int, char *[]);

/* secure.c */
#define TRUST_MAX	64
#define TRUST_LONGOPTS \
	{ "identity", required_argument, NULL, 'i' }, \
	{ "pin", no_argument, NULL, 'P' }, \
	{ "trust", required_argument, NULL, 'T' }, \
	{ "trust-any", no_argument, NULL, 'A' }
struct trust_opts {				/* -A, -P, -i, -T */
	struct ockam_sc_opts	 o;
	const char		*trust[TRUST_MAX];
};
void	trust_init(struct trust_opts *);
int	trust_option(struct trust_opts *, int, char *);
void	trust_check(const struct trust_opts *);
void	print_result(const char *, const char *);
int	cmd_identity_create(int, char *[]);
int	cmd_identity_show(int, char *[]);
int	cmd_sc_create(int, char *[]);
int	cmd_sc_delete(int, char *[]);
int	cmd_sc_unpin(int, char *[]);
int	cmd_show_channels(int, char *[]);

/* sclient.c */
int	cmd_stream_client_create(int, char *[]);

/* stream.c */
int	cmd_stream_create(int, char *[]);
int	cmd_stream_push(int, char *[]);
int	cmd_stream_pull(int, char *[]);
int	cmd_show_streams(int, char *[]);

/* transport.c */
int	cmd_show_connections(int, char *[]);
int	cmd_show_listeners(int, char *[]);
int	cmd_tcp_connection_delete(int, char *[]);

#endif /* OCKAMCTL_H */
