/* The nftables edge: runs rendered transactions through libnftables. */
#ifndef EDGE_NFT_APPLY_H
#define EDGE_NFT_APPLY_H

#include <stddef.h>

struct nft;

/*
 * 0 when the kernel offers netfilter netlink, else -errno. libnftables 1.0.6 calls exit()
 * when it cannot open its socket: ask this before every nft_ctx_new().
 */
int nft_available(void);
int nft_open(struct nft **out);
void nft_close(struct nft *nft);
/*
 * Frees the libnftables context while nothing is to be done (its caches hold 0.6 MiB once
 * a table has been read); the next call makes a new one, on a new netlink socket.
 */
void nft_idle(struct nft *nft);
/* Runs text as ONE transaction. Returns 0 or -EIO with nft's own message in err. */
int nft_apply(struct nft *nft, const char *text, char *err, size_t errlen);

/* Runs a listing command with JSON output; *out is the caller's. */
int nft_list_json(struct nft *nft, const char *cmd, char **out);

#endif
