/*
 * iptables-legacy, the edge. There is no library API for it that we link, so its own
 * binaries run through posix_spawn (no shell) with an argv built only from constants,
 * the validated NFT_TABLE and FORWARD_MARK, and a fixed environment.
 */
#ifndef EDGE_COEXIST_LEGACY_H
#define EDGE_COEXIST_LEGACY_H

#include "coexist_plan.h"

/* True when this network namespace has a legacy filter table (/proc/net/ip_tables_names). */
bool coexist_legacy_loaded(void);
/*
 * A stamp of the legacy filter table (its rule count and size, from the kernel without
 * running anything) that changes when rules are added or removed; 0 when not loaded.
 */
uint64_t coexist_legacy_stamp(void);
/* iptables-legacy-save -t filter into out. 0, or -errno with err. */
int coexist_legacy_save(struct strbuf *out, char *err, size_t errlen);
/* iptables-legacy -w 2 -t filter -I|-D DOCKER-USER -m mark --mark M -m comment --comment C -j ACCEPT */
int coexist_legacy_rule(bool add, const struct coexist_plan_conf *conf, uint32_t mark, uint32_t mask,
		   char *err, size_t errlen);

#endif
