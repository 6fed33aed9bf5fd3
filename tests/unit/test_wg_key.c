/* Keys: RFC 7748 vectors, strict base64, and the DATA_DIR/wg.key life cycle. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "fileio.h"
#include "wg_key.h"

static void hex(uint8_t *out, const char *s)
{
	for (size_t i = 0; i < WG_KEY_LEN; i++) {
		unsigned v;

		sscanf(s + 2 * i, "%2x", &v);
		out[i] = (uint8_t)v;
	}
}

static void vector(const char *name, const char *priv_hex, const char *pub_hex)
{
	uint8_t priv[WG_KEY_LEN], pub[WG_KEY_LEN], want[WG_KEY_LEN];

	hex(priv, priv_hex);
	hex(want, pub_hex);
	CHECK(name, wg_key_public(priv, pub) == 0 && !memcmp(pub, want, WG_KEY_LEN));
}

static void test_vectors(void)
{
	/* RFC 7748 section 6.1: Alice's and Bob's key pairs */
	vector("rfc7748 alice",
	       "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
	       "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
	vector("rfc7748 bob",
	       "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb",
	       "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
	/* RFC 7748 section 5.2: one iteration from k = u = 9 */
	vector("rfc7748 iterated once",
	       "0900000000000000000000000000000000000000000000000000000000000000",
	       "422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079");
}

static void test_base64(void)
{
	static const char *const bad[] = {
		"AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE",           /* no pad */
		"AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE==",         /* two pads */
		"AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQ==",          /* 31 bytes */
		"AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQF=",          /* low bits set */
		"AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBA-E=",          /* url alphabet */
		"AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBA E=",          /* space */
		"AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEB=QE=",          /* pad inside */
		"",
	};
	uint8_t key[WG_KEY_LEN], back[WG_KEY_LEN];
	char text[WG_KEY_B64_LEN], name[64];
	bool ok = true;

	for (size_t i = 0; i < WG_KEY_LEN; i++)
		key[i] = (uint8_t)i;
	wg_key_to_base64(text, key);
	CHECK_STR("base64 encode", text, "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");
	CHECK("base64 decode", wg_key_from_base64(back, text, strlen(text)) &&
	      !memcmp(key, back, WG_KEY_LEN));
	for (unsigned s = 0; s < 256 && ok; s++) {
		for (size_t i = 0; i < WG_KEY_LEN; i++)
			key[i] = (uint8_t)(s * 7 + i * 13);
		wg_key_to_base64(text, key);
		ok = strlen(text) == 44 && wg_key_from_base64(back, text, 44) &&
		     !memcmp(key, back, WG_KEY_LEN);
	}
	CHECK("base64 round trip of 256 keys", ok);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(name, sizeof(name), "base64 rejects bad[%zu]", i);
		CHECK(name, !wg_key_from_base64(key, bad[i], strlen(bad[i])));
	}
	CHECK("base64 rejects an embedded NUL",
	      !wg_key_from_base64(key, "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBA\0E=", 44));
}

static void test_generate(void)
{
	uint8_t a[WG_KEY_LEN], ap[WG_KEY_LEN], b[WG_KEY_LEN], bp[WG_KEY_LEN], check[WG_KEY_LEN];

	CHECK("generate", !wg_key_generate(a, ap) && !wg_key_generate(b, bp));
	CHECK("generated keys differ", memcmp(a, b, WG_KEY_LEN) && memcmp(ap, bp, WG_KEY_LEN));
	CHECK("generated key is clamped", (a[0] & 7) == 0 && (a[31] & 0xc0) == 0x40);
	CHECK("public key matches", !wg_key_public(a, check) && !memcmp(check, ap, WG_KEY_LEN));
}

static int write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, text, strlen(text));
	fchmod(fd, mode);
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

static void test_file(void)
{
	char dir[] = "/tmp/test_wg_key.XXXXXX", path[128], err[ERR_LEN] = "", want[512];
	uint8_t priv[WG_KEY_LEN], pub[WG_KEY_LEN], priv2[WG_KEY_LEN], pub2[WG_KEY_LEN];
	char *text = NULL, b64[WG_KEY_B64_LEN];
	struct stat sb;
	size_t len = 0;
	int ret;

	if (!mkdtemp(dir)) {
		CHECK("mkdtemp", false);
		return;
	}
	snprintf(path, sizeof(path), "%s/wg.key", dir);
	ret = wg_key_load_or_create(dir, priv, pub, err, sizeof(err));
	CHECK_STR("create: no error", err, "");
	CHECK("create returns 0", ret == 0);
	CHECK("created file is 0600", !stat(path, &sb) && (sb.st_mode & 07777) == 0600);
	wg_key_to_base64(b64, priv);
	CHECK("file holds base64 and a newline",
	      !fileio_read(dir, "wg.key", &text, &len, 128) && len == 45 &&
	      !strncmp(text, b64, 44) && text[44] == '\n');
	free(text);
	ret = wg_key_load_or_create(dir, priv2, pub2, err, sizeof(err));
	CHECK("reload returns 0", ret == 0);
	CHECK("reload gives the same pair", !memcmp(priv, priv2, WG_KEY_LEN) &&
	      !memcmp(pub, pub2, WG_KEY_LEN));

	chmod(path, 0644);
	ret = wg_key_load_or_create(dir, priv2, pub2, err, sizeof(err));
	CHECK("loose mode still loads", ret == 0 && !memcmp(priv, priv2, WG_KEY_LEN));
	CHECK("loose mode is fixed to 0600", !stat(path, &sb) && (sb.st_mode & 07777) == 0600);

	b64[44] = '\0';
	write_file(path, b64, 0600);
	ret = wg_key_load_or_create(dir, priv2, pub2, err, sizeof(err));
	CHECK("a key without a newline loads", ret == 0 && !memcmp(priv, priv2, WG_KEY_LEN));

	write_file(path, "not a key\n", 0600);
	err[0] = '\0';
	ret = wg_key_load_or_create(dir, priv2, pub2, err, sizeof(err));
	snprintf(want, sizeof(want), "wireguard: %s does not hold a private key (accepted: 44 "
		 "base64 characters ending in one '='; remove the file to generate a new key pair)",
		 path);
	CHECK_STR("wrong content is an error", err, want);
	CHECK("wrong content returns -EINVAL", ret == -EINVAL);
	CHECK("wrong content is left alone", !fileio_read(dir, "wg.key", &text, &len, 128) &&
	      !strcmp(text, "not a key\n"));
	free(text);

	write_file(path, "", 0600);
	ret = wg_key_load_or_create(dir, priv2, pub2, err, sizeof(err));
	CHECK("an empty file is an error", ret == -EINVAL);
	unlink(path);
	CHECK("a directory is an error", !mkdir(path, 0700) &&
	      wg_key_load_or_create(dir, priv2, pub2, err, sizeof(err)) == -EINVAL);
	rmdir(path);

	ret = wg_key_load_or_create(dir, priv2, pub2, err, sizeof(err));
	CHECK("removed key: a new pair", ret == 0 && memcmp(priv, priv2, WG_KEY_LEN));
	unlink(path);
	rmdir(dir);
	ret = wg_key_load_or_create(dir, priv2, pub2, err, sizeof(err));
	snprintf(want, sizeof(want), "wireguard: cannot save the private key: open %s/wg.key: "
		 "No such file or directory", dir);
	CHECK_STR("missing data dir", err, want);
	CHECK("missing data dir returns -ENOENT", ret == -ENOENT);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_vectors();
	test_base64();
	test_generate();
	test_file();
	return CHECK_DONE();
}
