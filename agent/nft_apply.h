/* The nftables edge: runs rendered transactions through libnftables. */
#ifndef EDGE_NFT_APPLY_H
#define EDGE_NFT_APPLY_H

#include <stddef.h>

struct nft;

int nft_open(struct nft **out);
void nft_close(struct nft *nft);
/* Runs text as ONE transaction. Returns 0 or -EIO with nft's own message in err. */
int nft_apply(struct nft *nft, const char *text, char *err, size_t errlen);

#endif
