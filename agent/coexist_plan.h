/*
 * Coexistence, the pure part: what the forward hook of this host looks like (nftables
 * tables as libnftables JSON, iptables-legacy as iptables-save text), whether it drops
 * the agent's forwards, and what to do about it. No I/O; coexist.c is the edge.
 */
#ifndef EDGE_COEXIST_PLAN_H
#define EDGE_COEXIST_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"

#define COEXIST_NAME_LEN 128
#define COEXIST_MSG_LEN 1024
#define COEXIST_COMMENT_LEN 64
/* The chain Docker keeps for its users, jumped to first from the filter FORWARD chain. */
#define COEXIST_USER_CHAIN "DOCKER-USER"

enum coexist_backend { COEXIST_NFT, COEXIST_LEGACY };

enum coexist_verdict {
	COEXIST_V_NONE,              /* no verdict: evaluation goes on (counter, log, mark ...) */
	COEXIST_V_ACCEPT,
	COEXIST_V_DROP,              /* drop or reject */
	COEXIST_V_JUMP,
	COEXIST_V_GOTO,
	COEXIST_V_RETURN,
	COEXIST_V_OTHER,             /* a verdict we cannot judge (queue, an unknown target) */
};

struct coexist_rule {
	bool sure;              /* every packet of our forwards matches it */
	bool ours;              /* carries our comment */
	bool our_mark;          /* ...and matches exactly our mark (legacy: deletable by spec) */
	enum coexist_verdict verdict;
	char target[COEXIST_NAME_LEN];       /* jump/goto; "" when the name did not fit */
	uint64_t handle;        /* nftables only */
	uint32_t mark, mask;    /* legacy rules of ours: their --mark, to delete them by spec */
};

struct coexist_chain {
	enum coexist_backend backend;
	char family[8];         /* nftables family; "ip" for iptables-legacy */
	char table[COEXIST_NAME_LEN];
	char name[COEXIST_NAME_LEN];
	bool forward_hook;      /* a base chain on the forward hook */
	int prio;
	bool policy_drop;
	struct coexist_rule *rules;
	size_t n_rules, cap;
};

struct coexist_ruleset {
	struct coexist_chain *v;
	size_t n, cap;
};

/* What identifies our traffic and our rules. */
struct coexist_plan_conf {
	const char *table;      /* our own table (inet), never judged */
	uint32_t mark, mask;
	char comment[COEXIST_COMMENT_LEN];   /* "edge-agent:<table>" */
};

struct coexist_plan {
	bool add_nft;           /* insert our rule at the head of ip filter DOCKER-USER */
	bool add_legacy;        /* the same through iptables-legacy */
	uint64_t del_nft[8];    /* handles of stale rules of ours (another mark) */
	size_t n_del_nft;
	uint32_t del_legacy[8][2];      /* mark/mask of stale legacy rules of ours */
	size_t n_del_legacy;
	size_t n_checked;       /* forward-hook base chains looked at */
	size_t n_blocking;      /* that drop our forwards and that we leave alone */
	char error[COEXIST_MSG_LEN]; /* for the node status; "" when nothing drops our forwards */
};

/* Checks table (the agent's nftables table name) and mark within mask. 0 or -EINVAL. */
int coexist_plan_conf_init(struct coexist_plan_conf *conf, const char *table, uint32_t mark,
			   uint32_t mask);

/*
 * Judges every forward-hook base chain of rs (our own table excepted) for a packet of
 * one of our forwards: first packet and replies, carrying our mark and ct status dnat.
 * A rule whose match we cannot prove for that packet is assumed not to match it, so
 * only drop policies and unconditional drops are found. may_add: our rule may go into
 * DOCKER-USER (COEXIST=auto) when that makes the chain pass.
 */
void coexist_plan_make(const struct coexist_ruleset *rs, const struct coexist_plan_conf *conf,
		       bool may_add, struct coexist_plan *plan);

/* The nft command inserting our rule at the head of ip filter DOCKER-USER. */
void coexist_plan_render_add(struct strbuf *sb, const struct coexist_plan_conf *conf);
/* One nft transaction deleting these rules of ip filter DOCKER-USER. */
void coexist_plan_render_del(struct strbuf *sb, const uint64_t *handles, size_t n);
/* "0x00002000/0x00002000" */
void coexist_plan_mark_format(char *buf, size_t len, uint32_t mark, uint32_t mask);

#endif
