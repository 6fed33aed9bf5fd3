#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nftables/libnftables.h>

#include "coexist.h"
#include "coexist_legacy.h"
#include "coexist_parse.h"
#include "coexist_plan.h"
#include "log.h"
#include "nft_apply.h"
#include "nft_watch.h"

#define PERIOD_MS 5000          /* full check: other tables have no watch */
#define LEGACY_POLL_MS 1000     /* iptables-legacy has no events: its table's stamp is polled */
#define DEBOUNCE_MS 100         /* iptables-nft users change ip filter in bursts */
#define ERR_BUF 512

struct coexist {
	struct coexist_conf conf;
	struct coexist_plan_conf cx;
	char table[33];
	struct nft_ctx *json;           /* reads, with JSON output, during a check only */
	struct nft *nft;                /* writes, made at the first */
	struct nft_watch *watch;        /* table ip filter, where iptables-nft keeps FORWARD */
	int64_t due_ms;
	int64_t legacy_ms;              /* next stamp poll */
	uint64_t legacy_stamp;
	char error[COEXIST_MSG_LEN];
	char summary[256];
};

int coexist_mark_parse(const char *s, uint32_t *mark, uint32_t *mask)
{
	unsigned long v, m;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 0);
	m = v;
	if (*end == '/') {
		if (end[1] < '0' || end[1] > '9')
			return -EINVAL;
		m = strtoul(end + 1, &end, 0);
	}
	if (errno || *end || !v || v > UINT32_MAX || m > UINT32_MAX || (v & ~m))
		return -EINVAL;
	*mark = (uint32_t)v;
	*mask = (uint32_t)m;
	return 0;
}

int coexist_mode_parse(const char *s, enum coexist_mode *out)
{
	static const char *const names[] = { [COEXIST_AUTO] = "auto", [COEXIST_REPORT] = "report",
					     [COEXIST_OFF] = "off" };

	for (int i = 0; i < 3; i++)
		if (s && !strcmp(s, names[i])) {
			*out = (enum coexist_mode)i;
			return 0;
		}
	return -EINVAL;
}

static struct nft_ctx *json_ctx_new(void)
{
	struct nft_ctx *ctx = nft_available() ? NULL : nft_ctx_new(NFT_CTX_DEFAULT);

	if (!ctx)
		return NULL;
	nft_ctx_output_set_flags(ctx, NFT_CTX_OUTPUT_JSON | NFT_CTX_OUTPUT_HANDLE);
	if (nft_ctx_buffer_output(ctx) || nft_ctx_buffer_error(ctx)) {
		nft_ctx_free(ctx);
		return NULL;
	}
	return ctx;
}

/* The JSON listing of cmd, valid until the next command on ctx; NULL with err on failure. */
static const char *json_list(struct nft_ctx *ctx, const char *cmd, char *err, size_t errlen)
{
	int ret = nft_run_cmd_from_buffer(ctx, cmd);
	const char *out = nft_ctx_get_output_buffer(ctx);
	const char *msg = nft_ctx_get_error_buffer(ctx);

	if (!ret && out)
		return out;
	snprintf(err, errlen, "nft %s: %.*s", cmd, msg ? (int)strcspn(msg, "\n") : 0, msg ? msg : "");
	return NULL;
}

/* nft 1.0.6 takes no quoted table names: only tables we can name are listed. */
static bool ident_ok(const char *s)
{
	size_t n = strlen(s);

	return n && n < 64 && strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_", s[0]) &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

static bool table_listed(const struct coexist_ruleset *rs, const char *family, const char *table)
{
	for (size_t i = 0; i < rs->n; i++)
		if (rs->v[i].backend == COEXIST_NFT && !strcmp(rs->v[i].family, family) &&
		    !strcmp(rs->v[i].table, table))
			return true;
	return false;
}

/* Every table with a forward-hook base chain (ours excepted), whole. */
static int nft_read(struct nft_ctx *ctx, const struct coexist_plan_conf *cx, struct coexist_ruleset *rs,
		    char *err, size_t errlen)
{
	struct coexist_ruleset chains = { 0 };
	char cmd[160], e[256];
	const char *out;
	int ret;

	out = json_list(ctx, "list chains", err, errlen);
	if (!out)
		return -EIO;
	ret = coexist_parse_nft_json(&chains, cx, out);
	for (size_t i = 0; i < chains.n && !ret; i++) {
		const struct coexist_chain *c = &chains.v[i];
		if (!c->forward_hook || (!strcmp(c->family, "inet") && !strcmp(c->table, cx->table)) ||
		    table_listed(rs, c->family, c->table))
			continue;
		if (!ident_ok(c->table)) {
			log_debug("firewall: table %s %s has a name nft cannot list; not judged",
				  c->family, c->table);
			continue;
		}
		snprintf(cmd, sizeof(cmd), "list table %s %s", c->family, c->table);
		out = json_list(ctx, cmd, e, sizeof(e));
		if (out)        /* else it went away meanwhile */
			ret = coexist_parse_nft_json(rs, cx, out);
	}
	coexist_parse_free(&chains);
	if (ret)
		snprintf(err, errlen, "cannot read the nftables listing (%s)", strerror(-ret));
	return ret;
}

static int legacy_read(const struct coexist_plan_conf *cx, struct coexist_ruleset *rs, char *err, size_t errlen)
{
	struct strbuf sb;
	int ret;

	strbuf_init(&sb);
	ret = coexist_legacy_save(&sb, err, errlen);
	if (!ret)
		ret = coexist_parse_iptables_save(rs, cx, sb.buf ? sb.buf : "");
	strbuf_free(&sb);
	return ret;
}

int coexist_open(struct coexist **out, const struct coexist_conf *conf)
{
	struct coexist *cx = calloc(1, sizeof(*cx));
	int ret;

	if (!cx)
		return -ENOMEM;
	cx->conf = *conf;
	snprintf(cx->table, sizeof(cx->table), "%s", conf->table ? conf->table : "");
	cx->conf.table = cx->table;
	ret = coexist_plan_conf_init(&cx->cx, cx->table, conf->mark, conf->mask);
	if (ret)
		goto fail;
	cx->due_ms = 1;
	cx->legacy_ms = 1;
	if (conf->mode != COEXIST_OFF) {
		/* the contexts are made when used: each holds 128 KiB hash tables per table cached */
		ret = nft_available();
		if (ret)
			goto fail;
		if (nft_watch_open(&cx->watch, "ip", "filter"))
			log_warn("firewall: cannot watch table ip filter; checking every %d s",
				 PERIOD_MS / 1000);
	}
	*out = cx;
	return 0;
fail:
	coexist_close(cx);
	return ret;
}

void coexist_close(struct coexist *cx)
{
	if (!cx)
		return;
	nft_watch_close(cx->watch);
	nft_close(cx->nft);
	if (cx->json)
		nft_ctx_free(cx->json);
	free(cx);
}

int coexist_fd(const struct coexist *cx)
{
	return cx && cx->watch ? nft_watch_fd(cx->watch) : -1;
}

void coexist_kick(struct coexist *cx, int64_t now_ms)
{
	if (cx && cx->conf.mode != COEXIST_OFF && cx->due_ms > now_ms + DEBOUNCE_MS)
		cx->due_ms = now_ms + DEBOUNCE_MS;
}

void coexist_handle(struct coexist *cx, int64_t now_ms)
{
	if (cx && cx->watch && nft_watch_read(cx->watch) != 0)
		coexist_kick(cx, now_ms);
}

bool coexist_full_due(const struct coexist *cx, int64_t now_ms)
{
	return cx && cx->conf.mode != COEXIST_OFF && now_ms >= cx->due_ms;
}

int64_t coexist_due_ms(const struct coexist *cx)
{
	if (!cx || cx->conf.mode == COEXIST_OFF)
		return 0;
	return cx->legacy_ms < cx->due_ms ? cx->legacy_ms : cx->due_ms;
}

/* A change in the legacy filter table (someone removed our rule) makes the check due. */
static void legacy_poll(struct coexist *cx, int64_t now_ms)
{
	uint64_t stamp;

	if (now_ms < cx->legacy_ms)
		return;
	cx->legacy_ms = now_ms + LEGACY_POLL_MS;
	stamp = coexist_legacy_stamp();
	if (stamp != cx->legacy_stamp) {
		cx->legacy_stamp = stamp;
		cx->due_ms = now_ms;
	}
}

const char *coexist_error(const struct coexist *cx)
{
	return cx ? cx->error : "";
}

static void __attribute__((format(printf, 3, 4)))
error_add(char *buf, size_t len, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;

	if (used && used + 2 < len)
		strcpy(buf + used, "; ");
	used = strlen(buf);
	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

static bool ours_present(const struct coexist_ruleset *rs, enum coexist_backend b)
{
	const struct coexist_chain *c = coexist_parse_chain_find(rs, b, "ip", "filter", COEXIST_USER_CHAIN);

	for (size_t i = 0; c && i < c->n_rules; i++)
		if (c->rules[i].ours && c->rules[i].our_mark)
			return true;
	return false;
}

/* Carries out the plan; returns which backends then hold our rule (bit 0 nft, 1 legacy). */
static unsigned plan_apply(struct coexist *cx, const struct coexist_plan *plan, const struct coexist_ruleset *rs)
{
	unsigned have = (ours_present(rs, COEXIST_NFT) ? 1 : 0) | (ours_present(rs, COEXIST_LEGACY) ? 2 : 0);
	char e[ERR_BUF], mark[32];
	struct strbuf sb;

	coexist_plan_mark_format(mark, sizeof(mark), cx->cx.mark, cx->cx.mask);
	if ((plan->add_nft || plan->n_del_nft) && !cx->nft && nft_open(&cx->nft))
		error_add(cx->error, sizeof(cx->error), "firewall: cannot change ip filter "
			  "DOCKER-USER: no nftables context");
	else if (plan->add_nft || plan->n_del_nft) {
		strbuf_init(&sb);
		coexist_plan_render_del(&sb, plan->del_nft, plan->n_del_nft);
		if (plan->add_nft)
			coexist_plan_render_add(&sb, &cx->cx);
		if (sb.err || nft_apply(cx->nft, sb.buf, e, sizeof(e)))
			error_add(cx->error, sizeof(cx->error), "firewall: cannot change ip filter "
				  "DOCKER-USER (iptables-nft) to accept mark %s: %s", mark, sb.err ?
				  strerror(-sb.err) : e);
		else if (plan->add_nft)
			have |= 1;
		nft_watch_note_own(cx->watch);
		strbuf_free(&sb);
		if (plan->add_nft && (have & 1))
			log_info("firewall: iptables-nft filter FORWARD drops forwards; added a rule "
				 "accepting mark %s at the head of DOCKER-USER (comment %s)", mark,
				 cx->cx.comment);
	}
	for (size_t i = 0; i < plan->n_del_legacy; i++)
		if (coexist_legacy_rule(false, &cx->cx, plan->del_legacy[i][0], plan->del_legacy[i][1],
				   e, sizeof(e)))
			log_warn("firewall: cannot remove a stale rule of ours: %s", e);
	if (plan->add_legacy) {
		if (coexist_legacy_rule(true, &cx->cx, cx->cx.mark, cx->cx.mask, e, sizeof(e))) {
			error_add(cx->error, sizeof(cx->error), "firewall: cannot add a rule accepting "
				  "mark %s to iptables-legacy DOCKER-USER: %s", mark, e);
		} else {
			have |= 2;
			log_info("firewall: iptables-legacy filter FORWARD drops forwards; added a rule "
				 "accepting mark %s at the head of DOCKER-USER (comment %s)", mark,
				 cx->cx.comment);
		}
	}
	return have;
}

bool coexist_run(struct coexist *cx, int64_t now_ms)
{
	struct coexist_ruleset rs = { 0 };
	char prev[COEXIST_MSG_LEN], err[ERR_BUF] = "", mark[32];
	struct coexist_plan plan;
	unsigned have;

	if (!cx || cx->conf.mode == COEXIST_OFF)
		return false;
	legacy_poll(cx, now_ms);
	if (now_ms < cx->due_ms)
		return false;
	cx->due_ms = now_ms + PERIOD_MS;
	memcpy(prev, cx->error, sizeof(prev));
	cx->error[0] = '\0';
	cx->json = json_ctx_new();
	if (!cx->json)
		snprintf(err, sizeof(err), "no nftables context");
	if (!cx->json || nft_read(cx->json, &cx->cx, &rs, err, sizeof(err))) {
		error_add(cx->error, sizeof(cx->error), "firewall: %s: cannot tell whether "
			  "forwards pass", err);
		goto out;
	}
	if (coexist_legacy_loaded() && legacy_read(&cx->cx, &rs, err, sizeof(err)))
		error_add(cx->error, sizeof(cx->error), "firewall: %s: cannot tell whether "
			  "iptables-legacy lets forwards pass", err);
	coexist_plan_make(&rs, &cx->cx, cx->conf.mode == COEXIST_AUTO, &plan);
	if (plan.error[0])
		error_add(cx->error, sizeof(cx->error), "%s", plan.error);
	have = cx->conf.mode == COEXIST_AUTO ? plan_apply(cx, &plan, &rs) : 0;
	if (plan.add_legacy || plan.n_del_legacy)
		cx->legacy_stamp = coexist_legacy_stamp();      /* our own change */
	coexist_plan_mark_format(mark, sizeof(mark), cx->cx.mark, cx->cx.mask);
	snprintf(cx->summary, sizeof(cx->summary), "%s%s%s%s", have ? "accepting mark " : "",
		 have ? mark : "", have & 1 ? " in iptables-nft DOCKER-USER" : "",
		 have & 2 ? (have & 1 ? " and iptables-legacy DOCKER-USER" :
			     " in iptables-legacy DOCKER-USER") : "");
out:
	if (cx->json)
		nft_ctx_free(cx->json);
	cx->json = NULL;
	coexist_parse_free(&rs);
	if (!strcmp(prev, cx->error))
		return false;
	if (cx->error[0])
		log_warn("%s", cx->error);
	else
		log_info("firewall: nothing on the forward hook drops forwards%s%s",
			 cx->summary[0] ? "; " : "", cx->summary);
	return true;
}

int coexist_cleanup(const struct coexist_conf *conf, char *err, size_t errlen)
{
	struct coexist_ruleset rs = { 0 };
	struct coexist_plan_conf cx;
	struct nft_ctx *ctx = NULL;
	struct nft *nft = NULL;
	struct coexist_chain *c;
	uint64_t handles[64];
	size_t n = 0;
	int ret, removed = 0;
	const char *out;
	char e[ERR_BUF];

	ret = coexist_plan_conf_init(&cx, conf->table, conf->mark, conf->mask);
	if (ret) {
		snprintf(err, errlen, "coexist: bad table name or mark");
		return ret;
	}
	ctx = json_ctx_new();
	if (!ctx || nft_open(&nft)) {
		ret = -ENOMEM;
		goto out;
	}
	/* no chain: nothing of ours there */
	out = json_list(ctx, "list chain ip filter " COEXIST_USER_CHAIN, e, sizeof(e));
	if (out && (ret = coexist_parse_nft_json(&rs, &cx, out))) {
		snprintf(err, errlen, "coexist: cannot read ip filter %s (%s)", COEXIST_USER_CHAIN,
			 strerror(-ret));
		goto out;
	}
	c = coexist_parse_chain_find(&rs, COEXIST_NFT, "ip", "filter", COEXIST_USER_CHAIN);
	for (size_t i = 0; !ret && c && i < c->n_rules && n < 64; i++)
		if (c->rules[i].ours)
			handles[n++] = c->rules[i].handle;
	if (n) {
		struct strbuf sb;
		strbuf_init(&sb);
		coexist_plan_render_del(&sb, handles, n);
		ret = sb.err ? sb.err : nft_apply(nft, sb.buf, e, sizeof(e));
		strbuf_free(&sb);
		if (ret) {
			snprintf(err, errlen, "coexist: removing our rules from ip filter %s: %s",
				 COEXIST_USER_CHAIN, e);
			goto out;
		}
		removed += (int)n;
	}
	if (!ret && coexist_legacy_loaded()) {
		ret = legacy_read(&cx, &rs, e, sizeof(e));
		c = coexist_parse_chain_find(&rs, COEXIST_LEGACY, "ip", "filter", COEXIST_USER_CHAIN);
		for (size_t i = 0; !ret && c && i < c->n_rules; i++) {
			if (!c->rules[i].ours)
				continue;
			ret = coexist_legacy_rule(false, &cx, c->rules[i].mark, c->rules[i].mask, e, sizeof(e));
			removed += !ret;
		}
		if (ret)
			snprintf(err, errlen, "coexist: iptables-legacy: %s", e);
	}
out:
	if (ret == -ENOMEM)
		snprintf(err, errlen, "coexist: out of memory");
	coexist_parse_free(&rs);
	nft_close(nft);
	if (ctx)
		nft_ctx_free(ctx);
	return ret ? ret : removed;
}
