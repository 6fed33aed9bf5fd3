/*
 * Kernel driver for the coexistence module. Touches nftables and iptables, so it runs
 * only inside the namespace named by EDGE_TEST_NETNS (tests/integration/docker_coexist.sh
 * makes it). Stands in for the agent until the module is integrated:
 *   fwd TABLE WG MARK SPEC...      applies our table (full) with the mark; SPEC is
 *                                  tcp/9080=10.50.0.12:80
 *   check auto|report TABLE MARK   one coexist_run; prints ERROR/SUMMARY lines
 *   loop MS TABLE WG MARK SPEC...  the agent's loop for MS ms: restores our table when
 *                                  it is changed (nft_watch) and runs the module
 *   cleanup TABLE MARK             coexist_cleanup; prints REMOVED n
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <stdio.h>
#include <string.h>
#include "clock.h"
#include "coexist.h"
#include "netns_guard.h"
#include "nft_apply.h"
#include "nft_render.h"
#include "nft_watch.h"

#define MAX_FWD 16

struct table {
	struct nft_conf conf;
	struct fwd_change ch[MAX_FWD];
	size_t n;
};

static int spec_parse(const char *s, struct object **out)
{
	char proto[4], ip[INET_ADDRSTRLEN];
	unsigned port, tport;
	struct object *o;

	if (sscanf(s, "%3[a-z]/%u=%15[0-9.]:%u", proto, &port, ip, &tport) != 4 ||
	    port > 65535 || tport > 65535 || (strcmp(proto, "tcp") && strcmp(proto, "udp")))
		return -EINVAL;
	o = object_new(KIND_FORWARD, "f");
	o->fwd.proto = strcmp(proto, "udp") ? PROTO_TCP : PROTO_UDP;
	o->fwd.public_port = (uint16_t)port;
	o->fwd.target_port = (uint16_t)tport;
	inet_pton(AF_INET, ip, &o->fwd.target_ip);
	*out = o;
	return 0;
}

/* TABLE WG MARK SPEC... */
static int table_parse(struct table *t, int argc, char **argv)
{
	if (argc < 3 || argc - 3 > MAX_FWD)
		return -EINVAL;
	memset(t, 0, sizeof(*t));
	t->conf.table = argv[0];
	t->conf.wg_iface = argv[1];
	if (coexist_mark_parse(argv[2], &t->conf.mark, &t->conf.mark_mask))
		return -EINVAL;
	for (int i = 3; i < argc; i++)
		if (spec_parse(argv[i], (struct object **)&t->ch[t->n++].new))
			return -EINVAL;
	return 0;
}

static void table_free(struct table *t)
{
	for (size_t i = 0; i < t->n; i++)
		object_unref((struct object *)t->ch[i].new);
}

static int table_apply(struct nft *nft, const struct table *t)
{
	struct strbuf sb;
	char err[ERR_LEN] = "";
	int ret;

	strbuf_init(&sb);
	ret = nft_render(&sb, &t->conf, t->ch, t->n, true);
	if (!ret)
		ret = nft_apply(nft, sb.buf, err, sizeof(err));
	if (ret)
		printf("INFO table apply failed: %s\n", err);
	strbuf_free(&sb);
	return ret;
}

static void report(const struct coexist *cx)
{
	printf("ERROR: %s\n", coexist_error(cx));
	fflush(stdout);
}

static int cmd_fwd(int argc, char **argv)
{
	struct table t;
	struct nft *nft = NULL;
	int ret = table_parse(&t, argc, argv);

	if (!ret)
		ret = nft_open(&nft);
	if (!ret)
		ret = table_apply(nft, &t);
	nft_close(nft);
	table_free(&t);
	return ret ? 1 : 0;
}

static int conf_parse(struct coexist_conf *cc, const char *mode, const char *table, const char *mark)
{
	memset(cc, 0, sizeof(*cc));
	cc->table = table;
	if ((mode && coexist_mode_parse(mode, &cc->mode)) || coexist_mark_parse(mark, &cc->mark, &cc->mask))
		return -EINVAL;
	return 0;
}

static int cmd_check(int argc, char **argv)
{
	struct coexist_conf cc;
	struct coexist *cx = NULL;

	if (argc != 3 || conf_parse(&cc, argv[0], argv[1], argv[2]) || coexist_open(&cx, &cc))
		return 2;
	coexist_run(cx, clock_ms());
	report(cx);
	coexist_close(cx);
	return 0;
}

static int cmd_loop(int argc, char **argv)
{
	struct coexist_conf cc;
	struct coexist *cx = NULL;
	struct nft_watch *w = NULL;
	struct nft *nft = NULL;
	struct table t;
	int64_t end, due;
	int ret = 2;

	if (argc < 4 || table_parse(&t, argc - 1, argv + 1))
		return 2;
	end = clock_ms() + atoi(argv[0]);
	if (conf_parse(&cc, "auto", argv[1], argv[3]) || coexist_open(&cx, &cc) || nft_open(&nft) ||
	    nft_watch_open(&w, "inet", argv[1]))
		goto out;
	if (table_apply(nft, &t) == 0)
		nft_watch_note_own(w);
	while (clock_ms() < end) {
		struct pollfd p[2] = { { .fd = nft_watch_fd(w), .events = POLLIN },
				       { .fd = coexist_fd(cx), .events = POLLIN } };
		int64_t now = clock_ms();

		due = coexist_due_ms(cx);
		if (due && due <= now) {
			if (coexist_run(cx, now))
				report(cx);
			continue;
		}
		poll(p, 2, (int)((due && due - now < 100 ? due - now : 100)));
		now = clock_ms();
		if ((p[0].revents & POLLIN) && nft_watch_read(w) != 0) {
			printf("INFO table %s changed by someone else; restoring it\n", argv[1]);
			fflush(stdout);
			if (table_apply(nft, &t) == 0)
				nft_watch_note_own(w);
			coexist_kick(cx, now);
		}
		if (p[1].fd >= 0 && (p[1].revents & POLLIN))
			coexist_handle(cx, now);
	}
	ret = 0;
out:
	nft_watch_close(w);
	nft_close(nft);
	coexist_close(cx);
	table_free(&t);
	return ret;
}

static int cmd_cleanup(int argc, char **argv)
{
	struct coexist_conf cc;
	char err[512] = "";
	int n;

	if (argc != 2 || conf_parse(&cc, NULL, argv[0], argv[1]))
		return 2;
	n = coexist_cleanup(&cc, err, sizeof(err));
	if (n < 0) {
		printf("ERROR: %s\n", err);
		return 1;
	}
	printf("REMOVED %d\n", n);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!in_private_netns()) {
		printf("SKIP coexist_kernel: refusing to touch the host's firewall; "
		       "run tests/integration/docker_coexist.sh\n");
		return 77;
	}
	if (argc >= 2 && !strcmp(argv[1], "fwd"))
		return cmd_fwd(argc - 2, argv + 2);
	if (argc >= 2 && !strcmp(argv[1], "check"))
		return cmd_check(argc - 2, argv + 2);
	if (argc >= 2 && !strcmp(argv[1], "loop"))
		return cmd_loop(argc - 2, argv + 2);
	if (argc >= 2 && !strcmp(argv[1], "cleanup"))
		return cmd_cleanup(argc - 2, argv + 2);
	fprintf(stderr, "usage: %s fwd TABLE WG MARK SPEC... | check auto|report TABLE MARK | "
		"loop MS TABLE WG MARK SPEC... | cleanup TABLE MARK\n", argv[0]);
	return 2;
}
