/* SPDX-License-Identifier: ISC */
/*
 * bench: secure channel benchmarks against a running node, each next
 * to the raw libsodium cost of the same crypto measured in this run.
 *
 *	bench socket
 *
 * The node must run etc/secure-channel.conf (a listener called
 * secure_channel_listener whose consumer is the echoer).
 */
#include <sys/wait.h>

#include <err.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "ctl.h"
#include "multiaddr.h"
#include "ockam.h"
#include "pctl.h"

#define HS_COUNT	960
#define WINDOW		64

static double
now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

/* Raw: what one handshake costs in public-key crypto, both ends. */
static double
raw_handshakes(void)
{
	unsigned char	 sk[32], pk[32], peer[32], out[32];
	unsigned char	 esk[64], epk[32], sig[64], msg[61];
	double		 t0, t;
	int		 i, n = 300;

	randombytes_buf(sk, sizeof(sk));
	crypto_scalarmult_base(peer, sk);
	crypto_sign_keypair(epk, esk);
	memset(msg, 'm', sizeof(msg));
	t0 = now();
	for (i = 0; i < n; i++) {
		/* Two ephemeral keys, six DH, two signatures, two checks. */
		randombytes_buf(sk, sizeof(sk));
		crypto_scalarmult_base(pk, sk);
		randombytes_buf(sk, sizeof(sk));
		crypto_scalarmult_base(pk, sk);
		if (crypto_scalarmult(out, sk, peer) != 0 ||
		    crypto_scalarmult(out, sk, peer) != 0 ||
		    crypto_scalarmult(out, sk, peer) != 0 ||
		    crypto_scalarmult(out, sk, peer) != 0 ||
		    crypto_scalarmult(out, sk, peer) != 0 ||
		    crypto_scalarmult(out, sk, peer) != 0)
			errx(1, "dh");
		crypto_sign_detached(sig, NULL, msg, sizeof(msg), esk);
		crypto_sign_detached(sig, NULL, msg, sizeof(msg), esk);
		if (crypto_sign_verify_detached(sig, msg, sizeof(msg),
		    epk) != 0 || crypto_sign_verify_detached(sig, msg,
		    sizeof(msg), epk) != 0)
			errx(1, "verify");
	}
	t = now() - t0;
	return (n / t);
}

/* Raw: AES-256-GCM encrypt + decrypt of one message, per second. */
static double
raw_aead(size_t len)
{
	unsigned char	 key[32], nonce[12] = { 0 }, *pt, *ct;
	unsigned long long clen, plen;
	double		 t0, t = 0;
	int		 i, n = 0;

	if ((pt = calloc(1, len)) == NULL || (ct = malloc(len + 16)) == NULL)
		err(1, NULL);
	randombytes_buf(key, sizeof(key));
	t0 = now();
	while (t < 0.5) {
		for (i = 0; i < 256; i++) {
			nonce[11] = i;
			crypto_aead_aes256gcm_encrypt(ct, &clen, pt, len,
			    NULL, 0, NULL, nonce, key);
			if (crypto_aead_aes256gcm_decrypt(pt, &plen, NULL, ct,
			    clen, NULL, 0, nonce, key) != 0)
				errx(1, "decrypt");
		}
		n += 256;
		t = now() - t0;
	}
	free(pt);
	free(ct);
	return (n / t);
}

static struct ockam_client *
connect_node(const char *sock)
{
	struct ockam_client	*c;
	char			 ebuf[512];

	if ((c = ockam_connect(sock, ebuf, sizeof(ebuf))) == NULL)
		errx(1, "%s", ebuf);
	return (c);
}

/* Create a channel; its encryptor address into out. */
static const char	*listener = "/service/secure_channel_listener";

static int
create_channel(struct ockam_client *c, char *out, size_t outlen)
{
	struct ockam_sc_opts	 o = { .flags = OCKAM_TRUST_ANY };
	struct route		 to;
	char			 ebuf[256];
	int			 r;

	route_init(&to);
	if (multiaddr_parse(listener, &to, ebuf, sizeof(ebuf)) == -1)
		errx(1, "%s", ebuf);
	r = ockam_secure_channel_create(c, &to, &o, out, outlen);
	route_clear(&to);
	return (r);
}

static void
delete_channel(struct ockam_client *c, const char *route)
{
	if (ockam_secure_channel_delete(c, route) == -1)
		errx(1, "delete: %s", ockam_error(c));
}

/*
 * Fork clients processes, each running fn(k, arg) for its number k and
 * exiting 0; reap() waits for them all and fails when one did.
 */
static void
spawn(int clients, void (*fn)(int, void *), void *arg)
{
	pid_t	 pid;
	int	 k;

	for (k = 0; k < clients; k++) {
		if ((pid = fork()) == -1)
			err(1, "fork");
		if (pid == 0) {
			fn(k, arg);
			_exit(0);
		}
	}
}

static void
reap(int clients)
{
	int	 k, status, failed = 0;

	for (k = 0; k < clients; k++)
		if (wait(&status) == -1 || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0)
			failed = 1;
	if (failed)
		errx(1, "a client failed");
}

/*
 * Channels established per second: clients processes (one control
 * connection each) create HS_COUNT channels between them as fast as
 * the node answers; the channels are deleted after the clock stops.
 */
struct hs_arg {
	const char	*sock;
	int		 n;	/* channels per client */
	int		 done;	/* written to when they are up */
};

static void
hs_client(int k, void *arg)
{
	struct hs_arg		*a = arg;
	struct ockam_client	*c;
	static char		 routes[HS_COUNT][128];
	int			 i;

	(void)k;
	c = connect_node(a->sock);
	for (i = 0; i < a->n; i++)
		if (create_channel(c, routes[i], sizeof(routes[i])) == -1)
			errx(1, "create: %s", ockam_error(c));
	/* Tell the parent we are done, then clean up. */
	if (write(a->done, "x", 1) != 1)
		_exit(1);
	for (i = 0; i < a->n; i++)
		delete_channel(c, routes[i]);
	ockam_disconnect(c);
}

static double
node_handshakes(const char *sock, int clients)
{
	struct hs_arg	 a = { sock, HS_COUNT / clients, -1 };
	double		 t0, t;
	char		 b;
	int		 k, failed = 0;
	int		 p[2];

	if (pipe(p) == -1)
		err(1, "pipe");
	a.done = p[1];
	t0 = now();
	spawn(clients, hs_client, &a);
	close(p[1]);
	for (k = 0; k < clients; k++)
		if (read(p[0], &b, 1) != 1)
			failed = 1;
	t = now() - t0;
	close(p[0]);
	reap(clients);
	if (failed)
		errx(1, "a client failed");
	return (a.n * clients / t);
}

/*
 * Round trips through one channel to the echoer, WINDOW in flight:
 * each round trip crosses the channel twice.  Returns channel
 * messages per second.
 */
/*
 * One step of a windowed run: send m until WINDOW messages wait for a
 * reply (and no more than limit in all, when limit is not 0), then
 * take one reply, which must be as long as m's payload.
 */
static void
pump(struct ockam_client *c, struct tmsg *m, long limit, long *sent,
    long *got)
{
	struct tmsg	 reply;

	while ((limit == 0 || *sent < limit) && *sent - *got < WINDOW) {
		if (ockam_send(c, m, 0) == -1)
			errx(1, "send: %s", ockam_error(c));
		(*sent)++;
	}
	tmsg_init(&reply);
	if (ockam_receive(c, &reply, 5000) != 1)
		errx(1, "no reply: %s", ockam_error(c));
	if (reply.plen != m->plen)
		errx(1, "reply of %zu bytes", reply.plen);
	tmsg_clear(&reply);
	(*got)++;
}

static double
node_channel(const char *sock, size_t len, double seconds)
{
	struct ockam_client	*c = connect_node(sock);
	struct tmsg		 m;
	char			 route[128], text[512], me[OCKAM_ADDR_MAX + 1];
	char			 ebuf[256];
	unsigned char		*payload;
	double			 t0, t = 0;
	long			 sent = 0, got = 0;

	if (create_channel(c, route, sizeof(route)) == -1)
		errx(1, "create: %s", ockam_error(c));
	if (ockam_worker_add(c, NULL, me, sizeof(me)) == -1)
		errx(1, "%s", ockam_error(c));
	tmsg_init(&m);
	snprintf(text, sizeof(text), "%s/service/echoer", route);
	if (multiaddr_parse(text, &m.onward, ebuf, sizeof(ebuf)) == -1)
		errx(1, "%s", ebuf);
	route_push_back(&m.ret, OCKAM_ADDR_LOCAL, me, strlen(me));
	if ((payload = calloc(1, len)) == NULL ||
	    tmsg_set_payload(&m, payload, len) == -1)
		err(1, NULL);
	t0 = now();
	while (t < seconds) {
		pump(c, &m, 0, &sent, &got);
		t = now() - t0;
	}
	free(payload);
	tmsg_clear(&m);
	delete_channel(c, route);
	ockam_disconnect(c);
	return (2.0 * got / t);
}

/*
 * The client's worker and a message along route (text) back to it, n
 * 64-byte round trips one at a time into rtt (microseconds, sorted).
 */
static struct ockam_client *
rtt_setup(const char *sock, const char *text, struct tmsg *m)
{
	struct ockam_client	*c = connect_node(sock);
	char			 me[OCKAM_ADDR_MAX + 1], ebuf[256];

	if (ockam_worker_add(c, NULL, me, sizeof(me)) == -1)
		errx(1, "%s", ockam_error(c));
	tmsg_init(m);
	if (multiaddr_parse(text, &m->onward, ebuf, sizeof(ebuf)) == -1)
		errx(1, "%s", ebuf);
	route_push_back(&m->ret, OCKAM_ADDR_LOCAL, me, strlen(me));
	return (c);
}

static void
rtt_run(struct ockam_client *c, struct tmsg *m, double *rtt, long n)
{
	static unsigned char	 payload[64];
	struct tmsg		 reply;
	double			 t0;
	long			 i;

	tmsg_set_payload(m, payload, sizeof(payload));
	for (i = 0; i < n; i++) {
		t0 = now();
		if (ockam_send(c, m, 0) == -1)
			errx(1, "send: %s", ockam_error(c));
		tmsg_init(&reply);
		if (ockam_receive(c, &reply, 5000) != 1)
			errx(1, "no reply: %s", ockam_error(c));
		tmsg_clear(&reply);
		rtt[i] = (now() - t0) * 1e6;
	}
	pctl_sort(rtt, n);
}

/*
 * RTT of 64-byte round trips one at a time, then MB/s of 16 KiB
 * messages echoed back with WINDOW in flight, along route (which must
 * end at an echoer).  Prints "RTT_P50_US RTT_P99_US MB_S".
 */
#define RTT_N	5000
static void
route_bench(const char *sock, const char *text)
{
	struct tmsg		 m;
	struct ockam_client	*c = rtt_setup(sock, text, &m);
	static double		 rtt[RTT_N];
	unsigned char		*payload;
	double			 t0, mbs;
	long			 n, sent = 0, got = 0;
	size_t			 len;

	rtt_run(c, &m, rtt, RTT_N);
	if ((payload = calloc(1, 16384)) == NULL)
		err(1, NULL);
	len = 16384;
	n = 10000;
	tmsg_set_payload(&m, payload, len);
	t0 = now();
	while (got < n)
		pump(c, &m, n, &sent, &got);
	mbs = (double)n * len / (now() - t0) / 1e6;
	printf("%.1f %.1f %.1f\n", pctl_at(rtt, RTT_N, 0.5),
	    pctl_at(rtt, RTT_N, 0.99), mbs);
	free(payload);
	tmsg_clear(&m);
	ockam_disconnect(c);
}

/*
 * n 64-byte round trips along route, one at a time, after a few to
 * warm it up: prints "RTT_P50_US RTT_P99_US" (a slow route, such as
 * an echo through a secure channel over streams).
 */
static void
rtt_bench(const char *sock, const char *text, long n)
{
	struct tmsg		 m;
	struct ockam_client	*c = rtt_setup(sock, text, &m);
	double			*rtt;

	if ((rtt = calloc(n, sizeof(*rtt))) == NULL)
		err(1, NULL);
	rtt_run(c, &m, rtt, n < 5 ? n : 5);
	rtt_run(c, &m, rtt, n);
	printf("%.1f %.1f\n", pctl_at(rtt, n, 0.5), pctl_at(rtt, n, 0.99));
	free(rtt);
	tmsg_clear(&m);
	ockam_disconnect(c);
}

/*
 * Registrations at a hub's forwarding_service (route): clients
 * processes send n in all, REG_WINDOW each in flight, each from a
 * return route of its own ([worker, rK]), so that each makes a new
 * forwarder; the hub answers each from it.  Returns registrations/s.
 */
#define REG_WINDOW	16
struct reg_arg {
	const char	*sock;
	const char	*route;
	long		 n;	/* registrations per client */
};

static void
reg_client(int k, void *arg)
{
	struct reg_arg		*a = arg;
	struct ockam_client	*c;
	struct tmsg		 m, reply;
	char			 me[OCKAM_ADDR_MAX + 1], ebuf[256], r[48];
	long			 i, got;

	c = connect_node(a->sock);
	if (ockam_worker_add(c, NULL, me, sizeof(me)) == -1)
		errx(1, "%s", ockam_error(c));
	for (i = got = 0; got < a->n; ) {
		if (i < a->n && i - got < REG_WINDOW) {
			tmsg_init(&m);
			snprintf(r, sizeof(r), "r%d_%ld", k, i++);
			if (multiaddr_parse(a->route, &m.onward, ebuf,
			    sizeof(ebuf)) == -1)
				errx(1, "%s", ebuf);
			route_push_back(&m.ret, OCKAM_ADDR_LOCAL, me,
			    strlen(me));
			route_push_back(&m.ret, OCKAM_ADDR_LOCAL, r, strlen(r));
			tmsg_set_payload(&m, "x", 1);
			if (ockam_send(c, &m, OCKAM_SEND_REPORT) == -1)
				errx(1, "send: %s", ockam_error(c));
			tmsg_clear(&m);
			continue;
		}
		tmsg_init(&reply);
		if (ockam_receive(c, &reply, 5000) != 1)
			errx(1, "no answer after %ld: %s", got,
			    ockam_error(c));
		tmsg_clear(&reply);
		got++;
	}
	ockam_disconnect(c);
}

static double
registrations(const char *sock, const char *route, long n, int clients)
{
	struct reg_arg	 a = { sock, route, n / clients };
	double		 t0;

	t0 = now();
	spawn(clients, reg_client, &a);
	reap(clients);
	return (a.n * clients / (now() - t0));
}

int
main(int argc, char *argv[])
{
	double		 raw_hs, hs, hs4, raw64, ch64, raw16k, ch16k;
	const char	*errstr;
	long		 n;
	int		 i, k;

	if (argc == 6 && strcmp(argv[2], "register") == 0) {
		/* Registrations at a hub: route, how many, clients. */
		n = strtonum(argv[4], 1, 1000000, &errstr);
		if (errstr == NULL)
			k = strtonum(argv[5], 1, 64, &errstr);
		if (errstr != NULL)
			errx(1, "register: %s", errstr);
		printf("%.0f\n", registrations(argv[1], argv[3], n, k));
		return (0);
	}
	if (argc == 5 && strcmp(argv[2], "rtt") == 0) {
		/* Round trips alone along a route: how many. */
		n = strtonum(argv[4], 1, 1000000, &errstr);
		if (errstr != NULL)
			errx(1, "rtt: %s", errstr);
		rtt_bench(argv[1], argv[3], n);
		return (0);
	}
	if (argc == 4 && strcmp(argv[2], "route") == 0) {
		/* Round trips to an echoer along a route: RTT and MB/s. */
		route_bench(argv[1], argv[3]);
		return (0);
	}
	if (argc >= 3 && strcmp(argv[2], "handshakes") == 0) {
		/*
		 * The node's part alone, to a listener along a route, with
		 * 1, 16 and 32 clients, or with the numbers given.
		 */
		if (argc >= 4)
			listener = argv[3];
		if (argc == 3 || argc == 4)
			printf("%.0f %.0f %.0f\n", node_handshakes(argv[1], 1),
			    node_handshakes(argv[1], 16),
			    node_handshakes(argv[1], 32));
		for (i = 4; i < argc; i++) {
			k = strtonum(argv[i], 1, HS_COUNT, &errstr);
			if (errstr != NULL)
				errx(1, "clients %s: %s", argv[i], errstr);
			printf("%s%.0f", i > 4 ? " " : "",
			    node_handshakes(argv[1], k));
		}
		if (argc > 4)
			printf("\n");
		return (0);
	}
	if (argc != 2)
		errx(1, "usage: bench socket [route ROUTE | rtt ROUTE N | "
		    "handshakes [ROUTE [CLIENTS ...]] | register ROUTE N "
		    "CLIENTS]");
	if (sodium_init() == -1 || !crypto_aead_aes256gcm_is_available())
		errx(1, "libsodium without AES-256-GCM on this CPU");

	raw_hs = raw_handshakes();
	raw64 = raw_aead(64);
	raw16k = raw_aead(16384);
	hs = node_handshakes(argv[1], 1);
	hs4 = node_handshakes(argv[1], 4);
	ch64 = node_channel(argv[1], 64, 2.0);
	ch16k = node_channel(argv[1], 16384, 2.0);

	printf("\n%-44s %14s %14s %8s\n", "benchmark", "ockam-c",
	    "raw libsodium", "ratio");
	printf("%-44s %14.0f %14.0f %7.1f%%\n",
	    "channels established/s, one node, 1 client", hs, raw_hs,
	    100 * hs / raw_hs);
	printf("%-44s %14.0f %14.0f %7.1f%%\n",
	    "channels established/s, one node, 4 clients", hs4, raw_hs,
	    100 * hs4 / raw_hs);
	printf("%-44s %14.0f %14.0f %7.1f%%\n",
	    "channel messages/s, 64 B", ch64, raw64, 100 * ch64 / raw64);
	printf("%-44s %14.1f %14.1f %7.1f%%\n",
	    "channel MB/s, 16 KiB", ch16k * 16384 / 1e6,
	    raw16k * 16384 / 1e6, 100 * ch16k / raw16k);
	printf("\nraw: the same public-key operations (2 ephemeral keys, 6 "
	    "DH, 2 signatures,\n2 checks) or one AES-256-GCM encrypt + "
	    "decrypt, in this process.\nA channel message is one encrypt "
	    "and one decrypt in routed, plus routing,\nthe echoer and the "
	    "control socket to this program.\n");
	return (0);
}
