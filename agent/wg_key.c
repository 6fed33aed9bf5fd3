#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "fileio.h"
#include "log.h"
#include "wg_key.h"

#define KEY_FILE_MAX 128

static const char b64_digits[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void key_clamp(uint8_t k[WG_KEY_LEN])
{
	k[0] &= 248;
	k[31] = (uint8_t)((k[31] & 127) | 64);
}

int wg_key_public(const uint8_t priv[WG_KEY_LEN], uint8_t pub[WG_KEY_LEN])
{
	EVP_PKEY *pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, priv, WG_KEY_LEN);
	size_t len = WG_KEY_LEN;
	int ret = 0;

	if (!pkey || EVP_PKEY_get_raw_public_key(pkey, pub, &len) != 1 || len != WG_KEY_LEN)
		ret = -EIO;
	EVP_PKEY_free(pkey);
	ERR_clear_error();
	return ret;
}

int wg_key_generate(uint8_t priv[WG_KEY_LEN], uint8_t pub[WG_KEY_LEN])
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_X25519, NULL);
	EVP_PKEY *pkey = NULL;
	size_t len = WG_KEY_LEN;
	int ret = -EIO;

	if (!ctx) {
		ret = -ENOMEM;
		goto out;
	}
	if (EVP_PKEY_keygen_init(ctx) != 1 || EVP_PKEY_keygen(ctx, &pkey) != 1 ||
	    EVP_PKEY_get_raw_private_key(pkey, priv, &len) != 1 || len != WG_KEY_LEN)
		goto out;
	key_clamp(priv);
	ret = wg_key_public(priv, pub);
out:
	EVP_PKEY_free(pkey);
	EVP_PKEY_CTX_free(ctx);
	ERR_clear_error();
	return ret;
}

void wg_key_to_base64(char out[WG_KEY_B64_LEN], const uint8_t key[WG_KEY_LEN])
{
	size_t o = 0;

	for (size_t i = 0; i < WG_KEY_LEN; i += 3) {
		uint32_t v = (uint32_t)key[i] << 16;

		if (i + 1 < WG_KEY_LEN)
			v |= (uint32_t)key[i + 1] << 8;
		if (i + 2 < WG_KEY_LEN)
			v |= key[i + 2];
		out[o++] = b64_digits[v >> 18 & 63];
		out[o++] = b64_digits[v >> 12 & 63];
		out[o++] = i + 1 < WG_KEY_LEN ? b64_digits[v >> 6 & 63] : '=';
		out[o++] = i + 2 < WG_KEY_LEN ? b64_digits[v & 63] : '=';
	}
	out[o] = '\0';
}

static int b64_value(char ch)
{
	const char *p = ch ? strchr(b64_digits, ch) : NULL;

	return p ? (int)(p - b64_digits) : -1;
}

/* 32 bytes are 256 bits: 43 digits carry 258, so the last digit's low 2 bits must be 0. */
bool wg_key_from_base64(uint8_t key[WG_KEY_LEN], const char *s, size_t n)
{
	uint8_t tmp[WG_KEY_LEN];
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t o = 0;
	int v;

	if (!s || n != WG_KEY_B64_LEN - 1 || s[n - 1] != '=')
		return false;
	for (size_t i = 0; i < n - 1; i++) {
		v = b64_value(s[i]);
		if (v < 0)
			return false;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			tmp[o++] = (uint8_t)(acc >> bits);
		}
	}
	if (acc & ((1u << bits) - 1))
		return false;
	memcpy(key, tmp, sizeof(tmp));
	return true;
}

static int key_create(const char *dir, const char *path, uint8_t priv[WG_KEY_LEN],
		      uint8_t pub[WG_KEY_LEN], char *err, size_t errlen)
{
	char text[WG_KEY_B64_LEN + 1], why[ERR_LEN], pub64[WG_KEY_B64_LEN];
	int ret = wg_key_generate(priv, pub);

	if (ret) {
		snprintf(err, errlen, "wireguard: cannot generate a key pair: %s", strerror(-ret));
		return ret;
	}
	wg_key_to_base64(text, priv);
	text[WG_KEY_B64_LEN - 1] = '\n';
	ret = fileio_write_atomic(dir, WG_KEY_FILE, text, WG_KEY_B64_LEN, 0600, why, sizeof(why));
	explicit_bzero(text, sizeof(text));
	if (ret) {
		snprintf(err, errlen, "wireguard: cannot save the private key: %s", why);
		explicit_bzero(priv, WG_KEY_LEN);
		return ret;
	}
	wg_key_to_base64(pub64, pub);
	log_info("wireguard: generated a new key pair in %s (public key %s)", path, pub64);
	return 0;
}

int wg_key_load_or_create(const char *data_dir, uint8_t priv[WG_KEY_LEN],
			  uint8_t pub[WG_KEY_LEN], char *err, size_t errlen)
{
	char path[4096], *buf = NULL;
	struct stat sb;
	size_t len = 0, n;
	int ret;

	snprintf(path, sizeof(path), "%s/" WG_KEY_FILE, data_dir);
	if (lstat(path, &sb)) {
		ret = -errno;
		if (ret == -ENOENT)
			return key_create(data_dir, path, priv, pub, err, errlen);
		snprintf(err, errlen, "wireguard: cannot read %s: %s", path, strerror(-ret));
		return ret;
	}
	if (!S_ISREG(sb.st_mode)) {
		snprintf(err, errlen, "wireguard: %s is not a regular file", path);
		return -EINVAL;
	}
	if (sb.st_mode & 077) {
		if (chmod(path, 0600)) {
			ret = -errno;
			snprintf(err, errlen, "wireguard: %s has mode %04o and chmod 0600 failed: %s",
				 path, (unsigned)(sb.st_mode & 07777), strerror(-ret));
			return ret;
		}
		log_warn("wireguard: %s had mode %04o, set it to 0600", path,
			 (unsigned)(sb.st_mode & 07777));
	}
	ret = fileio_read(data_dir, WG_KEY_FILE, &buf, &len, KEY_FILE_MAX);
	if (ret && ret != -EFBIG) {
		snprintf(err, errlen, "wireguard: cannot read %s: %s", path, strerror(-ret));
		goto out;
	}
	n = len && buf[len - 1] == '\n' ? len - 1 : len;
	if (ret || !wg_key_from_base64(priv, buf, n)) {
		snprintf(err, errlen, "wireguard: %s does not hold a private key (accepted: "
			 WG_KEY_ACCEPTED "; remove the file to generate a new key pair)", path);
		ret = -EINVAL;
		goto out;
	}
	ret = wg_key_public(priv, pub);
	if (ret)
		snprintf(err, errlen, "wireguard: cannot derive the public key: %s", strerror(-ret));
out:
	if (buf)
		explicit_bzero(buf, len);
	free(buf);
	return ret;
}
