/* SPDX-License-Identifier: ISC */
/*
 * Addresses, routes and the Ockam v1 TransportMessage (doc/design.md 4.1).
 */
#ifndef OCKAM_ROUTE_H
#define OCKAM_ROUTE_H

#include <sys/queue.h>

#include <stddef.h>
#include <stdint.h>

struct ibuf;
struct cursor;

#define OCKAM_ADDR_LOCAL	0
#define OCKAM_ADDR_TCP		1
#define OCKAM_ADDR_TLS		10	/* ockam-c's own: a TLS connection */

#define OCKAM_ADDR_MAX		255	/* bytes in one address value */
#define OCKAM_ROUTE_MAX		32	/* addresses in one route */
#define OCKAM_MSG_MAX		65535	/* an encoded TransportMessage */
#define OCKAM_WIRE_VERSION	1

struct addr {
	TAILQ_ENTRY(addr)	 entry;
	uint8_t			 type;
	uint16_t		 len;
	char			 val[];		/* len bytes, then a NUL */
};

struct route {
	TAILQ_HEAD(, addr)	 q;
	size_t			 n;
};

struct tmsg {
	struct route		 onward;
	struct route		 ret;
	unsigned char		*payload;
	size_t			 plen;
};

void		 route_init(struct route *);
void		 route_clear(struct route *);
int		 route_push_back(struct route *, uint8_t, const char *, size_t);
int		 route_push_front(struct route *, uint8_t, const char *,
		    size_t);
struct addr	*route_head(const struct route *);
void		 route_pop_front(struct route *);
int		 route_copy(struct route *, const struct route *);
int		 route_equal(const struct route *, const struct route *);
int		 route_prepend(struct route *, const struct route *);
int		 route_append(struct route *, const struct route *);
int		 addr_is(const struct addr *, uint8_t, const char *);
int		 addr_valid(uint8_t, const char *, size_t);

void		 tmsg_init(struct tmsg *);
void		 tmsg_clear(struct tmsg *);
int		 tmsg_set_payload(struct tmsg *, const void *, size_t);
int		 tmsg_copy(struct tmsg *, const struct tmsg *);

int		 route_encode(struct ibuf *, const struct route *);
int		 route_decode(struct cursor *, struct route *, const char **);
size_t		 tmsg_encoded_len(const struct tmsg *);
int		 tmsg_encode(struct ibuf *, const struct tmsg *);
int		 tmsg_encode_head(struct ibuf *, const struct tmsg *);
int		 tmsg_decode(struct tmsg *, const void *, size_t,
		    const char **);
int		 tmsg_check(const void *, size_t, size_t *, const char **);
int		 tmsg_decode_routes(struct tmsg *, const void *, size_t,
		    const void **, size_t *, const char **);
int		 tmsg_decode_take(struct tmsg *, unsigned char *, size_t,
		    size_t, size_t, const char **);
int		 tmsg_head(const void *, size_t, uint8_t *, const char **,
		    size_t *, size_t *);
size_t		 tmsg_hop(const void *, size_t, uint8_t, const char *,
		    unsigned char *, size_t);

#endif /* OCKAM_ROUTE_H */
