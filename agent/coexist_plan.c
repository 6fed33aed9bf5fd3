#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "coexist_parse.h"
#include "coexist_plan.h"

#define MAX_DEPTH 16
#define COEXIST_PRIO_MANGLE (-150)  /* our forward_mark chain */

enum result { R_CONTINUE, R_PASS, R_DROP, R_UNKNOWN };

struct eval {
	const struct coexist_ruleset *rs;
	const struct coexist_chain *assume;  /* our rule is taken to be at the head of this chain */
	const struct coexist_chain *why;     /* where the drop happened */
	size_t why_rule;                /* its 1-based position, 0: the base chain's policy */
};

static enum result chain_eval(struct eval *ev, const struct coexist_chain *c, int depth)
{
	if (depth > MAX_DEPTH)
		return R_UNKNOWN;
	if (c == ev->assume)
		return R_PASS;
	for (size_t i = 0; i < c->n_rules; i++) {
		const struct coexist_rule *r = &c->rules[i];
		const struct coexist_chain *t;
		enum result res;

		if (!r->sure)
			continue;
		switch (r->verdict) {
		case COEXIST_V_NONE:
			continue;
		case COEXIST_V_ACCEPT:
			return R_PASS;
		case COEXIST_V_DROP:
			ev->why = c;
			ev->why_rule = i + 1;
			return R_DROP;
		case COEXIST_V_RETURN:
			return R_CONTINUE;
		case COEXIST_V_OTHER:
			return R_UNKNOWN;
		case COEXIST_V_JUMP:
		case COEXIST_V_GOTO:
			t = coexist_parse_chain_find(ev->rs, c->backend, c->family, c->table, r->target);
			if (!t)
				continue;       /* iptables: a target extension, not a chain */
			res = chain_eval(ev, t, depth + 1);
			if (res != R_CONTINUE || r->verdict == COEXIST_V_GOTO)
				return res;
			continue;
		}
	}
	return R_CONTINUE;
}

static enum result base_eval(struct eval *ev, const struct coexist_chain *c)
{
	enum result res;

	ev->why = NULL;
	ev->why_rule = 0;
	res = chain_eval(ev, c, 0);
	if (res != R_CONTINUE)
		return res;
	if (!c->policy_drop)
		return R_PASS;
	ev->why = c;
	return R_DROP;
}

void coexist_plan_mark_format(char *buf, size_t len, uint32_t mark, uint32_t mask)
{
	snprintf(buf, len, "0x%" PRIx32 "/0x%" PRIx32, mark, mask);
}

static bool is_iptables(const struct coexist_chain *c)
{
	return c->backend == COEXIST_LEGACY || (!strcmp(c->family, "ip") && !strcmp(c->table, "filter") &&
					   !strcmp(c->name, "FORWARD"));
}

static const char *iptables_cmd(const struct coexist_chain *c)
{
	return c->backend == COEXIST_LEGACY ? "iptables-legacy" : "iptables";
}

static void chain_describe(char *buf, size_t len, const struct coexist_chain *c)
{
	if (is_iptables(c))
		snprintf(buf, len, "%s filter FORWARD", c->backend == COEXIST_LEGACY ?
			 "iptables-legacy" : "iptables-nft");
	else
		snprintf(buf, len, "table %s %s chain %s (hook forward, priority %d)", c->family,
			 c->table, c->name, c->prio);
}

static void why_describe(char *buf, size_t len, const struct eval *ev)
{
	if (!ev->why_rule)
		snprintf(buf, len, "policy drop");
	else if (ev->why->backend == COEXIST_LEGACY)
		snprintf(buf, len, "rule %zu of chain %s drops every packet", ev->why_rule,
			 ev->why->name);
	else
		snprintf(buf, len, "rule handle %" PRIu64 " of chain %s drops every packet",
			 ev->why->rules[ev->why_rule - 1].handle, ev->why->name);
}

static void remedy(char *buf, size_t len, const struct coexist_plan_conf *conf, const struct coexist_chain *c,
		   const struct coexist_chain *user)
{
	char mark[32];

	coexist_plan_mark_format(mark, sizeof(mark), conf->mark, conf->mask);
	if (user)
		snprintf(buf, len, "COEXIST=report: add it yourself: %s -I %s -m mark --mark %s "
			 "-j ACCEPT", iptables_cmd(c), COEXIST_USER_CHAIN, mark);
	else if (is_iptables(c))
		snprintf(buf, len, "there is no %s chain to add to: run %s -I FORWARD -m mark "
			 "--mark %s -j ACCEPT, or accept that mark in the tool that manages this "
			 "firewall", COEXIST_USER_CHAIN, iptables_cmd(c), mark);
	else if (!strcmp(c->table, "docker-bridges"))
		snprintf(buf, len, "Docker sets this policy when it turns IP forwarding on itself: "
			 "set \"ip-forward-no-drop\": true in /etc/docker/daemon.json and restart "
			 "Docker (its own tables must not be edited)");
	else    /* the packet mark is set at priority mangle, the conntrack mark before */
		snprintf(buf, len, "accept the agent's mark before it drops, e.g. nft insert rule "
			 "%s %s %s %s mark and 0x%08x == 0x%08x accept, or in the tool that manages "
			 "that table", c->family, c->table, c->name, c->prio > COEXIST_PRIO_MANGLE ?
			 "meta" : "ct", conf->mask, conf->mark);
}

static void blocked_add(struct coexist_plan *plan, const struct coexist_plan_conf *conf, const struct eval *ev,
			const struct coexist_chain *c, const struct coexist_chain *user)
{
	char what[COEXIST_NAME_LEN * 2 + 64], why[COEXIST_NAME_LEN + 64], fix[512];
	size_t used = strlen(plan->error);

	chain_describe(what, sizeof(what), c);
	why_describe(why, sizeof(why), ev);
	remedy(fix, sizeof(fix), conf, c, user);
	plan->n_blocking++;
	if (used + 8 >= sizeof(plan->error))
		return;
	/* a long list is cut: the first chains are named in full */
	if (snprintf(plan->error + used, sizeof(plan->error) - used, "%s%s drops forwarded "
		     "traffic (%s), so forwards do not pass; %s", used ? "; " : "firewall: ",
		     what, why, fix) < 0)
		plan->error[used] = '\0';
}

/* Our rules in DOCKER-USER that carry another mark (FORWARD_MARK changed): to delete. */
static void stale_find(const struct coexist_ruleset *rs, struct coexist_plan *plan)
{
	for (size_t i = 0; i < rs->n; i++) {
		const struct coexist_chain *c = &rs->v[i];
		if (strcmp(c->family, "ip") || strcmp(c->table, "filter") ||
		    strcmp(c->name, COEXIST_USER_CHAIN))
			continue;
		for (size_t k = 0; k < c->n_rules; k++) {
			const struct coexist_rule *r = &c->rules[k];
			if (!r->ours || r->our_mark)
				continue;
			if (c->backend == COEXIST_NFT && plan->n_del_nft < 8)
				plan->del_nft[plan->n_del_nft++] = r->handle;
			if (c->backend == COEXIST_LEGACY && r->mask && plan->n_del_legacy < 8) {
				plan->del_legacy[plan->n_del_legacy][0] = r->mark;
				plan->del_legacy[plan->n_del_legacy++][1] = r->mask;
			}
		}
	}
}

int coexist_plan_conf_init(struct coexist_plan_conf *conf, const char *table, uint32_t mark, uint32_t mask)
{
	size_t n = table ? strlen(table) : 0;

	if (!n || n > 32 || strspn(table, "abcdefghijklmnopqrstuvwxyz0123456789_") != n ||
	    (mark & ~mask))
		return -EINVAL;
	conf->table = table;
	conf->mark = mark;
	conf->mask = mask;
	snprintf(conf->comment, sizeof(conf->comment), "edge-agent:%s", table);
	return 0;
}

void coexist_plan_make(const struct coexist_ruleset *rs, const struct coexist_plan_conf *conf, bool may_add,
		  struct coexist_plan *plan)
{
	struct eval ev = { .rs = rs };

	memset(plan, 0, sizeof(*plan));
	for (size_t i = 0; i < rs->n; i++) {
		const struct coexist_chain *c = &rs->v[i], *user;

		if (!c->forward_hook || (!strcmp(c->family, "inet") && !strcmp(c->table, conf->table)))
			continue;
		plan->n_checked++;
		ev.assume = NULL;
		if (base_eval(&ev, c) != R_DROP)
			continue;
		user = NULL;
		if (!strcmp(c->family, "ip") && !strcmp(c->table, "filter"))
			user = coexist_parse_chain_find(rs, c->backend, "ip", "filter", COEXIST_USER_CHAIN);
		if (user) {
			struct eval fixed = { .rs = rs, .assume = user };
			if (base_eval(&fixed, c) != R_PASS)
				user = NULL;
		}
		if (user && may_add) {
			if (c->backend == COEXIST_NFT)
				plan->add_nft = true;
			else
				plan->add_legacy = true;
			continue;
		}
		base_eval(&ev, c);
		blocked_add(plan, conf, &ev, c, user);
	}
	stale_find(rs, plan);
}

void coexist_plan_render_add(struct strbuf *sb, const struct coexist_plan_conf *conf)
{
	/* iptables-nft reads this back as -m mark --mark V/M -m comment --comment C -j ACCEPT */
	strbuf_printf(sb, "insert rule ip filter %s meta mark and 0x%08x == 0x%08x counter accept "
		      "comment \"%s\"\n", COEXIST_USER_CHAIN, conf->mask, conf->mark, conf->comment);
}

void coexist_plan_render_del(struct strbuf *sb, const uint64_t *handles, size_t n)
{
	for (size_t i = 0; i < n; i++)
		strbuf_printf(sb, "delete rule ip filter %s handle %" PRIu64 "\n", COEXIST_USER_CHAIN,
			      handles[i]);
}
