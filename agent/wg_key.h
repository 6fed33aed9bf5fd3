/* WireGuard keys: Curve25519 pairs (OpenSSL X25519), strict base64, the node's key file. */
#ifndef EDGE_WG_KEY_H
#define EDGE_WG_KEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wg.h"

#define WG_KEY_FILE "wg.key"
#define WG_KEY_ACCEPTED "44 base64 characters ending in one '='"

/* A fresh clamped private key and its public key; 0 or -EIO/-ENOMEM. */
int wg_key_generate(uint8_t priv[WG_KEY_LEN], uint8_t pub[WG_KEY_LEN]);
int wg_key_public(const uint8_t priv[WG_KEY_LEN], uint8_t pub[WG_KEY_LEN]);

void wg_key_to_base64(char out[WG_KEY_B64_LEN], const uint8_t key[WG_KEY_LEN]);
/* Exactly 44 characters, one '=' pad, canonical last digit; false otherwise. */
bool wg_key_from_base64(uint8_t key[WG_KEY_LEN], const char *s, size_t n);

/*
 * DATA_DIR/wg.key holds the base64 private key (mode 0600, written atomically). Creates
 * it when missing, reuses it otherwise; a file that does not hold a key is an error and is
 * never replaced. A looser mode is tightened to 0600 with a warning.
 */
int wg_key_load_or_create(const char *data_dir, uint8_t priv[WG_KEY_LEN],
			  uint8_t pub[WG_KEY_LEN], char *err, size_t errlen);

#endif
