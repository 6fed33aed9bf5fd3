/* The preserve_source tunnel kept equal to the mesh: links first, then its two tables. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fnv.h"
#include "log.h"
#include "nft_apply.h"
#include "nft_watch.h"
#include "pst.h"
#include "pst_link.h"

struct pst {
	struct nft *nft;
	uint64_t applied;       /* hash of the last text applied with success, 0: none */
	unsigned ifindex;       /* the link it was applied to */
};

static bool tables_present(const char *table)
{
	char name[96];

	snprintf(name, sizeof(name), "%s_pst", table);
	return nft_table_exists("netdev", name) == 1 && nft_table_exists("inet", name) == 1;
}

int pst_apply(struct pst **ps, const char *table, const char *wg_ifname,
	      const struct wg_join *j, const struct cidr *net, char *err, size_t errlen)
{
	struct pst_plan plan;
	struct strbuf sb;
	unsigned ifindex = 0;
	uint64_t h;
	int ret;

	strbuf_init(&sb);
	err[0] = '\0';
	if (!*ps && !(*ps = calloc(1, sizeof(**ps))))
		return -ENOMEM;
	ret = pst_plan_make(j, net, wg_ifname, &plan);
	if (ret) {
		snprintf(err, errlen, "tunnel %s: no IPv4 mesh address: %s", PST_IFNAME, strerror(-ret));
		goto out;
	}
	ret = pst_link_ensure(&plan, &ifindex, err, errlen);
	if (!ret)
		ret = pst_render(&sb, table, &plan);
	if (ret)
		goto out;
	h = fnv_hash(sb.buf, sb.len);
	if (h == (*ps)->applied && ifindex == (*ps)->ifindex && tables_present(table))
		goto out;
	ret = pst_link_sync(ifindex, &plan, err, errlen);
	if (ret)
		goto out;
	if (!(*ps)->nft && (ret = nft_available() ? -EOPNOTSUPP : nft_open(&(*ps)->nft))) {
		snprintf(err, errlen, "tunnel %s: no nftables: %s", PST_IFNAME, strerror(-ret));
		goto out;
	}
	ret = nft_apply((*ps)->nft, sb.buf, err, errlen);
	if (ret)
		goto out;
	log_info("tunnel %s: %zu peer(s), replies marked by the mesh network", PST_IFNAME,
		 plan.n_peers);
	(*ps)->applied = h;
	(*ps)->ifindex = ifindex;
out:
	if (ret && !err[0])
		snprintf(err, errlen, "tunnel %s: %s", PST_IFNAME, strerror(-ret));
	if (ret)
		(*ps)->applied = 0;
	pst_plan_free(&plan);
	strbuf_free(&sb);
	return ret;
}

void pst_close(struct pst *ps)
{
	if (!ps)
		return;
	nft_close(ps->nft);
	free(ps);
}

int pst_remove(const char *table, char *err, size_t errlen)
{
	struct nft *nft = NULL;
	struct strbuf sb;
	int ret = pst_link_remove(err, errlen), r;

	strbuf_init(&sb);
	pst_render_delete(&sb, table);
	if (nft_available() == 0 && !nft_open(&nft)) {
		r = nft_apply(nft, sb.buf, err, errlen);
		if (r && !ret)
			ret = r;
	}
	nft_close(nft);
	strbuf_free(&sb);
	return ret;
}
