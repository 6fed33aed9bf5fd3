/*
 * Written from RFC 7748 (the Montgomery ladder of section 5) so that deriving the node's
 * public key does not load and initialise libcrypto (2 MiB resident). A field element is
 * 16 signed limbs of 16 bits: value = sum v[i] * 2^(16 i), modulo p = 2^255 - 19. The
 * ladder swaps with masks, not branches, on the bits of the private key.
 */
#include <string.h>

#include "x25519.h"

typedef int64_t fe[16];

/* Brings every limb into [0, 2^16), folding 2^256 = 38 (mod p) into the lowest. */
static void fe_carry(fe o)
{
	for (int i = 0; i < 16; i++) {
		int64_t c = o[i] >> 16;     /* arithmetic shift: floor, also for negatives */
		o[i] -= c * 65536;
		if (i < 15)
			o[i + 1] += c;
		else
			o[0] += 38 * c;
	}
}

static void fe_add(fe o, const fe a, const fe b)
{
	for (int i = 0; i < 16; i++)
		o[i] = a[i] + b[i];
}

static void fe_sub(fe o, const fe a, const fe b)
{
	for (int i = 0; i < 16; i++)
		o[i] = a[i] - b[i];
}

/* o may alias a or b. Limbs of at most 2^18 in: the 31 sums stay far below 2^63. */
static void fe_mul(fe o, const fe a, const fe b)
{
	int64_t t[31] = { 0 };

	for (int i = 0; i < 16; i++)
		for (int j = 0; j < 16; j++)
			t[i + j] += a[i] * b[j];
	for (int i = 16; i < 31; i++)
		t[i - 16] += 38 * t[i];
	memcpy(o, t, 16 * sizeof(*t));
	fe_carry(o);
	fe_carry(o);
}

/* a^(p-2) = 1/a: p - 2 = 2^255 - 21 has every bit from 254 down set but bits 4 and 2. */
static void fe_invert(fe o, const fe a)
{
	fe c;

	memcpy(c, a, sizeof(c));
	for (int i = 253; i >= 0; i--) {
		fe_mul(c, c, c);
		if (i != 4 && i != 2)
			fe_mul(c, c, a);
	}
	memcpy(o, c, sizeof(c));
}

/* Exchanges a and b when bit is 1, with the same operations either way. */
static void fe_cswap(fe a, fe b, int64_t bit)
{
	int64_t mask = -bit;

	for (int i = 0; i < 16; i++) {
		int64_t x = mask & (a[i] ^ b[i]);
		a[i] ^= x;
		b[i] ^= x;
	}
}

/* Limbs in [0, 2^16) whose value is below 2^255: the high bit folds into 19s. */
static void fe_fold(fe t)
{
	int64_t c = t[15] >> 15;

	t[15] &= 0x7fff;
	t[0] += 19 * c;
	for (int i = 0; i < 15; i++) {
		t[i + 1] += t[i] >> 16;
		t[i] &= 0xffff;
	}
}

/* The canonical little-endian encoding: fully reduced below p. */
static void fe_pack(uint8_t out[32], const fe a)
{
	fe t, u;

	memcpy(t, a, sizeof(t));
	fe_carry(t);
	fe_carry(t);
	fe_carry(t);
	fe_fold(t);
	fe_fold(t);
	/* t < 2^255; t >= p exactly when t + 19 reaches 2^255, and then t - p is t + 19 - 2^255 */
	memcpy(u, t, sizeof(u));
	u[0] += 19;
	for (int i = 0; i < 15; i++) {
		u[i + 1] += u[i] >> 16;
		u[i] &= 0xffff;
	}
	fe_cswap(t, u, u[15] >> 15);
	t[15] &= 0x7fff;
	for (int i = 0; i < 16; i++) {
		out[2 * i] = (uint8_t)(t[i] & 0xff);
		out[2 * i + 1] = (uint8_t)(t[i] >> 8);
	}
}

void x25519_public(uint8_t pub[32], const uint8_t priv[32])
{
	static const fe a24 = { 0xdb41, 1 };    /* (486662 - 2) / 4 = 121665 */
	fe x1 = { 9 }, x2 = { 1 }, z2 = { 0 }, x3 = { 9 }, z3 = { 1 };
	fe a, aa, b, bb, e, c, d, da, cb;
	uint8_t k[32];
	int64_t swap = 0;

	memcpy(k, priv, sizeof(k));
	k[0] &= 248;
	k[31] = (uint8_t)((k[31] & 127) | 64);
	for (int t = 254; t >= 0; t--) {
		int64_t bit = (k[t / 8] >> (t % 8)) & 1;

		swap ^= bit;
		fe_cswap(x2, x3, swap);
		fe_cswap(z2, z3, swap);
		swap = bit;
		fe_add(a, x2, z2);
		fe_mul(aa, a, a);
		fe_sub(b, x2, z2);
		fe_mul(bb, b, b);
		fe_sub(e, aa, bb);
		fe_add(c, x3, z3);
		fe_sub(d, x3, z3);
		fe_mul(da, d, a);
		fe_mul(cb, c, b);
		fe_add(x3, da, cb);
		fe_mul(x3, x3, x3);
		fe_sub(z3, da, cb);
		fe_mul(z3, z3, z3);
		fe_mul(z3, z3, x1);
		fe_mul(x2, aa, bb);
		fe_mul(z2, a24, e);
		fe_add(z2, z2, aa);
		fe_mul(z2, z2, e);
	}
	fe_cswap(x2, x3, swap);
	fe_cswap(z2, z3, swap);
	fe_invert(z2, z2);
	fe_mul(x2, x2, z2);
	fe_pack(pub, x2);
	memset(k, 0, sizeof(k));
}
