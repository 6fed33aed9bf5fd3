/* Reading other firewalls: nftables JSON listings and iptables-save text into rulesets. */
#ifndef EDGE_COEXIST_PARSE_H
#define EDGE_COEXIST_PARSE_H

#include "coexist_plan.h"

void coexist_parse_free(struct coexist_ruleset *rs);
struct coexist_chain *coexist_parse_chain_find(const struct coexist_ruleset *rs,
					       enum coexist_backend b, const char *family,
					       const char *table, const char *name);

/*
 * Adds the chains and rules of a libnftables JSON listing (list chains, list table,
 * list ruleset...) to rs. Only families ip and inet are kept (IPv4 forwards), and only
 * forward-hook base chains among base chains. Returns 0, -EINVAL (not such a listing)
 * or -ENOMEM.
 */
int coexist_parse_nft_json(struct coexist_ruleset *rs, const struct coexist_plan_conf *conf,
			   const char *json);
/* Adds the *filter table of iptables-save text to rs as backend COEXIST_LEGACY. */
int coexist_parse_iptables_save(struct coexist_ruleset *rs,
				const struct coexist_plan_conf *conf, const char *text);

#endif
