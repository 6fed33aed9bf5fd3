/* `edge-agent cleanup`: removes the agent's table and every rule it added elsewhere. */
#include <stdio.h>
#include <string.h>

#include "agent_int.h"
#include "coexist.h"
#include "nft_apply.h"
#include "nft_watch.h"
#include "pst.h"

int agent_cleanup(int argc, char **argv)
{
	struct coexist_conf cc;
	struct config cfg;
	struct nft *nft = NULL;
	char err[ERR_LEN], cmd[64];
	int ret, n;

	memset(&cfg, 0, sizeof(cfg));
	ret = config_load(&cfg, argc, argv, err, sizeof(err));
	if (ret) {
		if (ret < 0)
			fprintf(stderr, "edge-agent cleanup: %s\n", err);
		config_free(&cfg);
		return ret < 0 ? 2 : 0;
	}
	cc = (struct coexist_conf){ .table = cfg.nft_table, .mark = cfg.forward_mark,
				    .mask = cfg.forward_mark_mask };
	n = coexist_cleanup(&cc, err, sizeof(err));
	if (n < 0)
		fprintf(stderr, "edge-agent cleanup: %s\n", err);
	else
		fprintf(stderr, "edge-agent cleanup: removed %d rule(s) outside table inet %s\n", n,
			cfg.nft_table);
	ret = n < 0;
	if (nft_table_exists("inet", cfg.nft_table) == 1) {
		snprintf(cmd, sizeof(cmd), "delete table inet %s\n", cfg.nft_table);
		if (nft_open(&nft) || nft_apply(nft, cmd, err, sizeof(err))) {
			fprintf(stderr, "edge-agent cleanup: table inet %s: %s\n", cfg.nft_table, err);
			ret = 1;
		} else {
			fprintf(stderr, "edge-agent cleanup: deleted table inet %s\n", cfg.nft_table);
		}
		nft_close(nft);
	}
	if (pst_remove(cfg.nft_table, err, sizeof(err))) {
		fprintf(stderr, "edge-agent cleanup: %s\n", err);
		ret = 1;
	} else {
		fprintf(stderr, "edge-agent cleanup: removed the tunnel %s, its rules and tables\n",
			PST_IFNAME);
	}
	config_free(&cfg);
	return ret;
}

