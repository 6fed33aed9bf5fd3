/*
 * Coexistence with Docker and other firewalls on the forward hook (docs/coexistence.md).
 *
 * An nftables accept only ends its own base chain: a forward accepted in our table is
 * still dropped by iptables' FORWARD chain with Docker's policy DROP, by iptables-legacy,
 * or by any other table whose forward chain drops. Our table marks the packets of our
 * forwards (nft_conf.mark); this module finds the forward-hook chains that would drop
 * them, makes them pass where Docker provides a place for it (one rule at the head of
 * DOCKER-USER, iptables-nft and iptables-legacy, tagged with the comment
 * "edge-agent:<table>"), keeps that rule there, and names everything else it cannot fix
 * in coexist_error() with the exact change an operator has to make.
 */
#ifndef EDGE_COEXIST_H
#define EDGE_COEXIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum coexist_mode {
	COEXIST_AUTO,           /* detect, add our DOCKER-USER rule, report the rest */
	COEXIST_REPORT,         /* detect and report only: nothing outside our table */
	COEXIST_OFF,            /* neither */
};

struct coexist_conf {
	const char *table;      /* NFT_TABLE */
	uint32_t mark, mask;    /* FORWARD_MARK; the same values go into nft_conf */
	enum coexist_mode mode; /* COEXIST */
};

struct coexist;

/* "0x2000" or "0x2000/0xf000" (C notation): mark within a non-zero mask. 0 or -EINVAL. */
int coexist_mark_parse(const char *s, uint32_t *mark, uint32_t *mask);
/* "auto", "report", "off". 0 or -EINVAL. */
int coexist_mode_parse(const char *s, enum coexist_mode *out);

int coexist_open(struct coexist **out, const struct coexist_conf *conf);
void coexist_close(struct coexist *cx);
/* Poll it for POLLIN (iptables-nft changed table ip filter); -1: nothing to poll. */
int coexist_fd(const struct coexist *cx);
void coexist_handle(struct coexist *cx, int64_t now_ms);
/* Asks for a check soon, e.g. after our own table was restored. */
void coexist_kick(struct coexist *cx, int64_t now_ms);
/* When coexist_run wants to run next (CLOCK_MONOTONIC ms). */
int64_t coexist_due_ms(const struct coexist *cx);
/* Whether coexist_run at now_ms reads the whole forward hook (not only the legacy stamp). */
bool coexist_full_due(const struct coexist *cx, int64_t now_ms);
/*
 * Reads the forward hook (libnftables JSON, iptables-legacy-save when legacy tables are
 * loaded), adds what is missing, and updates coexist_error(). Returns true when the
 * error text changed (publish the node status). Blocks for a few ms, at most ~4 s when
 * iptables-legacy waits for the xtables lock.
 */
bool coexist_run(struct coexist *cx, int64_t now_ms);
/* "" when nothing drops our forwards; else what does, and what to change. */
const char *coexist_error(const struct coexist *cx);

/*
 * Removes every rule this agent (this NFT_TABLE) added outside its table: from ip filter
 * DOCKER-USER (nftables) and iptables-legacy's DOCKER-USER. Returns the number removed
 * or -errno with err. For `edge-agent cleanup`.
 */
int coexist_cleanup(const struct coexist_conf *conf, char *err, size_t errlen);

#endif
