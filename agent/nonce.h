/* Tokens nobody can guess: the sync marker nonce and the mass-deletion hold token. */
#ifndef EDGE_NONCE_H
#define EDGE_NONCE_H

#include <stddef.h>

/*
 * Writes "<gen>-<hex>" with bytes random bytes from the kernel's CSPRNG (getrandom(2)).
 * Returns 0, or -EIO when the generator fails (buf is then empty).
 */
int nonce_make(char *buf, size_t len, unsigned gen, size_t bytes);

#endif
