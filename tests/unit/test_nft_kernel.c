/*
 * Kernel test for nft_render + nft_apply + nft_watch. Touches nftables, so it runs only
 * inside the namespace named by EDGE_TEST_NETNS: tests/integration/nft_kernel.sh makes it.
 * `test_nft_kernel run` runs the checks; `test_nft_kernel pidns` runs the watch checks
 * for an agent that is PID 1 of its own PID namespace (the shell runs it under
 * `unshare -p -f`); `test_nft_kernel fwd TABLE WG full|inc SPEC...` applies forwards
 * (SPEC: [+|-]tcp/8080=10.50.0.2:80; - is old, + or none new).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "clock.h"
#include "netns_guard.h"
#include "nft_apply.h"
#include "nft_render.h"
#include "nft_watch.h"

#define BIG 10000

static struct nft_conf conf = { .table = "edge_test", .wg_iface = "wg0" };

static struct object *fwd(enum proto proto, unsigned port, const char *ip, unsigned tport)
{
	char id[16];
	struct object *o;

	/* forwards are keyed by id (their counter is "f_<id>"): one id per proto and port */
	snprintf(id, sizeof(id), "%c%u", proto == PROTO_UDP ? 'u' : 't', port);
	o = object_new(KIND_FORWARD, id);

	o->fwd.proto = proto;
	o->fwd.public_port = (uint16_t)port;
	o->fwd.target_port = (uint16_t)tport;
	inet_pton(AF_INET, ip, &o->fwd.target_ip);
	return o;
}

static int apply(struct nft *nft, const struct fwd_change *ch, size_t n, bool full,
		 char *err, size_t errlen)
{
	struct strbuf sb;
	int ret;

	strbuf_init(&sb);
	ret = nft_render(&sb, &conf, ch, n, full);
	if (!ret)
		ret = nft_apply(nft, sb.buf ? sb.buf : "", err, errlen);
	strbuf_free(&sb);
	return ret;
}

static int run_cmd(char *const argv[])
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		execvp(argv[0], argv);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Another process changing the ruleset: what the watch must notice. */
static int run_nft(const char *cmd)
{
	char *argv[] = { "nft", (char *)cmd, NULL };

	return run_cmd(argv);
}

/* This binary's fwd driver: another process applying one forward as a full transaction. */
static int run_driver(const char *self, const char *spec)
{
	char *argv[] = { (char *)self, "fwd", "edge_test", "wg0", "full", (char *)spec, NULL };

	return run_cmd(argv);
}

static char *nft_list(const char *what)
{
	char cmd[256], chunk[4096];
	struct strbuf sb;
	FILE *f;
	size_t n;

	snprintf(cmd, sizeof(cmd), "nft list %s 2>&1", what);
	strbuf_init(&sb);
	strbuf_puts(&sb, "");
	f = popen(cmd, "r");
	while (f && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		strbuf_add(&sb, chunk, n);
	if (f)
		pclose(f);
	return sb.buf;
}

static size_t count(const char *s, const char *needle)
{
	size_t n = 0;

	while (s && (s = strstr(s, needle))) {
		n++;
		s += strlen(needle);
	}
	return n;
}

/* Waits up to ms for the watch to report; returns its first non-zero answer or 0. */
static int watch_wait(struct nft_watch *w, int ms)
{
	struct pollfd p = { .fd = nft_watch_fd(w), .events = POLLIN };
	int64_t end = clock_ms() + ms;
	int ret;

	while (clock_ms() < end) {
		if (poll(&p, 1, (int)(end - clock_ms()) + 1) <= 0)
			continue;
		ret = nft_watch_read(w);
		if (ret)
			return ret;
	}
	return 0;
}

static bool has(const char *listing, const char *s)
{
	return listing && strstr(listing, s);
}

static void test_basic(struct nft *nft, struct nft_watch *w, struct object **o)
{
	struct fwd_change three[] = { { .new = o[0] }, { .new = o[1] }, { .new = o[2] } };
	struct fwd_change inc[] = {
		{ .old = o[0], .new = o[3] }, { .old = o[1], .new = o[4] },
		{ .old = o[2] }, { .new = o[5] },
	};
	char err[ERR_LEN], *l1, *l2, *tcp, *udp;

	CHECK("exists: not before the first apply",
	      nft_table_exists("inet", conf.table) == 0);
	CHECK("full: apply 3 forwards", apply(nft, three, 3, true, err, sizeof(err)) == 0);
	CHECK("exists: after apply", nft_table_exists("inet", conf.table) == 1);
	CHECK("exists: other table is absent", nft_table_exists("inet", "edge_nope") == 0);
	CHECK("exists: bad family", nft_table_exists("inet6", conf.table) == -EINVAL);
	l1 = nft_list("table inet edge_test");
	CHECK("full: listing has tcp 8080", has(l1, "8080 : 10.50.0.2 . 80"));
	CHECK("full: listing has tcp 2222", has(l1, "2222 : 10.50.0.3 . 22"));
	CHECK("full: listing has udp 5353", has(l1, "5353 : 10.50.0.4 . 53"));
	CHECK("full: listing has masquerade", has(l1, "oifname \"wg0\" ct status dnat masquerade"));
	CHECK("watch: own full apply not reported", watch_wait(w, 300) == 0);

	CHECK("full: apply again (repeatable)", apply(nft, three, 3, true, err, sizeof(err)) == 0);
	l2 = nft_list("table inet edge_test");
	CHECK("full: same listing after the second apply", l1 && l2 && strcmp(l1, l2) == 0);
	free(l2);

	CHECK("incremental: apply", apply(nft, inc, 4, false, err, sizeof(err)) == 0);
	tcp = nft_list("map inet edge_test fwd_tcp");
	udp = nft_list("map inet edge_test fwd_udp");
	CHECK("incremental: tcp 8080 left fwd_tcp", !has(tcp, "8080 :"));
	CHECK("incremental: 8080 now in fwd_udp", has(udp, "8080 : 10.50.0.2 . 80"));
	CHECK("incremental: tcp 2222 retargeted", has(tcp, "2222 : 10.50.0.5 . 2022"));
	CHECK("incremental: udp 5353 gone", !has(udp, "5353"));
	CHECK("incremental: tcp 443 added", has(tcp, "443 : 10.50.0.6 . 443"));
	CHECK("watch: own incremental apply not reported", watch_wait(w, 300) == 0);
	free(tcp);
	free(udp);
	free(l1);
}

static void test_bad(struct nft *nft, struct nft_watch *w, struct object **o)
{
	/* tcp 2222 and 443 exist, 9999 does not: nothing of this may stick. */
	struct fwd_change stale[] = {
		{ .old = o[4] }, { .old = o[6] }, { .old = o[5] }, { .new = o[0] },
	};
	char err[ERR_LEN], *before, *after;
	int ret;

	before = nft_list("table inet edge_test");
	ret = apply(nft, stale, 4, false, err, sizeof(err));
	printf("INFO nft error: %s\n", err);
	CHECK("bad: stale delete returns -EIO", ret == -EIO);
	CHECK("bad: message names the cause", has(err, "No such file or directory"));
	CHECK("bad: message names the statement", has(err, "delete element inet edge_test"));
	CHECK("bad: message points at the element", has(err, "at \"9999\" in: "));
	CHECK("bad: message is one line", !strchr(err, '\n'));
	after = nft_list("table inet edge_test");
	CHECK("bad: table unchanged (add in same transaction undone)",
	      before && after && strcmp(before, after) == 0);
	free(after);

	ret = nft_apply(nft, "add elemnt inet edge_test fwd_tcp { 1 : 10.0.0.1 . 2 }\n",
			err, sizeof(err));
	printf("INFO nft error: %s\n", err);
	CHECK("bad: syntax error returns -EIO", ret == -EIO);
	CHECK("bad: syntax error message", has(err, "syntax error") && has(err, "at \"inet\""));
	ret = nft_apply(nft, "add elemnt inet edge_test fwd_tcp { 1 : 10.0.0.1 . 2 }\n",
			err, 8);
	CHECK("bad: short err buffer truncated", ret == -EIO && strlen(err) == 7);
	after = nft_list("table inet edge_test");
	CHECK("bad: table unchanged", before && after && strcmp(before, after) == 0);
	CHECK("watch: failed transactions not reported", watch_wait(w, 300) == 0);
	free(before);
	free(after);
}

static void test_foreign(struct nft *nft, struct nft_watch *w, struct object **o)
{
	struct fwd_change three[] = { { .new = o[0] }, { .new = o[1] }, { .new = o[2] } };
	char err[ERR_LEN];

	CHECK("foreign: nft add table inet other", run_nft("add table inet other") == 0);
	CHECK("watch: other table not reported", watch_wait(w, 300) == 0);
	run_nft("delete table inet other");

	CHECK("full: apply", apply(nft, three, 3, true, err, sizeof(err)) == 0);
	CHECK("watch: quiet after own apply", watch_wait(w, 200) == 0);
	CHECK("foreign: nft delete element",
	      run_nft("delete element inet edge_test fwd_tcp { 8080 }") == 0);
	CHECK("watch: delete element reported", watch_wait(w, 1000) == 1);

	CHECK("foreign: nft delete table", run_nft("delete table inet edge_test") == 0);
	CHECK("watch: delete table reported", watch_wait(w, 1000) == 1);
	CHECK("exists: gone after delete table", nft_table_exists("inet", conf.table) == 0);

	CHECK("full: apply after delete", apply(nft, three, 3, true, err, sizeof(err)) == 0);
	CHECK("watch: quiet after own apply", watch_wait(w, 200) == 0);
	CHECK("full: apply, then a foreign change before note_own",
	      apply(nft, three, 3, true, err, sizeof(err)) == 0 &&
	      run_nft("delete element inet edge_test fwd_tcp { 2222 }") == 0);
	nft_watch_note_own(w);
	CHECK("watch: change between our apply and note_own reported", watch_wait(w, 1000) == 1);
	CHECK("watch: quiet after note_own", watch_wait(w, 200) == 0);
	CHECK("foreign: nft flush ruleset", run_nft("flush ruleset") == 0);
	CHECK("watch: flush ruleset reported", watch_wait(w, 1000) == 1);
	CHECK("exists: gone after flush ruleset", nft_table_exists("inet", conf.table) == 0);
}

/* A watch with a small receive buffer overruns on our own big transaction, then recovers. */
static void test_overrun(struct nft *nft, const struct fwd_change *ch)
{
	struct nft_watch *small = NULL;
	int size = 65536, ret;
	char err[ERR_LEN];

	CHECK("overrun: open a second watch", nft_watch_open(&small, "inet", conf.table) == 0);
	if (!small)
		return;
	setsockopt(nft_watch_fd(small), SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	CHECK("overrun: full apply", apply(nft, ch, BIG, true, err, sizeof(err)) == 0);
	ret = watch_wait(small, 500);
	CHECK("overrun: 64 KiB buffer reports -ENOBUFS", ret == -ENOBUFS);
	CHECK("overrun: caller falls back to exists", nft_table_exists("inet", conf.table) == 1);
	CHECK("overrun: drained", watch_wait(small, 200) == 0);
	run_nft("delete element inet edge_test fwd_tcp { 10001 }");
	CHECK("overrun: recovers, foreign change reported", watch_wait(small, 1000) == 1);
	nft_watch_close(small);
}

static void test_big(struct nft *nft, struct nft_watch *w)
{
	struct fwd_change *ch = calloc(BIG, sizeof(*ch));
	struct fwd_change one;
	struct object *moved;
	struct strbuf bad;
	char err[ERR_LEN], ip[INET_ADDRSTRLEN], *tcp, *udp;
	int ret, i;

	for (i = 0; i < BIG; i++) {
		snprintf(ip, sizeof(ip), "10.%d.%d.%d", 60 + i / 65536, i / 256 % 256, i % 256);
		ch[i].new = fwd(i % 5 < 3 ? PROTO_TCP : PROTO_UDP, 10000 + i, ip, 1 + i % 1000);
	}
	ret = apply(nft, ch, BIG, true, err, sizeof(err));
	CHECK("big: full apply of 10000", ret == 0);
	tcp = nft_list("map inet edge_test fwd_tcp");
	udp = nft_list("map inet edge_test fwd_udp");
	CHECK("big: 6000 tcp elements", count(tcp, " : 10.") == 6000);
	CHECK("big: 4000 udp elements", count(udp, " : 10.") == 4000);
	CHECK("big: last element", has(tcp, "19997 : 10.60.39.13 . 998"));
	free(tcp);
	free(udp);
	ret = watch_wait(w, 500);
	printf("INFO watch after own 10000-element apply: %d%s\n", ret,
	       ret == -ENOBUFS ? " (ENOBUFS: falling back to nft_table_exists)" : "");
	CHECK("big: watch quiet or overrun, never foreign", ret == 0 || ret == -ENOBUFS);

	ret = apply(nft, ch, BIG, true, err, sizeof(err));
	CHECK("big: full apply is repeatable", ret == 0);
	watch_wait(w, 300);
	test_overrun(nft, ch);
	CHECK("big: main watch saw that foreign change", watch_wait(w, 1000) == 1);

	/* a transaction this big runs in a child process: its error still comes back whole */
	strbuf_init(&bad);
	for (i = 0; i < 3000; i++)
		strbuf_printf(&bad, "add element inet edge_test fwd_tcp { %d : 10.1.2.3 . 80 }\n", 40000 + i);
	strbuf_puts(&bad, "add element inet edge_test no_such_map { 1 : 10.1.2.3 . 80 }\n");
	ret = nft_apply(nft, bad.buf, err, sizeof(err));
	CHECK("big: failed transaction (child) returns -EIO", ret == -EIO);
	CHECK("big: failed transaction (child) brings nft's error back",
	      strncmp(err, "Error: ", 7) == 0 && strstr(err, "in: add element inet edge_test ") != NULL);
	tcp = nft_list("map inet edge_test fwd_tcp");
	CHECK("big: failed transaction (child) applied nothing", !has(tcp, "40000 :"));
	free(tcp);
	strbuf_free(&bad);
	watch_wait(w, 300);

	moved = fwd(PROTO_UDP, 10000, "10.99.0.1", 7);
	one = (struct fwd_change){ .old = ch[0].new, .new = moved };
	ret = apply(nft, &one, 1, false, err, sizeof(err));
	CHECK("big: incremental change", ret == 0);
	CHECK("watch: own incremental not reported", watch_wait(w, 300) == 0);
	object_unref(moved);
	for (i = 0; i < BIG; i++)
		object_unref((struct object *)ch[i].new);
	free(ch);
}

static int run(void)
{
	struct object *o[7];
	struct fwd_change three[3];
	struct nft_watch *w = NULL;
	struct nft *nft = NULL;
	char err[ERR_LEN];
	int i;

	o[0] = fwd(PROTO_TCP, 8080, "10.50.0.2", 80);
	o[1] = fwd(PROTO_TCP, 2222, "10.50.0.3", 22);
	o[2] = fwd(PROTO_UDP, 5353, "10.50.0.4", 53);
	o[3] = fwd(PROTO_UDP, 8080, "10.50.0.2", 80);
	o[4] = fwd(PROTO_TCP, 2222, "10.50.0.5", 2022);
	o[5] = fwd(PROTO_TCP, 443, "10.50.0.6", 443);
	o[6] = fwd(PROTO_TCP, 9999, "10.50.0.7", 1);
	CHECK("nft_open", nft_open(&nft) == 0);
	CHECK("nft_watch_open", nft_watch_open(&w, "inet", conf.table) == 0);
	CHECK("nft_watch_open: bad family", nft_watch_open(&w, "ipx", "t") == -EINVAL);
	if (!nft || !w)
		goto out;
	test_basic(nft, w, o);
	test_bad(nft, w, o);
	test_foreign(nft, w, o);
	test_big(nft, w);

	/* Leave three forwards for the shell to check in nft's own listing. */
	for (i = 0; i < 3; i++)
		three[i] = (struct fwd_change){ .new = o[i] };
	CHECK("final: apply 3 forwards", apply(nft, three, 3, true, err, sizeof(err)) == 0);
out:
	nft_watch_close(w);
	nft_close(nft);
	for (i = 0; i < 7; i++)
		object_unref(o[i]);
	return CHECK_DONE();
}

/*
 * The agent in a container: PID 1 of its own PID namespace, where the kernel's
 * NFTA_GEN_PROC_PID is a host PID, never our getpid(). Leaves an empty ruleset.
 */
static int run_pidns(const char *self)
{
	struct object *o[4];
	struct fwd_change three[3], inc[2];
	struct nft_watch *w = NULL;
	struct nft *nft = NULL;
	char err[ERR_LEN];
	bool ok;
	int i;

	o[0] = fwd(PROTO_TCP, 8080, "10.50.0.2", 80);
	o[1] = fwd(PROTO_TCP, 2222, "10.50.0.3", 22);
	o[2] = fwd(PROTO_UDP, 5353, "10.50.0.4", 53);
	o[3] = fwd(PROTO_TCP, 443, "10.50.0.6", 443);
	for (i = 0; i < 3; i++)
		three[i] = (struct fwd_change){ .new = o[i] };
	inc[0] = (struct fwd_change){ .old = o[2] };
	inc[1] = (struct fwd_change){ .new = o[3] };
	CHECK("pidns: PID 1 of its own PID namespace", getpid() == 1);
	CHECK("pidns: nft_watch_open", nft_watch_open(&w, "inet", conf.table) == 0);
	if (!w)
		goto out;

	/* No socket of this process commits: the generation asked for by note_own decides. */
	CHECK("pidns: driver applies", run_driver(self, "tcp/8080=10.50.0.2:80") == 0);
	CHECK("pidns: driver's apply without note_own reported", watch_wait(w, 1000) == 1);
	for (ok = true, i = 0; i < 3; i++) {
		ok = ok && run_driver(self, "tcp/8080=10.50.0.2:80") == 0;
		nft_watch_note_own(w);
	}
	CHECK("pidns: driver applies 3 times, each noted", ok);
	CHECK("pidns: noted by generation, not reported", watch_wait(w, 300) == 0);
	CHECK("pidns: foreign nft delete element",
	      run_nft("delete element inet edge_test fwd_tcp { 8080 }") == 0);
	CHECK("pidns: foreign change reported within 1 s", watch_wait(w, 1000) == 1);

	/* As in the agent: our own libnftables context, known by its socket's port id. */
	CHECK("pidns: nft_open", nft_open(&nft) == 0);
	if (!nft)
		goto out;
	CHECK("pidns: own apply", apply(nft, three, 3, true, err, sizeof(err)) == 0);
	CHECK("pidns: own apply without note_own reported (host PID is not getpid())",
	      watch_wait(w, 1000) == 1);
	for (ok = true, i = 0; i < 3; i++) {
		ok = ok && apply(nft, three, 3, true, err, sizeof(err)) == 0;
		nft_watch_note_own(w);
	}
	CHECK("pidns: own applies 3 times, each noted", ok);
	CHECK("pidns: own noted applies not reported", watch_wait(w, 300) == 0);
	CHECK("pidns: own incremental apply", apply(nft, inc, 2, false, err, sizeof(err)) == 0);
	nft_watch_note_own(w);
	CHECK("pidns: own noted incremental not reported", watch_wait(w, 300) == 0);
	CHECK("pidns: foreign nft delete element",
	      run_nft("delete element inet edge_test fwd_tcp { 443 }") == 0);
	CHECK("pidns: foreign change reported within 1 s", watch_wait(w, 1000) == 1);
	CHECK("pidns: own apply, then a foreign change before note_own",
	      apply(nft, three, 3, true, err, sizeof(err)) == 0 &&
	      run_nft("delete element inet edge_test fwd_tcp { 2222 }") == 0);
	nft_watch_note_own(w);
	CHECK("pidns: that foreign change reported within 1 s", watch_wait(w, 1000) == 1);
	CHECK("pidns: foreign nft flush ruleset", run_nft("flush ruleset") == 0);
	CHECK("pidns: flush ruleset reported within 1 s", watch_wait(w, 1000) == 1);
out:
	nft_watch_close(w);
	nft_close(nft);
	for (i = 0; i < 4; i++)
		object_unref(o[i]);
	return CHECK_DONE();
}

static int spec_parse(const char *s, struct object **out)
{
	char proto[4], ip[INET_ADDRSTRLEN];
	unsigned port, tport;

	if (sscanf(s, "%3[a-z]/%u=%15[0-9.]:%u", proto, &port, ip, &tport) != 4 ||
	    port > 65535 || tport > 65535 || (strcmp(proto, "tcp") && strcmp(proto, "udp")))
		return -EINVAL;
	*out = fwd(strcmp(proto, "udp") ? PROTO_TCP : PROTO_UDP, port, ip, tport);
	return 0;
}

/* The driver for tests/integration/nft_traffic.sh. */
static int drive(int argc, char **argv)
{
	struct fwd_change ch[64] = { { 0 } };
	struct nft *nft = NULL;
	char err[ERR_LEN] = "";
	int i, n = argc - 5, ret = -EINVAL;

	if (argc < 5 || n > 64)
		return 2;
	conf.table = argv[2];
	conf.wg_iface = argv[3];
	for (i = 0; i < n; i++) {
		const char *s = argv[5 + i];
		bool old = *s == '-';

		s += *s == '-' || *s == '+';
		if (spec_parse(s, (struct object **)(old ? &ch[i].old : &ch[i].new)))
			goto out;
	}
	ret = nft_open(&nft);
	if (!ret)
		ret = apply(nft, ch, (size_t)n, strcmp(argv[4], "full") == 0, err, sizeof(err));
out:
	if (ret)
		fprintf(stderr, "fwd: %s (%s)\n", strerror(-ret), err);
	nft_close(nft);
	for (i = 0; i < n; i++) {
		object_unref((struct object *)ch[i].old);
		object_unref((struct object *)ch[i].new);
	}
	return ret ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (!in_private_netns()) {
		printf("SKIP nft_kernel: refusing to touch the host ruleset; "
		       "run tests/integration/nft_kernel.sh\n");
		return 77;
	}
	if (argc >= 2 && strcmp(argv[1], "fwd") == 0)
		return drive(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "run") == 0)
		return run();
	if (argc >= 2 && strcmp(argv[1], "pidns") == 0)
		return run_pidns(argv[0]);
	fprintf(stderr, "usage: %s run | pidns | fwd TABLE WG full|inc SPEC...\n", argv[0]);
	return 2;
}
