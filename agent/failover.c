#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "failover.h"
#include "tcp_probe.h"
#include "log.h"

#define PROBE_MIN_MS 500
#define PROBE_MAX_MS 10000
#define PROBE_TIMEOUT_MS 3000
#define PROBE_POLL_MS 100

/* The addresses of host in the resolver's order, without repeats; 0 when it has none. */
static size_t failover_resolve(const char *host, int port, char out[][INET6_ADDRSTRLEN], size_t max)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	struct addrinfo *res, *ai;
	char buf[INET6_ADDRSTRLEN], serv[8];
	size_t n = 0;
	int rc;

	snprintf(serv, sizeof(serv), "%d", port);
	rc = getaddrinfo(host, serv, &hints, &res);
	if (rc) {
		log_warn("mqtt: cannot resolve broker host %s: %s", host, gai_strerror(rc));
		return 0;
	}
	for (ai = res; ai && n < max; ai = ai->ai_next) {
		const void *a = ai->ai_family == AF_INET ?
			(const void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr :
			(const void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr;
		bool dup = false;
		if (!inet_ntop(ai->ai_family, a, buf, sizeof(buf)))
			continue;
		for (size_t i = 0; i < n; i++)
			dup |= strcmp(out[i], buf) == 0;
		if (!dup)
			memcpy(out[n++], buf, sizeof(buf));
	}
	freeaddrinfo(res);
	return n;
}

static void failover_enter(struct failover *f, size_t i)
{
	const struct broker *b = &f->list->v[i];

	f->cur = i;
	f->ai = 0;
	broker_format(f->name, sizeof(f->name), b);
	if (b->tls) {
		snprintf(f->addrs[0], sizeof(f->addrs[0]), "%.*s", (int)sizeof(f->addrs[0]) - 1, b->host);
		f->n_addrs = strlen(b->host) < sizeof(f->addrs[0]) ? 1 : 0;
		return;
	}
	f->n_addrs = failover_resolve(b->host, b->port, f->addrs, FAILOVER_MAX_ADDRS);
}

void failover_init(struct failover *f, const struct broker_list *l, unsigned failback_s)
{
	memset(f, 0, sizeof(*f));
	f->list = l;
	f->failback_ms = (int64_t)failback_s * 1000;
	tcp_probe_init(&f->probe);
	tcp_probe_init(&f->reach);
}

static void probe_stop(struct failover *f)
{
	tcp_probe_stop(&f->probe);
}

void failover_close(struct failover *f)
{
	probe_stop(f);
	tcp_probe_stop(&f->reach);
}

const struct broker *failover_broker(const struct failover *f)
{
	return &f->list->v[f->cur];
}

const char *failover_address(const struct failover *f)
{
	return f->ai < f->n_addrs ? f->addrs[f->ai] : f->list->v[f->cur].host;
}

void failover_move(struct failover *f, size_t i)
{
	probe_stop(f);
	f->probe_active = false;
	f->probe_due_ms = 0;
	failover_enter(f, i);
}

void failover_begin(struct failover *f)
{
	failover_move(f, 0);
}

bool failover_next(struct failover *f)
{
	if (f->ai + 1 < f->n_addrs) {
		f->ai++;
		return true;
	}
	for (size_t i = f->cur + 1; i < f->list->n; i++) {
		failover_enter(f, i);
		if (f->n_addrs)
			return true;
	}
	failover_enter(f, 0);
	return false;
}

static int64_t probe_interval(const struct failover *f)
{
	int64_t ms = f->failback_ms / 4;

	return ms < PROBE_MIN_MS ? PROBE_MIN_MS : ms > PROBE_MAX_MS ? PROBE_MAX_MS : ms;
}

void failover_connected(struct failover *f, int64_t now_ms)
{
	probe_stop(f);
	f->probe_active = false;
	memset(f->up_since, 0, sizeof(f->up_since));
	f->probe_idx = 0;
	f->probe_due_ms = f->cur ? now_ms + probe_interval(f) : 0;
}

int64_t failover_due_ms(const struct failover *f)
{
	return f->cur ? f->probe_due_ms : 0;
}

static void probe_connect(struct failover *f, int64_t now_ms)
{
	tcp_probe_start(&f->probe, f->probe_addrs[f->probe_ai], f->list->v[f->probe_idx].port,
			now_ms, PROBE_TIMEOUT_MS);
}

/* One probe of a broker tries its addresses in turn: 1 when one answered, 0 pending, -1 none. */
static int probe_step(struct failover *f, int64_t now_ms)
{
	int r;

	if (!f->probe_active) {
		f->probe_active = true;
		f->probe_ai = 0;
		f->probe_n = failover_resolve(f->list->v[f->probe_idx].host, f->list->v[f->probe_idx].port,
					      f->probe_addrs, FAILOVER_MAX_ADDRS);
		if (!f->probe_n)
			return -1;
		probe_connect(f, now_ms);
	}
	while ((r = tcp_probe_result(&f->probe, now_ms, NULL)) < 0 && f->probe_ai + 1 < f->probe_n) {
		probe_stop(f);
		f->probe_ai++;
		probe_connect(f, now_ms);
	}
	return r;
}

int failover_tick(struct failover *f, int64_t now_ms)
{
	int r;

	if (!f->cur || !f->probe_due_ms)
		return -1;
	if (now_ms >= f->probe_due_ms) {
		r = probe_step(f, now_ms);
		if (r == 0) {
			f->probe_due_ms = now_ms + PROBE_POLL_MS;
		} else {
			probe_stop(f);
			f->probe_active = false;
			if (r < 0)
				f->up_since[f->probe_idx] = 0;
			else if (!f->up_since[f->probe_idx])
				f->up_since[f->probe_idx] = now_ms;
			f->probe_idx = (f->probe_idx + 1) % f->cur;
			f->probe_due_ms = now_ms + probe_interval(f);
		}
	}
	for (size_t i = 0; i < f->cur; i++)
		if (f->up_since[i] && now_ms - f->up_since[i] >= f->failback_ms)
			return (int)i;
	return -1;
}

void failover_reach_start(struct failover *f, int64_t now_ms)
{
	const struct broker *b = failover_broker(f);
	char addr[1][INET6_ADDRSTRLEN];

	if (!b->tls) {
		tcp_probe_start(&f->reach, failover_address(f), b->port, now_ms, PROBE_TIMEOUT_MS);
		return;
	}
	tcp_probe_stop(&f->reach);
	f->reach.deadline_ms = now_ms + PROBE_TIMEOUT_MS;
	if (failover_resolve(b->host, b->port, addr, 1))
		tcp_probe_start(&f->reach, addr[0], b->port, now_ms, PROBE_TIMEOUT_MS);
}

int failover_reach_result(struct failover *f, int64_t now_ms, int *err)
{
	int r = tcp_probe_result(&f->reach, now_ms, err);

	if (r)
		tcp_probe_stop(&f->reach);
	return r;
}
