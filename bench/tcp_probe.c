/*
 * TCP connect latency and rate through a forward.
 *   tcp-probe serve ADDR PORT            accept and close, forever
 *   tcp-probe connect ADDR PORT COUNT [MAX_S]
 *                                       COUNT sequential connects after a warm-up, or fewer
 *                                       if MAX_S seconds pass first (at least MIN_COUNT)
 *   tcp-probe session ADDR PORT COUNT [MAX_S]
 *                                       as connect, but each connect also half-closes and
 *                                       waits for the server's close (a sink's): the whole
 *                                       round trip, through a proxy's second connection too
 *   tcp-probe sink ADDR PORT             accept and read everything, one stream at a time
 *   tcp-probe stream ADDR PORT SECONDS   send as fast as it can for SECONDS, print mbps
 * connect prints p50_us, p99_us, mean_us and cps (connect + close, one at a time). The
 * client closes with RST (SO_LINGER 0) so no TIME_WAIT piles up across thousands of runs.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define WARMUP 50
#define MIN_COUNT 200

static int session;     /* wait for the server's close after each connect */

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int addr_parse(struct sockaddr_in *sa, const char *ip, const char *port)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)atoi(port));
	return inet_pton(AF_INET, ip, &sa->sin_addr) == 1 ? 0 : -EINVAL;
}

static int listen_on(const struct sockaddr_in *sa)
{
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)sa, sizeof(*sa)) < 0 || listen(fd, 4096) < 0) {
		perror("tcp-probe: listen");
		close(fd);
		return -1;
	}
	return fd;
}

static int sink(const struct sockaddr_in *sa)
{
	static char buf[1 << 16];
	int fd = listen_on(sa);

	if (fd < 0)
		return 1;
	for (;;) {
		int c = accept(fd, NULL, NULL);
		while (c >= 0 && read(c, buf, sizeof(buf)) > 0)
			;
		if (c >= 0)
			close(c);
	}
}

static int stream(const struct sockaddr_in *sa, double secs)
{
	static char buf[1 << 16];
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int64_t t0, end, sent = 0;
	ssize_t n;

	if (fd < 0 || connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) < 0) {
		perror("tcp-probe: stream connect");
		return 1;
	}
	t0 = now_ns();
	end = t0 + (int64_t)(secs * 1e9);
	while (now_ns() < end) {
		n = write(fd, buf, sizeof(buf));
		if (n <= 0) {
			perror("tcp-probe: stream write");
			return 1;
		}
		sent += n;
	}
	printf("mbps=%.0f\nbytes=%lld\n", sent * 8 / ((now_ns() - t0) / 1e9) / 1e6, (long long)sent);
	close(fd);
	return 0;
}

static int serve(const struct sockaddr_in *sa)
{
	int fd = listen_on(sa);

	if (fd < 0)
		return 1;
	for (;;) {
		int c = accept(fd, NULL, NULL);
		if (c >= 0)
			close(c);
	}
}

/* One connect; returns its latency in ns, or -errno. */
static int64_t probe(const struct sockaddr_in *sa)
{
	struct linger lg = { 1, 0 };
	struct timeval tv = { 3, 0 };   /* a dropped SYN fails the run instead of hanging it */
	int64_t t0, t;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	if (fd < 0)
		return -errno;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	t0 = now_ns();
	if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) < 0) {
		t = -errno;
		close(fd);
		return t;
	}
	if (session) {
		char c;
		shutdown(fd, SHUT_WR);
		if (read(fd, &c, 1) < 0) {
			t = -errno;
			close(fd);
			return t;
		}
	}
	t = now_ns() - t0;
	close(fd);
	return t;
}

static int cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static int run(const struct sockaddr_in *sa, int count, double max_s)
{
	int64_t *v = calloc((size_t)count, sizeof(*v)), t0, elapsed, sum = 0, t;
	int fails = 0;

	if (!v || count < 1)
		return 1;
	for (int i = 0; i < WARMUP; i++)
		if (probe(sa) < 0)
			fails++;
	if (fails == WARMUP) {
		fprintf(stderr, "tcp-probe: cannot connect: %s\n", strerror((int)-probe(sa)));
		return 1;
	}
	t0 = now_ns();
	for (int i = 0; i < count; i++) {
		if (max_s > 0 && i >= MIN_COUNT && now_ns() - t0 > (int64_t)(max_s * 1e9)) {
			count = i;
			break;
		}
		t = probe(sa);
		if (t < 0) {
			fprintf(stderr, "tcp-probe: connect %d failed: %s\n", i, strerror((int)-t));
			return 1;
		}
		v[i] = t;
		sum += t;
	}
	elapsed = now_ns() - t0;
	qsort(v, (size_t)count, sizeof(*v), cmp64);
	printf("p50_us=%.1f\np99_us=%.1f\nmean_us=%.1f\ncps=%.0f\nconnects=%d\n", v[count / 2] / 1e3,
	       v[(size_t)count * 99 / 100] / 1e3, (double)sum / count / 1e3,
	       count / (elapsed / 1e9), count);
	free(v);
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa;

	if (argc < 4 || addr_parse(&sa, argv[2], argv[3])) {
		fputs("usage: tcp-probe serve|sink ADDR PORT | connect|session ADDR PORT COUNT [MAX_S] | "
		      "stream ADDR PORT SECONDS\n", stderr);
		return 2;
	}
	if (strcmp(argv[1], "serve") == 0)
		return serve(&sa);
	if (strcmp(argv[1], "sink") == 0)
		return sink(&sa);
	if (strcmp(argv[1], "stream") == 0 && argc > 4)
		return stream(&sa, atof(argv[4]));
	session = strcmp(argv[1], "session") == 0;
	if ((session || strcmp(argv[1], "connect") == 0) && argc > 4)
		return run(&sa, atoi(argv[4]), argc > 5 ? atof(argv[5]) : 0);
	return 2;
}
