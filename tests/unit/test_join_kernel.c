/*
 * Driver for tests/integration/join_http.sh, which runs it inside a network namespace
 * next to tests/controller/controller.py:
 *   test_join_kernel join DATA_DIR URL TOKEN NODE [ca=FILE] [endpoint=IP:PORT]
 *                         [timeout=MS] [conf=PATH]
 * loads or creates DATA_DIR/wg.key, joins through a poll loop, saves and reloads
 * DATA_DIR/join.json, writes the wg-quick file, and prints one line per fact:
 *   OK address=10.50.0.2/24 ...  |  PEER <key> endpoint=... allowed=...  |  ERR <errno> <message>
 *   test_join_kernel args   checks join_start's argument validation (no network).
 */
#include <errno.h>
#include <stdlib.h>

#include "address.h"
#include "check.h"
#include "endpoint.h"
#include "join.h"
#include "join_cache.h"
#include "join_parse.h"
#include "wg_conf.h"
#include "wg_device.h"
#include "wg_key.h"

static const char *opt(int argc, char **argv, const char *name)
{
	size_t n = strlen(name);

	for (int i = 0; i < argc; i++)
		if (!strncmp(argv[i], name, n) && argv[i][n] == '=')
			return argv[i] + n + 1;
	return NULL;
}

static void print_join(const struct wg_join *j)
{
	char text[64], key[WG_KEY_B64_LEN], ep[80];

	address_format(text, sizeof(text), j->address.family, j->address.addr);
	printf("OK address=%s/%u listen_port=%u mtu=%u peers=%zu\n", text, j->address.prefix,
	       j->listen_port, j->mtu, j->n_peers);
	for (size_t i = 0; i < j->n_peers; i++) {
		const struct wg_peer *p = &j->peers[i];

		wg_key_to_base64(key, p->public_key);
		endpoint_format(ep, sizeof(ep), &p->endpoint);
		printf("PEER %s endpoint=%s keepalive=%u allowed=", key, ep[0] ? ep : "-",
		       p->keepalive);
		for (size_t k = 0; k < p->n_allowed; k++) {
			address_format(text, sizeof(text), p->allowed[k].family, p->allowed[k].addr);
			printf("%s%s/%u", k ? "," : "", text, p->allowed[k].prefix);
		}
		printf("\n");
	}
}

/* The agent's loop in miniature: poll on curl's sockets with curl's deadline. */
static int run(struct join *j, struct wg_join *out, char *err, size_t errlen, int *wakeups)
{
	struct pollfd fds[JOIN_MAX_FDS];
	int64_t t;
	int n, ret;

	while ((ret = join_result(j, out, err, errlen)) == -EINPROGRESS) {
		n = join_fds(j, fds, JOIN_MAX_FDS);
		if (n < 0)
			return n;
		t = join_timeout_ms(j);
		if (poll(fds, (nfds_t)n, t < 0 || t > 1000 ? 1000 : (int)t) < 0 && errno != EINTR)
			return -errno;
		(*wakeups)++;
		join_handle(j, fds, n);
	}
	return ret;
}

static int cache_check(const char *dir, const struct wg_join *j)
{
	struct wg_join back = { 0 };
	char err[ERR_LEN];
	int ret;

	ret = join_cache_save(dir, j, err, sizeof(err));
	if (!ret)
		ret = join_cache_load(dir, &back, err, sizeof(err));
	if (ret)
		printf("CACHE-ERR %s\n", err);
	else
		printf("CACHE %s\n", wg_join_equal(j, &back) ? "equal" : "different");
	wg_join_free(&back);
	return ret;
}

static int drive(int argc, char **argv)
{
	const char *dir = argv[2], *conf = opt(argc, argv, "conf"), *tmo = opt(argc, argv, "timeout");
	uint8_t priv[WG_KEY_LEN], pub[WG_KEY_LEN];
	struct join_req req = {
		.url = argv[3], .token = argv[4], .node_id = argv[5], .public_key = pub,
		.ca_file = opt(argc, argv, "ca"), .endpoint = opt(argc, argv, "endpoint"),
		.timeout_ms = tmo ? atol(tmo) : 0,
	};
	struct wg_join resp = { 0 };
	char err[2 * ERR_LEN], key[WG_KEY_B64_LEN];
	struct join *j = NULL;
	int ret, wakeups = 0;

	ret = wg_key_load_or_create(dir, priv, pub, err, sizeof(err));
	if (ret) {
		printf("ERR %d %s\n", -ret, err);
		return 1;
	}
	wg_key_to_base64(key, pub);
	printf("KEY %s\n", key);
	ret = join_start(&j, &req);
	if (!ret)
		ret = run(j, &resp, err, sizeof(err), &wakeups);
	else
		snprintf(err, sizeof(err), "join_start: %s", strerror(-ret));
	printf("LOOP wakeups=%d\n", wakeups);
	join_free(j);
	if (ret) {
		printf("ERR %d %s\n", -ret, err);
		return 1;
	}
	print_join(&resp);
	ret = cache_check(dir, &resp);
	if (!ret && conf) {
		ret = wg_conf_write(conf, &resp, priv, err, sizeof(err));
		if (ret)
			printf("CONF-ERR %s\n", err);
	}
	wg_join_free(&resp);
	explicit_bzero(priv, sizeof(priv));
	return ret ? 1 : 0;
}

static void args_check(void)
{
	static const char ftp_err[] =
		"join: POST ftp://127.0.0.1/join failed: Protocol \"ftp\" not supported";
	uint8_t pub[WG_KEY_LEN] = { 0 };
	struct join_req ok = { .url = "http://127.0.0.1:9/", .token = "t", .node_id = "n",
			       .public_key = pub };
	struct wg_join resp = { 0 };
	char err[ERR_LEN] = "";
	struct join_req r;
	struct join *j = (struct join *)&r;

	r = ok;
	r.url = NULL;
	CHECK("join_start: url required", join_start(&j, &r) == -EINVAL && !j);
	r = ok;
	r.token = "a\r\nX-Evil: 1";
	CHECK("join_start: token with CR LF refused", join_start(&j, &r) == -EINVAL && !j);
	r = ok;
	r.token = "";
	CHECK("join_start: empty token refused", join_start(&j, &r) == -EINVAL && !j);
	r = ok;
	r.public_key = NULL;
	CHECK("join_start: public key required", join_start(&j, &r) == -EINVAL && !j);
	CHECK("join_start: valid request starts", join_start(&j, &ok) == 0 && j);
	join_free(j);
	join_free(NULL);
	r = ok;
	r.url = "ftp://127.0.0.1";
	CHECK("join_start: a refused scheme starts", join_start(&j, &r) == 0 && j);
	CHECK("a refused scheme: done at once", j && join_result(j, &resp, err, sizeof(err)) == -EIO &&
	      join_timeout_ms(j) == -1);
	CHECK("a refused scheme: the message", !strncmp(err, ftp_err, sizeof(ftp_err) - 1));
	join_free(j);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 6 && !strcmp(argv[1], "join"))
		return drive(argc, argv);
	if (argc == 2 && !strcmp(argv[1], "args")) {
		args_check();
		return CHECK_DONE();
	}
	printf("SKIP test_join_kernel: a driver for tests/integration/join_http.sh\n");
	return 77;
}
