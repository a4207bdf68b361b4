/* SPDX-License-Identifier: ISC */
#ifndef OCKAMCTL_H
#define OCKAMCTL_H

#include "util.h"

struct ockam_client;

__dead void		 usage(void);
struct ockam_client	*connect_node(void);
struct route;
long long		 parse_timeout(const char *);
void			 parse_route(const char *, struct route *);
void			 verb_options(char *[]);
struct cursor;
#define FIELD_MAX	1024	/* a string of a listing's line */
int			 show_list(uint32_t, uint32_t, int (*)(void *,
			    struct cursor *), const char *);
int			 cur_fields(struct cursor *, char [][FIELD_MAX], int);

/* message.c */
int	cmd_message(int, char *[]);
int	hex_decode(const char *, unsigned char **, size_t *);

/* reload.c */
int	cmd_reload(int, char *[]);

/* portal.c */
int	cmd_show_portals(void);

/* relay.c */
int	cmd_relay(int, char *[]);
int	cmd_show_relays(void);

/* secure.c */
int	cmd_identity(int, char *[]);
int	cmd_secure_channel(int, char *[]);
int	cmd_show_channels(void);

/* sclient.c */
int	cmd_stream_client(int, char *[]);

/* stream.c */
int	cmd_stream(int, char *[]);
int	cmd_show_streams(void);

/* transport.c */
int	cmd_show_transport(const char *);
int	cmd_tcp_connection(int, char *[]);

#endif /* OCKAMCTL_H */
