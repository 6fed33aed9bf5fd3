#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "nft_sets.h"

#define ELEMS_PER_LINE 256

struct nft_set_have {
	long refs;
	unsigned version;
	char id[];
};

static const struct cidr_list empty;

static struct nft_sets_entry *entry_of(struct nft_sets *ns, struct nft_sets_plan *p,
				       const char *id)
{
	struct nft_sets_entry *v;
	const struct nft_set_have *h;

	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->v[i].id, id))
			return &p->v[i];
	v = array_grow(p->v, &p->cap, p->n + 1, sizeof(*v), 8);
	if (!v)
		return NULL;
	p->v = v;
	v = &p->v[p->n++];
	memset(v, 0, sizeof(*v));
	snprintf(v->id, sizeof(v->id), "%s", id);
	h = p->full ? NULL : hmap_get(&ns->have, id);
	v->before = v->after = h ? h->refs : 0;
	v->version = h ? h->version : 0;
	return v;
}

static int count(struct nft_sets *ns, struct nft_sets_plan *p, const struct object *o, long d)
{
	struct nft_sets_entry *e;

	for (size_t i = 0; o && i < o->fwd.n_allow_sets; i++) {
		if (!(e = entry_of(ns, p, o->fwd.allow_sets[i])))
			return -ENOMEM;
		e->after += d;
	}
	return 0;
}

static int op_add(struct nft_sets_plan *p, const char *id, const struct cidr_list *nets,
		  bool create)
{
	struct nft_set_op *v = realloc(p->ops, (p->n_ops + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	p->ops = v;
	p->ops[p->n_ops++] = (struct nft_set_op){ id, nets, create };
	return 0;
}

/* Sets in use whose contents changed, while no forward naming them did. */
static int changed_sets(struct nft_sets *ns, struct nft_sets_plan *p)
{
	hmap_each(&ns->have, it) {
		const struct nft_set_have *h = it->val;
		if (h->refs > 0 && !entry_of(ns, p, h->id))
			return -ENOMEM;
	}
	return 0;
}

int nft_sets_plan(struct nft_sets *ns, const struct sets *sets, const struct fwd_change *ch,
		  size_t n, bool full, struct nft_sets_plan *p)
{
	const struct cidr_list *l;
	unsigned ver;
	int ret = 0;

	memset(p, 0, sizeof(*p));
	p->full = full;
	for (size_t i = 0; !ret && i < n; i++) {
		if (nft_render_health_only(&ch[i]))
			continue;
		if (!full)
			ret = count(ns, p, ch[i].old, -1);
		if (!ret)
			ret = count(ns, p, ch[i].new, 1);
	}
	if (!ret && ns->dirty && !full)
		ret = changed_sets(ns, p);
	for (size_t i = 0; !ret && i < p->n; i++) {
		struct nft_sets_entry *e = &p->v[i];
		l = sets ? sets_get(sets, e->id) : NULL;
		ver = sets ? sets_version(sets, e->id) : 0;
		if (e->after > 0 && (!e->before || full)) {
			ret = op_add(p, e->id, l ? l : &empty, true);
			e->version = ver;
		} else if (e->after > 0 && l && ver != e->version) {
			ret = op_add(p, e->id, l, false);
			e->version = ver;
		} else if (e->after <= 0 && e->before > 0) {
			ret = op_add(p, e->id, NULL, false);
		}
	}
	if (ret)
		nft_sets_plan_free(p);
	return ret;
}

int nft_sets_commit(struct nft_sets *ns, const struct nft_sets_plan *p)
{
	struct nft_set_have *h;

	if (p->full)
		nft_sets_free(ns);
	for (size_t i = 0; i < p->n; i++) {
		const struct nft_sets_entry *e = &p->v[i];
		h = hmap_get(&ns->have, e->id);
		if (e->after <= 0) {
			free(hmap_del(&ns->have, e->id));
			continue;
		}
		if (!h) {
			h = calloc(1, sizeof(*h) + strlen(e->id) + 1);
			if (!h)
				return -ENOMEM;
			strcpy(h->id, e->id);
			if (hmap_put(&ns->have, h->id, h)) {
				free(h);
				return -ENOMEM;
			}
		}
		h->refs = e->after;
		h->version = e->version;
	}
	ns->dirty = false;
	return 0;
}

void nft_sets_plan_free(struct nft_sets_plan *p)
{
	free(p->ops);
	free(p->v);
	memset(p, 0, sizeof(*p));
}

void nft_sets_free(struct nft_sets *ns)
{
	hmap_each(&ns->have, it)
		free(it->val);
	hmap_free(&ns->have);
	memset(&ns->have, 0, sizeof(ns->have));
}

/* IPv4 networks only: forwards are IPv4, a set may also serve IPv6 routes. */
void nft_sets_render_put(struct strbuf *sb, const struct nft_conf *conf,
			 const struct nft_set_op *op)
{
	char ip[INET_ADDRSTRLEN];
	size_t k = 0;

	if (op->create)
		strbuf_printf(sb, "add set inet %s s_%s { type ipv4_addr; flags interval; "
			      "auto-merge; }\n", conf->table, op->id);
	strbuf_printf(sb, "flush set inet %s s_%s\n", conf->table, op->id);
	for (size_t i = 0; i < op->nets->n; i++) {
		const struct cidr *c = &op->nets->v[i];
		if (c->family != AF_INET)
			continue;
		if (k++ % ELEMS_PER_LINE == 0)
			strbuf_printf(sb, "%sadd element inet %s s_%s { ", k > 1 ? " }\n" : "",
				      conf->table, op->id);
		else
			strbuf_puts(sb, ", ");
		inet_ntop(AF_INET, c->addr, ip, sizeof(ip));
		strbuf_printf(sb, "%s/%u", ip, c->prefix);
	}
	if (k)
		strbuf_puts(sb, " }\n");
}

void nft_sets_render_del(struct strbuf *sb, const struct nft_conf *conf, const char *id)
{
	strbuf_printf(sb, "delete set inet %s s_%s\n", conf->table, id);
}
