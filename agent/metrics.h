/* Metrics: one snapshot rendered as JSON (edge/<node>/metrics) or Prometheus text. Pure. */
#ifndef EDGE_METRICS_H
#define EDGE_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "mesh.h"
#include "store.h"
#include "strbuf.h"

struct fwd_counter {
	char id[ID_LEN];
	enum proto proto;
	uint16_t port;
	uint64_t packets;
	uint64_t bytes;
	uint64_t refused;       /* packets its allow_from and limits dropped */
};

struct metrics {
	const char *node;
	time_t now;
	const struct fwd_counter *fwd;          /* per-forward counters (named nft counters) */
	size_t n_fwd;
	const struct mesh_status *wg;           /* NULL: not managed */
	size_t objects[KIND_COUNT][ST_COUNT];
	unsigned long applies;                  /* nftables transactions and file batches */
	double apply_seconds;                   /* total time spent reconciling */
	double last_apply_seconds;
	unsigned long messages;                 /* MQTT messages handled */
	bool connected;                         /* to the broker */
	bool synced;                            /* retained replay complete */
};

/*
 * Parses `nft -j list set inet T cnt_tcp` (or cnt_udp): one counter per public port,
 * appended to *out (grown as needed; ids are left empty for the caller). Pure.
 */
int metrics_parse_counters(const char *json, enum proto proto, struct fwd_counter **out, size_t *n);
int metrics_render_json(struct strbuf *sb, const struct metrics *m);
int metrics_render_prom(struct strbuf *sb, const struct metrics *m);

#endif
