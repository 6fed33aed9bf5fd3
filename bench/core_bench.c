/*
 * How the pure core scales (figures only; the unit tests check behaviour, never time):
 *   join     a join answer of N/8 and N peers through join_parse (CPU time, best of 3)
 *   diff     one changed peer among 2000 and 20000 through wg_diff (CPU time, best of 3)
 * A linear or n log n core costs about 8 (join) and 12 (diff) times more for the larger
 * size; a quadratic one 64 and 100 times.
 * Usage: core-bench        prints key=value lines
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "join_parse.h"
#include "wg_device.h"
#include "wg_diff.h"

#define REPS 3

static double cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Peer i: a distinct key and its own /24 in 10.64.0.0/10. */
static void peer_fill(struct wg_peer *p, size_t i)
{
	memset(p, 0, sizeof(*p));
	p->public_key[0] = (uint8_t)(i * 37);
	p->public_key[1] = (uint8_t)(i >> 8);
	p->public_key[2] = (uint8_t)i;
	p->allowed = calloc(1, sizeof(*p->allowed));
	p->n_allowed = 1;
	p->allowed->family = AF_INET;
	p->allowed->prefix = 24;
	p->allowed->addr[0] = 10;
	p->allowed->addr[1] = (uint8_t)(64 + i / 256);
	p->allowed->addr[2] = (uint8_t)(i % 256);
}

static char *join_text(size_t n, size_t *len)
{
	struct wg_join j = { .address = { .family = AF_INET, .prefix = 16, .addr = { 10, 50, 0, 1 } } };
	char *text = NULL;

	j.peers = calloc(n, sizeof(*j.peers));
	for (size_t i = 0; i < n; i++)
		peer_fill(&j.peers[i], i);
	j.n_peers = n;
	if (join_render(&j, &text, len))
		text = NULL;
	wg_join_free(&j);
	return text;
}

static double join_ms(size_t n, size_t *bytes)
{
	char err[256], *text = join_text(n, bytes);
	double best = -1, t;

	for (int r = 0; text && r < REPS; r++) {
		struct wg_join j = { 0 };

		t = cpu_ms();
		if (join_parse(text, *bytes, &j, err, sizeof(err)) || j.n_peers != n) {
			fprintf(stderr, "core-bench: join of %zu peers: %s\n", n, err);
			best = -1;
			break;
		}
		t = cpu_ms() - t;
		best = best < 0 || t < best ? t : best;
		wg_join_free(&j);
	}
	free(text);
	return best;
}

static void dev_fill(struct wg_device *d, size_t n)
{
	memset(d, 0, sizeof(*d));
	d->peers = calloc(n, sizeof(*d->peers));
	for (size_t i = 0; i < n; i++)
		peer_fill(&d->peers[i], i);
	d->n_peers = n;
}

static double diff_ms(size_t n)
{
	struct wg_device have, want, delta;
	double best = -1, t;

	dev_fill(&have, n);
	dev_fill(&want, n);
	want.peers[n / 2].keepalive = 5;
	for (int r = 0; r < REPS; r++) {
		t = cpu_ms();
		if (wg_diff(&have, &want, &delta) || delta.n_peers != 1) {
			fprintf(stderr, "core-bench: diff of %zu peers gave a wrong delta\n", n);
			best = -1;
			break;
		}
		t = cpu_ms() - t;
		best = best < 0 || t < best ? t : best;
		wg_device_free(&delta);
	}
	wg_device_free(&want);
	wg_device_free(&have);
	return best;
}

int main(void)
{
	size_t small_bytes = 0, large_bytes = 0;
	double js = join_ms(JOIN_MAX_PEERS / 8, &small_bytes);
	double jl = join_ms(JOIN_MAX_PEERS, &large_bytes);
	double ds = diff_ms(2000), dl = diff_ms(20000);

	printf("join_small_peers=%d\njoin_small_bytes=%zu\njoin_small_ms=%.2f\n",
	       JOIN_MAX_PEERS / 8, small_bytes, js);
	printf("join_large_peers=%d\njoin_large_bytes=%zu\njoin_large_ms=%.2f\n",
	       JOIN_MAX_PEERS, large_bytes, jl);
	printf("diff_small_peers=2000\ndiff_small_ms=%.3f\ndiff_large_peers=20000\n"
	       "diff_large_ms=%.3f\n", ds, dl);
	return js < 0 || jl < 0 || ds < 0 || dl < 0;
}
