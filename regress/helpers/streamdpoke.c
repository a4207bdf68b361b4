/* SPDX-License-Identifier: ISC */
/*
 * streamdpoke: drive a real ockam-streamd the way ockam-routed does
 * (fork+exec, socketpair on fd 3, "ockam-streamd -P streamd -d"), run
 * one scenario and print what happened, one result per line.
 *
 *	streamdpoke streamd user dir scenario [n]
 *
 * Scenarios:
 *
 *	normal		a stream created, n (100) appends sent at once and
 *			confirmed in order with indices from 0, read back by
 *			limit and by budget, past its end, stat, offsets
 *			saved (the larger kept) and got, a second open
 *	check		the stream of normal as a restarted streamd finds it
 *	fill		n appends to the stream "torn"
 *	count		"next N" of the stream "torn"
 *	crash		appends to the stream "crash", 32 in flight, streamd
 *			killed (SIGKILL) after n/2 are confirmed, started
 *			again: every confirmed record is there, once, in
 *			order, and appends go on after the last
 *	share		n appends to the stream "shared", 32 in flight,
 *			each "writer PID SEQ": run by two at once on one Redis
 *	sharecheck	the stream "shared" holds n records, indices from 0,
 *			each writer's in order, none twice or missing
 *	load		n appends confirmed to the stream "load", 32 in
 *			flight, refused ones sent again, while Redis is
 *			killed and restarted: every confirmed record is
 *			read back at its index
 *	sandbox		IMSG_REGRESS_SANDBOX execve: streamd must die of SIGSYS
 *	unlink		unlinkat(AT_FDCWD): SIGSYS
 *	escape		out of the data directory: refused; still answers
 *	connect		a TCP connect() to 127.0.0.1 port 1: refused (with
 *			Redis, by Landlock); still answers
 *	early, twice, noconf, badsize, unknown, badname, dotdot, slash,
 *	unterminated, badid, empty, big, budget, overhead, create,
 *	getindex, noclient
 *			what routed never sends: streamd must exit 1
 *
 * With STREAMDPOKE_REDIS=ADDRESS:PORT in the environment, streamd keeps
 * its streams in that Redis (with STREAMDPOKE_REDIS_USER and _PASS).
 *
 * Every run ends with "child exited: status N" or "child exited:
 * signal N".  The exit status is 1 when a check made here failed.
 */
#include <sys/types.h>
#include <sys/uio.h>

#include <err.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "imsg.h"
#include "limit.h"
#include "log.h"
#include "privsep.h"
#include "streamd.h"

#include "common/poke.h"

#define TIMEOUT		10000	/* ms for READY or an answer */
#define STREAM		"alice_to_bob"

static const char	*streamd, *user, *dir;
static uint32_t		 reqid;

static void
spawn(void)
{
	char	*argv[] = { "ockam-streamd", "-P", "streamd", "-d", NULL };

	child_spawn("streamd", streamd, argv);
}

static ssize_t
request(uint32_t type, const void *req, size_t reqlen, void *ans,
    size_t anslen)
{
	uint32_t	 id = ++reqid;

	child_send(type, id, req, reqlen);
	return (child_answer(type, id, ans, anslen, TIMEOUT));
}

/* CONF_PRIV, STREAMD_CONF, what a scenario adds, CONF_DONE, READY. */
static int
configure(const char *scenario)
{
	struct streamd_conf	 sc;
	struct streamd_open_req	 req;

	memset(&sc, 0, sizeof(sc));
	strlcpy(sc.dir, dir, sizeof(sc.dir));
	limits_default(sc.limits);
	child_redis_conf(&sc, "STREAMDPOKE_REDIS");
	child_conf_priv(user);
	if (strcmp(scenario, "noconf") != 0)
		child_send(IMSG_STREAMD_CONF, 0, &sc, sizeof(sc));
	if (strcmp(scenario, "twice") == 0)
		child_send(IMSG_STREAMD_CONF, 0, &sc, sizeof(sc));
	if (strcmp(scenario, "early") == 0) {
		memset(&req, 0, sizeof(req));
		strlcpy(req.name, STREAM, sizeof(req.name));
		child_send(IMSG_STREAMD_OPEN, 1, &req, sizeof(req));
	}
	child_send(IMSG_CONF_DONE, 0, NULL, 0);
	return (child_ready(TIMEOUT));
}

static uint32_t
open_stream(const char *name, int create, struct streamd_open *ans)
{
	struct streamd_open_req	 req;

	memset(&req, 0, sizeof(req));
	strlcpy(req.name, name, sizeof(req.name));
	req.create = create;
	memset(ans, 0, sizeof(*ans));
	if (request(IMSG_STREAMD_OPEN, &req, sizeof(req), ans,
	    sizeof(*ans)) != sizeof(*ans))
		return (UINT32_MAX);
	printf("open %s: status %u existed %u first %llu next %llu\n", name,
	    ans->status, ans->existed, (unsigned long long)ans->first,
	    (unsigned long long)ans->next);
	return (ans->status);
}

static size_t
record(uint64_t i, char *buf, size_t size)
{
	return ((size_t)snprintf(buf, size, "record %llu of the stream",
	    (unsigned long long)i));
}

/* n appends sent before any answer is read; answers in order. */
static void
append_n(uint32_t stream, uint64_t from, uint64_t n)
{
	struct streamd_append_req	 req;
	struct streamd_append		 ans;
	struct iovec			 iov[2];
	char				 buf[64];
	uint64_t			 i;
	uint32_t			 first = reqid + 1;
	int				 ok = 1;

	req.stream = stream;
	for (i = 0; i < n; i++) {
		iov[0].iov_base = &req;
		iov[0].iov_len = sizeof(req);
		iov[1].iov_base = buf;
		iov[1].iov_len = record(from + i, buf, sizeof(buf));
		child_sendv(IMSG_STREAMD_APPEND, ++reqid, iov, 2);
	}
	for (i = 0; i < n; i++) {
		if (child_answer(IMSG_STREAMD_APPEND, first + i, &ans,
		    sizeof(ans), TIMEOUT) != sizeof(ans))
			return;
		if (ans.status != STREAMD_OK || ans.index != from + i ||
		    ans.stream != stream) {
			printf("append %llu: status %u index %llu\n",
			    (unsigned long long)(from + i), ans.status,
			    (unsigned long long)ans.index);
			ok = 0;
		}
	}
	check(ok, "appends confirmed in order, contiguous indices");
}

/* Read from index; check the records; print what came. */
static uint32_t
read_stream(uint32_t stream, uint64_t index, uint64_t limit,
    uint32_t budget, struct streamd_read *r)
{
	static uint8_t		 buf[sizeof(*r) + STREAMD_READ_MAX];
	struct streamd_read_req	 req;
	char			 want[64];
	size_t			 off, wlen;
	ssize_t			 n;
	uint32_t		 i, len;
	int			 ok = 1;

	memset(&req, 0, sizeof(req));
	req.stream = stream;
	req.index = index;
	req.limit = limit;
	req.budget = budget;
	req.overhead = 16;
	if ((n = request(IMSG_STREAMD_READ, &req, sizeof(req), buf,
	    sizeof(buf))) < (ssize_t)sizeof(*r))
		return (UINT32_MAX);
	memcpy(r, buf, sizeof(*r));
	for (i = 0, off = sizeof(*r); i < r->count; i++) {
		memcpy(&len, buf + off, sizeof(len));
		off += sizeof(len);
		wlen = record(r->first + i, want, sizeof(want));
		if (len != wlen || off + len > (size_t)n ||
		    memcmp(buf + off, want, len) != 0)
			ok = 0;
		off += len;
	}
	if (off != (size_t)n)
		ok = 0;
	printf("read %llu limit %llu budget %u: status %u count %u first "
	    "%llu next %llu%s\n", (unsigned long long)index,
	    (unsigned long long)limit, budget, r->status, r->count,
	    (unsigned long long)r->first, (unsigned long long)r->next,
	    ok ? "" : " BAD RECORDS");
	if (!ok)
		failed = 1;
	return (r->status);
}

static void
offset(uint32_t type, const char *client, const char *name, uint64_t index)
{
	struct streamd_offset_req	 req;
	struct streamd_offset		 ans;

	memset(&req, 0, sizeof(req));
	strlcpy(req.client, client, sizeof(req.client));
	strlcpy(req.name, name, sizeof(req.name));
	if (type == IMSG_STREAMD_SAVE) {
		req.index = index;
		child_send(type, ++reqid, &req, sizeof(req));
		return;
	}
	if (request(type, &req, sizeof(req), &ans, sizeof(ans)) !=
	    sizeof(ans))
		return;
	printf("offset %s %s: found %u index %llu\n", client, name,
	    ans.found, (unsigned long long)ans.index);
}

static void
scenario_normal(uint64_t n)
{
	struct streamd_open	 o;
	struct streamd_read	 r;
	struct streamd_stat_req	 sreq;
	struct streamd_stat	 st;

	if (open_stream(STREAM, 1, &o) != STREAMD_OK)
		return;
	append_n(o.stream, o.next, n);
	read_stream(o.stream, 0, 8, STREAMD_READ_MAX, &r);
	check(r.count == 8 && r.first == 0 && r.next == n, "read by limit");
	/* 3 records of 23 bytes and 16 of overhead each fit 117 */
	read_stream(o.stream, 10, 100, 117, &r);
	check(r.count == 3 && r.first == 10, "read by budget");
	read_stream(o.stream, 5, 8, 20, &r);
	check(r.status == STREAMD_ERR_BIG && r.count == 0,
	    "a record over the budget alone: STREAMD_ERR_BIG");
	read_stream(o.stream, n, 8, STREAMD_READ_MAX, &r);
	check(r.status == STREAMD_OK && r.count == 0, "read at the end: none");
	read_stream(o.stream, UINT64_MAX, UINT64_MAX, STREAMD_READ_MAX, &r);
	check(r.status == STREAMD_OK && r.count == 0, "read far past the end");
	read_stream(o.stream, 0, UINT64_MAX, STREAMD_READ_MAX, &r);
	check(r.count > 8, "read with the largest limit: what fits");
	sreq.stream = o.stream;
	if (request(IMSG_STREAMD_STAT, &sreq, sizeof(sreq), &st,
	    sizeof(st)) == sizeof(st))
		check(st.first == 0 && st.next == n && st.bytes > n * 24,
		    "stat");
	offset(IMSG_STREAMD_GET, "c1", STREAM, 0);
	offset(IMSG_STREAMD_SAVE, "c1", STREAM, 0);
	offset(IMSG_STREAMD_GET, "c1", STREAM, 0);
	offset(IMSG_STREAMD_SAVE, "c1", STREAM, 6);
	offset(IMSG_STREAMD_SAVE, "c1", STREAM, 2);
	offset(IMSG_STREAMD_GET, "c1", STREAM, 0);
	offset(IMSG_STREAMD_GET, "c2", STREAM, 0);
	open_stream(STREAM, 1, &o);
	open_stream("nobody", 0, &o);
}

/* What a restarted streamd finds of scenario_normal's stream. */
static void
scenario_check(void)
{
	struct streamd_open	 o;
	struct streamd_read	 r;
	uint64_t		 index = 0, total = 0;

	if (open_stream(STREAM, 0, &o) != STREAMD_OK)
		return;
	do {
		if (read_stream(o.stream, index, 1000, STREAMD_READ_MAX,
		    &r) != STREAMD_OK)
			return;
		index = r.first + r.count;
		total += r.count;
	} while (r.count > 0);
	printf("records %llu\n", (unsigned long long)total);
	offset(IMSG_STREAMD_GET, "c1", STREAM, 0);
}

/* Appends in flight until n/2 are confirmed, then SIGKILL; check. */
static void
scenario_crash(uint64_t n)
{
	struct streamd_append_req	 req;
	struct streamd_append		 ans;
	struct streamd_open		 o;
	struct streamd_read		 r;
	struct iovec			 iov[2];
	char				 buf[64];
	uint64_t			 sent = 0, confirmed = 0, index = 0;
	uint32_t			 first;

	if (open_stream("crash", 1, &o) != STREAMD_OK)
		return;
	req.stream = o.stream;
	first = reqid + 1;
	while (confirmed < n / 2) {
		while (sent < confirmed + 32) {
			iov[0].iov_base = &req;
			iov[0].iov_len = sizeof(req);
			iov[1].iov_base = buf;
			iov[1].iov_len = record(sent, buf, sizeof(buf));
			child_sendv(IMSG_STREAMD_APPEND, ++reqid, iov, 2);
			sent++;
		}
		if (child_answer(IMSG_STREAMD_APPEND, first + confirmed, &ans,
		    sizeof(ans), TIMEOUT) != sizeof(ans))
			return;
		if (ans.status != STREAMD_OK || ans.index != confirmed) {
			printf("append %llu: status %u index %llu\n",
			    (unsigned long long)confirmed, ans.status,
			    (unsigned long long)ans.index);
			failed = 1;
			return;
		}
		confirmed++;
	}
	kill(child.pid, SIGKILL);
	child_finish();
	printf("killed after %llu confirmed, %llu sent\n",
	    (unsigned long long)confirmed, (unsigned long long)sent);
	spawn();
	if (configure("crash") == -1)
		return;
	if (open_stream("crash", 0, &o) != STREAMD_OK)
		return;
	check(o.next >= confirmed && o.next <= sent,
	    "every confirmed record kept, none made up");
	do {
		if (read_stream(o.stream, index, 1000, STREAMD_READ_MAX,
		    &r) != STREAMD_OK)
			return;
		index = r.first + r.count;
	} while (r.count > 0);
	check(index == o.next, "all of them read back in order");
	append_n(o.stream, o.next, 10);
}

/* Every record of a stream from index 0, to fn(arg, index, bytes). */
static int
read_all(uint32_t stream, void (*fn)(void *, uint64_t, const char *,
    uint32_t), void *arg)
{
	static uint8_t		 buf[sizeof(struct streamd_read) +
				    STREAMD_READ_MAX];
	struct streamd_read_req	 req;
	struct streamd_read	 r;
	size_t			 off;
	ssize_t			 n;
	uint64_t		 index = 0;
	uint32_t		 i, len;

	do {
		memset(&req, 0, sizeof(req));
		req.stream = stream;
		req.index = index;
		req.limit = 1000;
		req.budget = STREAMD_READ_MAX;
		req.overhead = 16;
		if ((n = request(IMSG_STREAMD_READ, &req, sizeof(req), buf,
		    sizeof(buf))) < (ssize_t)sizeof(r))
			return (-1);
		memcpy(&r, buf, sizeof(r));
		if (r.status != STREAMD_OK || r.first != index) {
			printf("read %llu: status %u first %llu\n",
			    (unsigned long long)index, r.status,
			    (unsigned long long)r.first);
			return (-1);
		}
		for (i = 0, off = sizeof(r); i < r.count; i++) {
			memcpy(&len, buf + off, sizeof(len));
			off += sizeof(len);
			if (off + len > (size_t)n)
				return (-1);
			fn(arg, index++, (const char *)buf + off, len);
			off += len;
		}
	} while (r.count > 0);
	return (0);
}

/*
 * Appends of "TAG SEQ" to stream, window in flight, until n are
 * confirmed; refused ones are counted (and the next sent after 10
 * ms).  confirmed[k] is the index of the k-th confirmed, seqs[k] its
 * SEQ.  Gives up after 60 s.
 */
static uint64_t
append_window(uint32_t stream, const char *tag, uint64_t n, int window,
    uint64_t *indices, uint64_t *seqs, uint64_t *refused)
{
	struct streamd_append_req	 req;
	struct streamd_append		 ans;
	struct iovec			 iov[2];
	char				 buf[64];
	uint64_t			 seq = 0, done = 0, flight[64];
	uint32_t			 first = reqid + 1, got = 0;
	long long			 end = now_ms() + 60000;
	int				 inflight = 0;

	req.stream = stream;
	*refused = 0;
	while (done < n && now_ms() < end) {
		while (inflight < window && done + inflight < n) {
			iov[0].iov_base = &req;
			iov[0].iov_len = sizeof(req);
			iov[1].iov_base = buf;
			iov[1].iov_len = (size_t)snprintf(buf, sizeof(buf),
			    "%s %llu", tag, (unsigned long long)seq);
			child_sendv(IMSG_STREAMD_APPEND, ++reqid, iov, 2);
			flight[(reqid - first) % 64] = seq++;
			inflight++;
		}
		if (child_answer(IMSG_STREAMD_APPEND, first + got, &ans,
		    sizeof(ans), TIMEOUT) != sizeof(ans))
			break;
		inflight--;
		if (ans.status == STREAMD_OK) {
			indices[done] = ans.index;
			seqs[done++] = flight[got % 64];
		} else {
			(*refused)++;
			usleep(10000);
		}
		got++;
	}
	return (done);
}

struct share {
	pid_t		 pids[2];
	uint64_t	 next[2];
	uint64_t	 total;
	int		 ok;
};

/* A record of "share": each writer's in order, from 0. */
static void
share_record(void *arg, uint64_t index, const char *data, uint32_t len)
{
	struct share		*sh = arg;
	unsigned long long	 pid, seq;
	char			 rec[64];
	int			 w;

	(void)index;
	sh->total++;
	if (len >= sizeof(rec)) {
		sh->ok = 0;
		return;
	}
	memcpy(rec, data, len);
	rec[len] = '\0';
	if (sscanf(rec, "writer-%llu %llu", &pid, &seq) != 2) {
		sh->ok = 0;
		return;
	}
	for (w = 0; w < 2 && sh->pids[w] != 0 && sh->pids[w] != (pid_t)pid;
	    w++)
		;
	if (w == 2) {
		sh->ok = 0;
		return;
	}
	sh->pids[w] = (pid_t)pid;
	if (seq != sh->next[w])
		sh->ok = 0;
	sh->next[w] = seq + 1;
}

/* n appends to "shared", as one of two hubs on one Redis. */
static void
scenario_share(uint64_t n)
{
	struct streamd_open	 o;
	uint64_t		*idx, *seqs, done, refused, i;
	char			 tag[32];
	int			 ok = 1;

	if (open_stream("shared", 1, &o) != STREAMD_OK)
		return;
	if ((idx = calloc(n, sizeof(*idx))) == NULL ||
	    (seqs = calloc(n, sizeof(*seqs))) == NULL)
		err(1, NULL);
	snprintf(tag, sizeof(tag), "writer-%d", (int)getpid());
	done = append_window(o.stream, tag, n, 32, idx, seqs, &refused);
	for (i = 1; i < done; i++)
		if (idx[i] <= idx[i - 1])
			ok = 0;
	check(done == n && refused == 0 && ok,
	    "appends confirmed, indices increasing");
	free(idx);
	free(seqs);
}

/* What two "share" runs left: n records, each writer's all in order. */
static void
scenario_sharecheck(uint64_t n)
{
	struct streamd_open	 o;
	struct share		 sh;

	if (open_stream("shared", 0, &o) != STREAMD_OK)
		return;
	memset(&sh, 0, sizeof(sh));
	sh.ok = 1;
	if (read_all(o.stream, share_record, &sh) == -1)
		sh.ok = 0;
	printf("records %llu: writers %llu and %llu\n",
	    (unsigned long long)sh.total, (unsigned long long)sh.next[0],
	    (unsigned long long)sh.next[1]);
	check(sh.ok && sh.total == n && sh.next[0] + sh.next[1] == n,
	    "indices 0 to n - 1, each writer's records once and in order");
}

struct load {
	uint64_t	*seq_at;	/* by index: SEQ + 1, 0: none */
	uint64_t	 size;
	int		 ok;
};

static void
load_record(void *arg, uint64_t index, const char *data, uint32_t len)
{
	struct load		*ld = arg;
	unsigned long long	 seq;
	char			 rec[64];

	if (len >= sizeof(rec) || index >= ld->size) {
		ld->ok = 0;
		return;
	}
	memcpy(rec, data, len);
	rec[len] = '\0';
	if (sscanf(rec, "load %llu", &seq) != 1)
		ld->ok = 0;
	else
		ld->seq_at[index] = seq + 1;
}

/* n confirmed appends while Redis dies and comes back; all kept. */
static void
scenario_load(uint64_t n)
{
	struct streamd_open	 o;
	struct load		 ld;
	uint64_t		*idx, *seqs, done, refused, i, lost = 0;

	if (open_stream("load", 1, &o) != STREAMD_OK)
		return;
	if ((idx = calloc(n, sizeof(*idx))) == NULL ||
	    (seqs = calloc(n, sizeof(*seqs))) == NULL)
		err(1, NULL);
	done = append_window(o.stream, "load", n, 32, idx, seqs, &refused);
	printf("confirmed %llu, refused %llu\n", (unsigned long long)done,
	    (unsigned long long)refused);
	check(done == n, "n appends confirmed");
	memset(&ld, 0, sizeof(ld));
	ld.ok = 1;
	ld.size = n + refused + 1;
	if ((ld.seq_at = calloc(ld.size, sizeof(*ld.seq_at))) == NULL)
		err(1, NULL);
	if (read_all(o.stream, load_record, &ld) == -1)
		ld.ok = 0;
	for (i = 0; i < done; i++)
		if (idx[i] >= ld.size || ld.seq_at[idx[i]] != seqs[i] + 1)
			lost++;
	printf("confirmed records missing or changed: %llu\n",
	    (unsigned long long)lost);
	check(ld.ok && lost == 0, "every confirmed record read back at its "
	    "index");
	free(ld.seq_at);
	free(idx);
	free(seqs);
}

static void
scenario_fatal(const char *s)
{
	struct streamd_open_req		 oreq;
	struct streamd_append_req	 areq;
	struct streamd_read_req		 rreq;
	struct streamd_offset_req	 req;
	struct streamd_open		 o;
	struct iovec			 iov[2];
	static char			 big[STREAMD_DATA_MAX + 1];

	memset(&oreq, 0, sizeof(oreq));
	memset(&rreq, 0, sizeof(rreq));
	memset(&req, 0, sizeof(req));
	strlcpy(oreq.name, STREAM, sizeof(oreq.name));
	if (strcmp(s, "unknown") == 0)
		child_send(0x7fff, 1, NULL, 0);
	else if (strcmp(s, "badsize") == 0)
		child_send(IMSG_STREAMD_OPEN, 1, &oreq, sizeof(oreq) - 1);
	else if (strcmp(s, "badname") == 0 || strcmp(s, "dotdot") == 0 ||
	    strcmp(s, "slash") == 0 || strcmp(s, "unterminated") == 0 ||
	    strcmp(s, "create") == 0) {
		if (strcmp(s, "badname") == 0)
			strlcpy(oreq.name, "a b", sizeof(oreq.name));
		else if (strcmp(s, "dotdot") == 0)
			strlcpy(oreq.name, "../x", sizeof(oreq.name));
		else if (strcmp(s, "slash") == 0)
			strlcpy(oreq.name, "a/b", sizeof(oreq.name));
		else if (strcmp(s, "unterminated") == 0)
			memset(oreq.name, 'a', sizeof(oreq.name));
		else
			oreq.create = 2;
		child_send(IMSG_STREAMD_OPEN, 1, &oreq, sizeof(oreq));
	} else if (strcmp(s, "badid") == 0 || strcmp(s, "empty") == 0 ||
	    strcmp(s, "big") == 0) {
		open_stream(STREAM, 1, &o);
		areq.stream = strcmp(s, "badid") == 0 ? 99 : o.stream;
		iov[0].iov_base = &areq;
		iov[0].iov_len = sizeof(areq);
		iov[1].iov_base = big;
		iov[1].iov_len = strcmp(s, "big") == 0 ? sizeof(big) :
		    strcmp(s, "empty") == 0 ? 0 : 10;
		child_sendv(IMSG_STREAMD_APPEND, ++reqid, iov,
		    iov[1].iov_len > 0 ? 2 : 1);
	} else if (strcmp(s, "budget") == 0 || strcmp(s, "overhead") == 0) {
		open_stream(STREAM, 1, &o);
		rreq.stream = o.stream;
		rreq.limit = 8;
		rreq.budget = strcmp(s, "budget") == 0 ?
		    STREAMD_READ_MAX + 1 : 1000;
		rreq.overhead = strcmp(s, "budget") == 0 ? 16 : 3;
		child_send(IMSG_STREAMD_READ, ++reqid, &rreq, sizeof(rreq));
	} else if (strcmp(s, "getindex") == 0 || strcmp(s, "noclient") == 0) {
		strlcpy(req.name, STREAM, sizeof(req.name));
		if (strcmp(s, "getindex") == 0) {
			strlcpy(req.client, "c1", sizeof(req.client));
			req.index = 1;
		}
		child_send(strcmp(s, "getindex") == 0 ? IMSG_STREAMD_GET :
		    IMSG_STREAMD_SAVE, ++reqid, &req, sizeof(req));
	}
	child_drain(TIMEOUT);
}

int
main(int argc, char *argv[])
{
	struct streamd_open	 o;
	const char		*s;
	uint64_t		 n = 100;

	if (argc < 5)
		errx(1, "usage: streamdpoke streamd user dir scenario [n]");
	if (argc > 5)
		n = strtoull(argv[5], NULL, 10);
	streamd = argv[1];
	user = argv[2];
	dir = argv[3];
	s = argv[4];
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	log_init(1, LOG_DAEMON);
	log_procinit("streamdpoke");

	spawn();
	if (configure(s) == -1) {
		child_finish();
		return (1);
	}
	if (strcmp(s, "normal") == 0)
		scenario_normal(n);
	else if (strcmp(s, "check") == 0)
		scenario_check();
	else if (strcmp(s, "fill") == 0) {
		if (open_stream("torn", 1, &o) == STREAMD_OK)
			append_n(o.stream, o.next, n);
	} else if (strcmp(s, "count") == 0)
		open_stream("torn", 0, &o);
	else if (strcmp(s, "crash") == 0)
		scenario_crash(n);
	else if (strcmp(s, "share") == 0)
		scenario_share(n);
	else if (strcmp(s, "sharecheck") == 0)
		scenario_sharecheck(n);
	else if (strcmp(s, "load") == 0)
		scenario_load(n);
	else if (strcmp(s, "sandbox") == 0 || strcmp(s, "unlink") == 0) {
		child_regress_sandbox(s[0] == 's' ? REGRESS_SB_EXEC :
		    REGRESS_SB_UNLINK);
		child_drain(TIMEOUT);
	} else if (strcmp(s, "connect") == 0) {
		child_regress_sandbox(REGRESS_SB_CONNECT);
		open_stream(STREAM, 1, &o);
	} else if (strcmp(s, "escape") == 0) {
		child_regress_sandbox(REGRESS_SB_ESCAPE);
		open_stream(STREAM, 1, &o);
	} else
		scenario_fatal(s);
	child_finish();
	return (failed);
}
