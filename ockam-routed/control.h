/* SPDX-License-Identifier: ISC */
/*
 * The control requests (lib/ctl.h).  The table in control.c is the
 * whole surface: each request's body is checked there against its
 * shape before its handler runs.  The handlers live with what they act
 * on; each gets the client's connection id, the request and, when the
 * body is one string (CTL_BODY_STRING), that string, else NULL.
 */
#ifndef OCKAM_CONTROL_H
#define OCKAM_CONTROL_H

#include <stdint.h>

struct imsg;

/* control.c */
uint32_t control_err_status(const char *);

/* nodectl.c: messages, workers, the node itself */
void	control_send(uint32_t, struct imsg *, const char *);
void	control_worker_add(uint32_t, struct imsg *, const char *);
void	control_worker_del(uint32_t, struct imsg *, const char *);
void	control_show_workers(uint32_t, struct imsg *, const char *);
void	control_verbose(uint32_t, struct imsg *, const char *);
void	control_regress(uint32_t, struct imsg *, const char *);
void	control_strings(uint32_t, uint32_t, uint32_t, const char **, int);

/* chanctl.c: identities and secure channels */
void	ctl_identity_create(uint32_t, struct imsg *, const char *);
void	ctl_identity_show(uint32_t, struct imsg *, const char *);
void	ctl_sc_create(uint32_t, struct imsg *, const char *);
void	ctl_sc_delete(uint32_t, struct imsg *, const char *);
void	ctl_sc_unpin(uint32_t, struct imsg *, const char *);
void	ctl_show_channels(uint32_t, struct imsg *, const char *);

/* streamshow.c: a hub's streams */
void	ctl_show_streams(uint32_t, struct imsg *, const char *);

/* tcpctl.c: the transport */
void	ctl_show_connections(uint32_t, struct imsg *, const char *);
void	ctl_tcp_delete(uint32_t, struct imsg *, const char *);
void	ctl_show_listeners(uint32_t, struct imsg *, const char *);

/* relayctl.c: relays at hubs, and a hub's forwarders */
#define RELAY_INFO_FIELDS	7
void	ctl_relay_create(uint32_t, struct imsg *, const char *);
void	ctl_sclient_create(uint32_t, struct imsg *, const char *);
void	ctl_relay_delete(uint32_t, struct imsg *, const char *);
void	ctl_show_relays(uint32_t, struct imsg *, const char *);

/* summaryctl.c: show summary */
void	summary_start(const char *);
void	ctl_show_summary(uint32_t, struct imsg *, const char *);

/* portalctl.c: TCP portals */
void	ctl_show_portals(uint32_t, struct imsg *, const char *);

/* inletctl.c */
void	ctl_tcp_inlet_create(uint32_t, struct imsg *, const char *);
void	ctl_tcp_inlet_delete(uint32_t, struct imsg *, const char *);
void	ctl_inlet_listeners(uint32_t, uint32_t);
/* reload.c */
void	ctl_reload(uint32_t, struct imsg *, const char *);

#endif /* OCKAM_CONTROL_H */
