/* Notices when someone else changes or deletes our table (nftables netlink events). */
#ifndef EDGE_NFT_WATCH_H
#define EDGE_NFT_WATCH_H

#include <stdbool.h>

struct nft_watch;

int nft_watch_open(struct nft_watch **out, const char *family, const char *table);
void nft_watch_close(struct nft_watch *w);
int nft_watch_fd(const struct nft_watch *w);
/*
 * Drains pending events. Returns 1 when a transaction made by someone else touched our
 * table (or flushed the ruleset), 0 when not, -errno on error (e.g. ENOBUFS: events
 * lost, treat as touched).
 */
int nft_watch_read(struct nft_watch *w);
/*
 * Call after each successful apply of ours, before the next nft_watch_read; w may be
 * NULL. A transaction is ours when the kernel stamped its NEWGEN with the netlink port
 * id of one of this process's nfnetlink sockets (libnftables keeps one per context),
 * found in /proc/self/fd at the first apply and again when an event names one not known. Unlike NFTA_GEN_PROC_PID, a host PID that is not our
 * getpid() inside a PID namespace, that is exact. Only when no such socket is found
 * (no /proc) does the ruleset generation stand in, asked for with GETGEN: a foreign
 * commit between our apply and this call is then taken for ours and goes unreported;
 * the periodic nft_table_exists check still catches a deleted table.
 */
void nft_watch_note_own(struct nft_watch *w);
/* 1 if the table exists, 0 if not, -errno. A cheap netlink GETTABLE. */
int nft_table_exists(const char *family, const char *table);

#endif
