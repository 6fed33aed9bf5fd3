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

#define CX_NAME_LEN 128
#define CX_MSG_LEN 1024
#define CX_COMMENT_LEN 64
/* The chain Docker keeps for its users, jumped to first from the filter FORWARD chain. */
#define CX_USER_CHAIN "DOCKER-USER"

enum cx_backend { CX_NFT, CX_LEGACY };

enum cx_verdict {
	CX_V_NONE,              /* no verdict: evaluation goes on (counter, log, mark ...) */
	CX_V_ACCEPT,
	CX_V_DROP,              /* drop or reject */
	CX_V_JUMP,
	CX_V_GOTO,
	CX_V_RETURN,
	CX_V_OTHER,             /* a verdict we cannot judge (queue, an unknown target) */
};

struct cx_rule {
	bool sure;              /* every packet of our forwards matches it */
	bool ours;              /* carries our comment */
	bool our_mark;          /* ...and matches exactly our mark (legacy: deletable by spec) */
	enum cx_verdict verdict;
	char target[CX_NAME_LEN];       /* jump/goto; "" when the name did not fit */
	uint64_t handle;        /* nftables only */
	uint32_t mark, mask;    /* legacy rules of ours: their --mark, to delete them by spec */
};

struct cx_chain {
	enum cx_backend backend;
	char family[8];         /* nftables family; "ip" for iptables-legacy */
	char table[CX_NAME_LEN];
	char name[CX_NAME_LEN];
	bool forward_hook;      /* a base chain on the forward hook */
	int prio;
	bool policy_drop;
	struct cx_rule *rules;
	size_t n_rules, cap;
};

struct cx_ruleset {
	struct cx_chain *v;
	size_t n, cap;
};

/* What identifies our traffic and our rules. */
struct cx_conf {
	const char *table;      /* our own table (inet), never judged */
	uint32_t mark, mask;
	char comment[CX_COMMENT_LEN];   /* "edge-agent:<table>" */
};

struct cx_plan {
	bool add_nft;           /* insert our rule at the head of ip filter DOCKER-USER */
	bool add_legacy;        /* the same through iptables-legacy */
	uint64_t del_nft[8];    /* handles of stale rules of ours (another mark) */
	size_t n_del_nft;
	uint32_t del_legacy[8][2];      /* mark/mask of stale legacy rules of ours */
	size_t n_del_legacy;
	size_t n_checked;       /* forward-hook base chains looked at */
	size_t n_blocking;      /* that drop our forwards and that we leave alone */
	char error[CX_MSG_LEN]; /* for the node status; "" when nothing drops our forwards */
};

int cx_conf_init(struct cx_conf *conf, const char *table, uint32_t mark, uint32_t mask);
void cx_ruleset_free(struct cx_ruleset *rs);
struct cx_chain *cx_chain_find(const struct cx_ruleset *rs, enum cx_backend b,
			       const char *family, const char *table, const char *name);

/*
 * Adds the chains and rules of a libnftables JSON listing (list chains, list table,
 * list ruleset...) to rs. Only families ip and inet are kept (IPv4 forwards), and only
 * forward-hook base chains among base chains. Returns 0, -EINVAL (not such a listing)
 * or -ENOMEM.
 */
int cx_parse_nft_json(struct cx_ruleset *rs, const struct cx_conf *conf, const char *json);
/* Adds the *filter table of iptables-save text to rs as backend CX_LEGACY. */
int cx_parse_iptables_save(struct cx_ruleset *rs, const struct cx_conf *conf, const char *text);

/*
 * Judges every forward-hook base chain of rs (our own table excepted) for a packet of
 * one of our forwards: first packet and replies, carrying our mark and ct status dnat.
 * A rule whose match we cannot prove for that packet is assumed not to match it, so
 * only drop policies and unconditional drops are found. may_add: our rule may go into
 * DOCKER-USER (COEXIST=auto) when that makes the chain pass.
 */
void cx_plan_make(const struct cx_ruleset *rs, const struct cx_conf *conf, bool may_add,
		  struct cx_plan *plan);

/* The nft command inserting our rule at the head of ip filter DOCKER-USER. */
void cx_render_nft_add(struct strbuf *sb, const struct cx_conf *conf);
/* One nft transaction deleting these rules of ip filter DOCKER-USER. */
void cx_render_nft_del(struct strbuf *sb, const uint64_t *handles, size_t n);
/* "0x00002000/0x00002000" */
void cx_mark_format(char *buf, size_t len, uint32_t mark, uint32_t mask);

#endif
