#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "array.h"
#include "coexist_parse.h"

void coexist_parse_free(struct coexist_ruleset *rs)
{
	for (size_t i = 0; i < rs->n; i++)
		free(rs->v[i].rules);
	free(rs->v);
	memset(rs, 0, sizeof(*rs));
}

struct coexist_chain *coexist_parse_chain_find(const struct coexist_ruleset *rs, enum coexist_backend b,
			       const char *family, const char *table, const char *name)
{
	for (size_t i = 0; i < rs->n; i++) {
		struct coexist_chain *c = &rs->v[i];
		if (c->backend == b && !strcmp(c->family, family) && !strcmp(c->table, table) &&
		    !strcmp(c->name, name))
			return c;
	}
	return NULL;
}

static bool name_fits(const char *s)
{
	return s && strlen(s) < COEXIST_NAME_LEN;
}

/* The chain, added when new. NULL on -ENOMEM or a name too long to keep. */
static struct coexist_chain *chain_get(struct coexist_ruleset *rs, enum coexist_backend b, const char *family,
				  const char *table, const char *name, int *err)
{
	struct coexist_chain *c;

	if (!name_fits(table) || !name_fits(name) || strlen(family) >= sizeof(c->family))
		return NULL;
	c = coexist_parse_chain_find(rs, b, family, table, name);
	if (c)
		return c;
	c = array_grow(rs->v, &rs->cap, rs->n + 1, sizeof(*c), 16);
	if (!c) {
		*err = -ENOMEM;
		return NULL;
	}
	rs->v = c;
	c = &rs->v[rs->n++];
	memset(c, 0, sizeof(*c));
	c->backend = b;
	strcpy(c->family, family);
	strcpy(c->table, table);
	strcpy(c->name, name);
	return c;
}

static int rule_add(struct coexist_chain *c, const struct coexist_rule *r)
{
	struct coexist_rule *v = array_grow(c->rules, &c->cap, c->n_rules + 1, sizeof(*v), 8);

	if (!v)
		return -ENOMEM;
	c->rules = v;
	c->rules[c->n_rules++] = *r;
	return 0;
}

static void target_set(struct coexist_rule *r, enum coexist_verdict v, const char *target)
{
	r->verdict = v;
	if (name_fits(target))
		strcpy(r->target, target);
	else
		r->verdict = COEXIST_V_OTHER;
}

/*
 * A mark test (value & m) op want is true for every packet of ours when the bits it
 * looks at are all ours and have our values (==), or one of ours differs (!=).
 */
static bool mark_sure(const struct coexist_plan_conf *conf, bool eq, uint32_t m, uint32_t want)
{
	if (eq)
		return !(m & ~conf->mask) && !((conf->mark ^ want) & m);
	return ((conf->mark ^ want) & m & conf->mask) != 0;
}

/* ---- libnftables JSON ---- */

static json_object *key(json_object *o, const char *k)
{
	json_object *v = NULL;

	return json_object_is_type(o, json_type_object) && json_object_object_get_ex(o, k, &v) ?
	       v : NULL;
}

static const char *str(json_object *o, const char *k)
{
	json_object *v = key(o, k);

	return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static bool is_key(json_object *o, const char *type, const char *name)
{
	const char *k = str(key(o, type), "key");

	return k && !strcmp(k, name);
}

static bool u32_get(json_object *o, uint32_t *out)
{
	int64_t v;

	if (!json_object_is_type(o, json_type_int))
		return false;
	v = json_object_get_int64(o);
	if (v < 0 || v > UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

static bool has_flag(json_object *o, const char *flag)
{
	if (json_object_is_type(o, json_type_string))
		return !strcmp(json_object_get_string(o), flag);
	if (!json_object_is_type(o, json_type_array))
		return false;
	for (size_t i = 0; i < json_object_array_length(o); i++)
		if (has_flag(json_object_array_get_idx(o, i), flag))
			return true;
	return false;
}

/* Our connections carry the mark in the conntrack mark, their packets in the packet mark. */
static bool is_mark(json_object *o)
{
	return is_key(o, "meta", "mark") || is_key(o, "ct", "mark");
}

static bool match_sure(json_object *m, const struct coexist_plan_conf *conf, bool *exact)
{
	const char *op = str(m, "op");
	json_object *left = key(m, "left"), *right = key(m, "right"), *and = key(left, "&");
	json_object *arg = NULL;
	uint32_t mask = UINT32_MAX, want;
	bool eq;

	if (!op || !right)
		return false;
	eq = !strcmp(op, "==");
	if (json_object_is_type(and, json_type_array) && json_object_array_length(and) == 2) {
		arg = json_object_array_get_idx(and, 0);
		if (is_key(arg, "ct", "status"))
			return eq && has_flag(json_object_array_get_idx(and, 1), "dnat") &&
			       has_flag(right, "dnat");
		if (!is_mark(arg) || !u32_get(json_object_array_get_idx(and, 1), &mask))
			return false;
	} else if (is_key(left, "ct", "status")) {
		return !strcmp(op, "in") && has_flag(right, "dnat");
	} else if (!is_mark(left)) {
		return false;
	}
	if ((!eq && strcmp(op, "!=")) || !u32_get(right, &want))
		return false;
	*exact = eq && mask == conf->mask && want == conf->mark;
	return mark_sure(conf, eq, mask, want);
}

static bool xt_target_neutral(const char *name)
{
	static const char *const names[] = { "LOG", "NFLOG", "MARK", "CONNMARK", "CT", "TCPMSS",
		"CHECKSUM", "CLASSIFY", "DSCP", "TOS", "TTL", "HL", "NOTRACK", "AUDIT", "TRACE",
		"SECMARK", "CONNSECMARK", "IDLETIMER", "LED", "SET", NULL };

	for (int i = 0; names[i]; i++)
		if (!strcmp(name, names[i]))
			return true;
	return false;
}

static void rule_classify(json_object *expr, const struct coexist_plan_conf *conf, struct coexist_rule *r)
{
	static const char *const neutral[] = { "counter", "log", "mangle", "notrack", "set",
		"flow", "dup", "ct helper", "ct timeout", "ct expectation", "continue", NULL };
	size_t n = json_object_array_length(expr);

	r->sure = true;
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(expr, i), *v = NULL;
		bool exact = false;
		const char *k = NULL, *name;
		int j;

		if (!json_object_is_type(e, json_type_object) || json_object_object_length(e) != 1) {
			r->sure = false;
			continue;
		}
		json_object_object_foreach(e, kk, vv) {
			k = kk;
			v = vv;
		}
		if (!strcmp(k, "match")) {
			if (!match_sure(v, conf, &exact))
				r->sure = false;
			r->our_mark |= exact;
		} else if (!strcmp(k, "accept")) {
			r->verdict = COEXIST_V_ACCEPT;
		} else if (!strcmp(k, "drop") || !strcmp(k, "reject")) {
			r->verdict = COEXIST_V_DROP;
		} else if (!strcmp(k, "return")) {
			r->verdict = COEXIST_V_RETURN;
		} else if (!strcmp(k, "jump") || !strcmp(k, "goto")) {
			target_set(r, k[0] == 'j' ? COEXIST_V_JUMP : COEXIST_V_GOTO, str(v, "target"));
		} else if (!strcmp(k, "xt")) {
			name = str(v, "name");
			if (!name || !str(v, "type"))
				r->sure = false;
			else if (!strcmp(str(v, "type"), "match"))
				r->sure &= !strcmp(name, "comment");
			else if (!strcmp(name, "REJECT"))
				r->verdict = COEXIST_V_DROP;
			else if (!xt_target_neutral(name))
				r->verdict = COEXIST_V_OTHER;
		} else if (!strcmp(k, "queue")) {
			r->verdict = COEXIST_V_OTHER;
		} else {
			for (j = 0; neutral[j] && strcmp(k, neutral[j]); j++)
				;
			if (!neutral[j])
				r->sure = false;        /* vmap, limit, quota, ct count ... */
		}
	}
}

static int json_chain(struct coexist_ruleset *rs, const struct coexist_plan_conf *conf, json_object *o)
{
	const char *family = str(o, "family"), *table = str(o, "table"), *name = str(o, "name");
	const char *hook = str(o, "hook"), *policy = str(o, "policy");
	struct coexist_chain *c;
	int err = 0;

	if (!family || !table || !name || (strcmp(family, "ip") && strcmp(family, "inet")))
		return 0;
	if (hook && strcmp(hook, "forward"))
		return 0;       /* other hooks never see our forwards' verdict */
	c = chain_get(rs, COEXIST_NFT, family, table, name, &err);
	if (!c || !hook)
		return err;
	c->forward_hook = true;
	c->prio = json_object_get_int(key(o, "prio"));
	c->policy_drop = policy && !strcmp(policy, "drop");
	return 0;
}

static int json_rule(struct coexist_ruleset *rs, const struct coexist_plan_conf *conf, json_object *o)
{
	const char *family = str(o, "family"), *table = str(o, "table"), *chain = str(o, "chain");
	const char *comment = str(o, "comment");
	json_object *expr = key(o, "expr");
	struct coexist_rule r = { 0 };
	struct coexist_chain *c;
	int err = 0;

	if (!family || !table || !chain || !json_object_is_type(expr, json_type_array))
		return 0;
	c = coexist_parse_chain_find(rs, COEXIST_NFT, family, table, chain);
	if (!c)
		return 0;       /* a base chain of another hook, or another family */
	rule_classify(expr, conf, &r);
	r.handle = (uint64_t)json_object_get_int64(key(o, "handle"));
	r.ours = comment && !strcmp(comment, conf->comment);
	err = rule_add(c, &r);
	return err;
}

int coexist_parse_nft_json(struct coexist_ruleset *rs, const struct coexist_plan_conf *conf, const char *json)
{
	json_object *root = json_tokener_parse(json), *list = key(root, "nftables");
	int ret = 0;
	size_t i, n;

	if (!json_object_is_type(list, json_type_array)) {
		json_object_put(root);
		return -EINVAL;
	}
	n = json_object_array_length(list);
	/* chains first: a listing may name a rule's chain after the rule */
	for (i = 0; i < n && !ret; i++)
		if (key(json_object_array_get_idx(list, i), "chain"))
			ret = json_chain(rs, conf, key(json_object_array_get_idx(list, i), "chain"));
	for (i = 0; i < n && !ret; i++)
		if (key(json_object_array_get_idx(list, i), "rule"))
			ret = json_rule(rs, conf, key(json_object_array_get_idx(list, i), "rule"));
	json_object_put(root);
	return ret;
}

/* ---- iptables-save ---- */

#define MAX_TOKENS 96

/* Splits one line into words; "..." quoting as iptables-save writes it (\" and \\). */
static int tokenize(char *line, char **tok)
{
	int n = 0;
	char *p = line, *w;

	while (*p && n < MAX_TOKENS) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		tok[n++] = w = p;
		if (*p == '"') {
			for (p++; *p && *p != '"'; p++) {
				if (*p == '\\' && p[1])
					p++;
				*w++ = *p;
			}
			if (*p)
				p++;
		} else {
			while (*p && *p != ' ' && *p != '\t')
				*w++ = *p++;
		}
		if (*p)
			p++;
		*w = '\0';
	}
	return n;
}

static bool mark_parse(const char *s, uint32_t *mark, uint32_t *mask)
{
	char *end;
	unsigned long v, m = UINT32_MAX;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (*end == '/')
		m = strtoul(end + 1, &end, 0);
	if (errno || *end || v > UINT32_MAX || m > UINT32_MAX || end == s)
		return false;
	*mark = (uint32_t)v;
	*mask = (uint32_t)m;
	return true;
}

static bool csv_has(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		if (!strncmp(p, word, n) && (p[n] == ',' || !p[n]))
			return true;
	return false;
}

static void save_classify(char **tok, int n, const struct coexist_plan_conf *conf, struct coexist_rule *r)
{
	bool neg = false;
	uint32_t m, mask;

	r->sure = true;
	for (int i = 0; i < n; i++) {
		const char *t = tok[i], *arg = i + 1 < n ? tok[i + 1] : "";

		if (!strcmp(t, "!")) {
			neg = true;
			continue;
		}
		if (!strcmp(t, "-j") || !strcmp(t, "-g")) {
			if (!strcmp(arg, "ACCEPT"))
				r->verdict = COEXIST_V_ACCEPT;
			else if (!strcmp(arg, "DROP") || !strcmp(arg, "REJECT"))
				r->verdict = COEXIST_V_DROP;
			else if (!strcmp(arg, "RETURN"))
				r->verdict = COEXIST_V_RETURN;
			else if (!strcmp(arg, "QUEUE") || !strcmp(arg, "NFQUEUE") || !strcmp(arg, "TPROXY"))
				r->verdict = COEXIST_V_OTHER;
			else    /* a chain, or a non-terminal target when no chain has that name */
				target_set(r, t[1] == 'j' ? COEXIST_V_JUMP : COEXIST_V_GOTO, arg);
			return; /* the rest are the target's options */
		}
		if (!strcmp(t, "-m")) {
			i++;
		} else if (!strcmp(t, "--comment")) {
			r->ours = !strcmp(arg, conf->comment);
			i++;
		} else if (!strcmp(t, "--mark") && mark_parse(arg, &m, &mask)) {
			r->sure &= !neg && mark_sure(conf, true, mask, m);
			if (!neg && m == conf->mark && mask == conf->mask)
				r->our_mark = true;
			r->mark = m;
			r->mask = mask;
			i++;
		} else if (!strcmp(t, "--ctstate")) {
			r->sure &= !neg && csv_has(arg, "DNAT");
			i++;
		} else {
			/* -i, -o, -s, -d, -p, --dport ...: a condition we do not prove */
			r->sure = false;
			if (arg[0] != '-' || !arg[1])
				i++;
		}
		neg = false;
	}
}

int coexist_parse_iptables_save(struct coexist_ruleset *rs, const struct coexist_plan_conf *conf, const char *text)
{
	char *copy = strdup(text), *line, *save = NULL, *tok[MAX_TOKENS];
	bool in_filter = false;
	int ret = 0, n;

	if (!copy)
		return -ENOMEM;
	for (line = strtok_r(copy, "\n", &save); line && !ret; line = strtok_r(NULL, "\n", &save)) {
		struct coexist_chain *c;
		struct coexist_rule r = { 0 };

		if (line[0] == '*') {
			in_filter = !strcmp(line, "*filter");
			continue;
		}
		if (!in_filter || line[0] == '#')
			continue;
		if (!strcmp(line, "COMMIT")) {
			in_filter = false;
			continue;
		}
		n = tokenize(line, tok);
		if (n >= 2 && tok[0][0] == ':') {
			c = chain_get(rs, COEXIST_LEGACY, "ip", "filter", tok[0] + 1, &ret);
			if (c && !strcmp(c->name, "FORWARD")) {
				c->forward_hook = true;
				c->policy_drop = !strcmp(tok[1], "DROP");
			}
		} else if (n >= 2 && !strcmp(tok[0], "-A")) {
			c = chain_get(rs, COEXIST_LEGACY, "ip", "filter", tok[1], &ret);
			if (!c)
				continue;
			save_classify(tok + 2, n - 2, conf, &r);
			ret = rule_add(c, &r);
		}
	}
	free(copy);
	return ret;
}
