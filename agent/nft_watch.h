/* Notices when someone else changes or deletes our table (nftables netlink events). */
#ifndef EDGE_NFT_WATCH_H
#define EDGE_NFT_WATCH_H

#include <stdbool.h>

struct nft_watch;

int nft_watch_open(struct nft_watch **out, const char *family, const char *table);
void nft_watch_close(struct nft_watch *w);
int nft_watch_fd(const struct nft_watch *w);
/*
 * Drains pending events. Returns 1 when a transaction made by another process touched
 * our table (or flushed the ruleset), 0 when not, -errno on error (e.g. ENOBUFS: events
 * lost, treat as touched).
 */
int nft_watch_read(struct nft_watch *w);
/* 1 if the table exists, 0 if not, -errno. A cheap netlink GETTABLE. */
int nft_table_exists(const char *family, const char *table);

#endif
