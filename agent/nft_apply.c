#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nftables/libnftables.h>

#include "nft_apply.h"

struct nft {
	struct nft_ctx *ctx;
};

int nft_available(void)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

/* The context, made again after nft_idle. */
static int nft_ready(struct nft *nft)
{
	int ret;

	if (nft->ctx)
		return 0;
	if ((ret = nft_available()))
		return ret;
	nft->ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!nft->ctx)
		return -ENOMEM;
	if (nft_ctx_buffer_output(nft->ctx) || nft_ctx_buffer_error(nft->ctx)) {
		nft_idle(nft);
		return -ENOMEM;
	}
	return 0;
}

int nft_open(struct nft **out)
{
	struct nft *nft = calloc(1, sizeof(*nft));
	int ret;

	if (!nft)
		return -ENOMEM;
	if ((ret = nft_ready(nft))) {
		nft_close(nft);
		return ret;
	}
	*out = nft;
	return 0;
}

void nft_idle(struct nft *nft)
{
	if (nft && nft->ctx) {
		nft_ctx_free(nft->ctx);
		nft->ctx = NULL;
	}
}

void nft_close(struct nft *nft)
{
	nft_idle(nft);
	free(nft);
}

struct line {
	const char *s;
	int n;
};

static const char *line_next(const char *p, struct line *l)
{
	const char *end = strchrnul(p, '\n');

	l->s = p;
	l->n = (int)(end - p);
	return *end ? end + 1 : end;
}

static struct line line_trim(struct line l)
{
	while (l.n && (*l.s == ' ' || *l.s == '\t')) {
		l.s++;
		l.n--;
	}
	while (l.n && (l.s[l.n - 1] == ' ' || l.s[l.n - 1] == '\t' || l.s[l.n - 1] == '\r'))
		l.n--;
	return l;
}

/* The part of the input line that nft underlined with ^ or ~, or n = 0 if none. */
static struct line line_marked(struct line input, struct line marker)
{
	struct line span = { input.s, 0 };
	int i, first = -1, last = -1;

	for (i = 0; i < marker.n; i++) {
		if (marker.s[i] == '^' || marker.s[i] == '~') {
			if (first < 0)
				first = i;
			last = i;
		} else if (marker.s[i] != ' ' && marker.s[i] != '\t') {
			return span;
		}
	}
	if (first < 0 || last >= input.n)
		return span;
	span.s = input.s + first;
	span.n = last - first + 1;
	return span;
}

/*
 * nft reports each error as message, input line, marker line. Only the first error is
 * kept, on one line, with what was underlined first since long statements get truncated.
 */
static void err_copy(char *err, size_t errlen, const char *msg)
{
	struct line l[3] = { { msg, 0 }, { msg, 0 }, { msg, 0 } }, span;
	const char *p = msg;
	int i;

	for (i = 0; i < 3 && *p; i++)
		p = line_next(p, &l[i]);
	span = line_marked(l[1], l[2]);
	l[0] = line_trim(l[0]);
	l[1] = line_trim(l[1]);
	if (span.n)
		snprintf(err, errlen, "%.*s; at \"%.*s\" in: %.*s", l[0].n, l[0].s,
			 span.n, span.s, l[1].n, l[1].s);
	else if (l[1].n)
		snprintf(err, errlen, "%.*s; %.*s", l[0].n, l[0].s, l[1].n, l[1].s);
	else
		snprintf(err, errlen, "%.*s", l[0].n, l[0].s);
}

/*
 * From this much text (about 1,000 elements) the transaction runs in a short-lived child,
 * on the context's own netlink socket (so nft_watch still knows it as ours). libnftables builds a transaction of 10,000 elements out of
 * some 250,000 small allocations (15 MB at its peak); freed in the agent, among the objects
 * it keeps, they left the heap fragmented for good. A single update stays in-process.
 */
#define CHILD_MIN_TEXT (64 * 1024)

static int apply_here(struct nft *nft, const char *text, char *err, size_t errlen)
{
	const char *msg;
	int ret = 0;

	if (errlen)
		err[0] = '\0';
	if ((ret = nft_ready(nft))) {
		snprintf(err, errlen, "nft: no context: %s", strerror(-ret));
		return ret;
	}
	if (nft_run_cmd_from_buffer(nft->ctx, text))
		ret = -EIO;
	/* Reading the buffers also rewinds them for the next run. */
	nft_ctx_get_output_buffer(nft->ctx);
	msg = nft_ctx_get_error_buffer(nft->ctx);
	if (ret && errlen) {
		err_copy(err, errlen, msg ? msg : "");
		if (!err[0])
			snprintf(err, errlen, "nft: transaction failed without a message");
	}
	return ret;
}

static void child_run(struct nft *nft, int fd, const char *text)
{
	char err[1024] = "";
	int ret;

	ret = apply_here(nft, text, err, sizeof(err));
	if (ret && write(fd, err, strlen(err)) < 0)
		ret = -EIO;
	_exit(ret ? 1 : 0);
}

static int apply_child(struct nft *nft, const char *text, char *err, size_t errlen)
{
	char buf[1024];
	size_t got = 0;
	ssize_t n;
	int p[2], st = 0;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -errno;
	}
	if (pid == 0) {
		close(p[0]);
		child_run(nft, p[1], text);
	}
	close(p[1]);
	while (got < sizeof(buf) - 1 && ((n = read(p[0], buf + got, sizeof(buf) - 1 - got)) > 0 ||
					 (n < 0 && errno == EINTR)))
		got += n > 0 ? (size_t)n : 0;
	buf[got] = '\0';
	close(p[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	if (errlen)
		snprintf(err, errlen, "%s", got ? buf : "nft: the transaction's process failed");
	return -EIO;
}

int nft_apply(struct nft *nft, const char *text, char *err, size_t errlen)
{
	int ret;

	if (strlen(text) < CHILD_MIN_TEXT)
		return apply_here(nft, text, err, errlen);
	if (errlen)
		err[0] = '\0';
	if ((ret = nft_ready(nft)))
		return apply_here(nft, text, err, errlen);     /* which reports it */
	ret = apply_child(nft, text, err, errlen);
	/* no process to spare (EAGAIN, ENOMEM): the same transaction in-process */
	return ret == -EIO ? ret : ret ? apply_here(nft, text, err, errlen) : 0;
}

int nft_list_json(struct nft *nft, const char *cmd, char **out)
{
	unsigned flags;
	const char *text;
	int ret = nft_ready(nft);

	if (ret)
		return ret;
	flags = nft_ctx_output_get_flags(nft->ctx);
	nft_ctx_output_set_flags(nft->ctx, flags | NFT_CTX_OUTPUT_JSON);
	if (nft_run_cmd_from_buffer(nft->ctx, cmd))
		ret = -EIO;
	text = nft_ctx_get_output_buffer(nft->ctx);
	nft_ctx_get_error_buffer(nft->ctx);
	nft_ctx_output_set_flags(nft->ctx, flags);
	if (!ret) {
		*out = strdup(text ? text : "");
		if (!*out)
			ret = -ENOMEM;
	}
	return ret;
}
