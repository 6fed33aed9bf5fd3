/* The wg-quick file: exact text, defaults, and the 0600 atomic write. */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "fileio.h"
#include "join_parse.h"
#include "wg_conf.h"
#include "wg_key.h"

#define K1 "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE="
#define K2 "AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI="
#define PRIV "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
#define PSK "VVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVU="

static const char full_json[] =
	"{\"address\":\"10.50.0.5/24\",\"listen_port\":51821,\"mtu\":1380,\"peers\":["
	"{\"public_key\":\"" K1 "\",\"endpoint\":\"203.0.113.10:51820\","
	"\"allowed_ips\":[\"10.50.0.0/24\"],\"persistent_keepalive\":25,\"preshared_key\":\"" PSK "\"},"
	"{\"public_key\":\"" K2 "\",\"endpoint\":\"[2001:db8::1]:4500\","
	"\"allowed_ips\":[\"10.50.0.2/32\",\"fd00:50::/64\"]}]}";

static const char full_conf[] =
	"# Written by edge-agent from the controller's join response; edits are overwritten.\n"
	"[Interface]\n"
	"PrivateKey = " PRIV "\n"
	"Address = 10.50.0.5/24\n"
	"ListenPort = 51821\n"
	"MTU = 1380\n"
	"\n"
	"[Peer]\n"
	"PublicKey = " K1 "\n"
	"PresharedKey = " PSK "\n"
	"Endpoint = 203.0.113.10:51820\n"
	"AllowedIPs = 10.50.0.0/24\n"
	"PersistentKeepalive = 25\n"
	"\n"
	"[Peer]\n"
	"PublicKey = " K2 "\n"
	"Endpoint = [2001:db8::1]:4500\n"
	"AllowedIPs = 10.50.0.2/32, fd00:50::/64\n";

static const char bare_json[] =
	"{\"address\":\"fd00:50::9/64\",\"peers\":[{\"public_key\":\"" K1 "\",\"allowed_ips\":[]}]}";

static const char bare_conf[] =
	"# Written by edge-agent from the controller's join response; edits are overwritten.\n"
	"[Interface]\n"
	"PrivateKey = " PRIV "\n"
	"Address = fd00:50::9/64\n"
	"ListenPort = 51820\n"
	"MTU = 1420\n"
	"\n"
	"[Peer]\n"
	"PublicKey = " K1 "\n";

static void render(const char *name, const char *json, const char *want, uint8_t *priv)
{
	struct wg_join j = { 0 };
	char err[ERR_LEN] = "", *text = NULL;
	size_t len = 0;
	int ret;

	ret = join_parse(json, strlen(json), &j, err, sizeof(err));
	CHECK_STR(name, err, "");
	if (ret)
		return;
	ret = wg_conf_render(&j, priv, &text, &len);
	CHECK_STR(name, ret ? "" : text, want);
	CHECK(name, !ret && len == strlen(want));
	free(text);
	wg_join_free(&j);
}

static void test_write(uint8_t *priv)
{
	char dir[] = "/tmp/test_wg_conf.XXXXXX", path[256], err[ERR_LEN] = "", *text = NULL;
	struct wg_join j = { 0 };
	struct stat sb;
	size_t len = 0;
	int ret;

	if (!mkdtemp(dir) || join_parse(full_json, strlen(full_json), &j, err, sizeof(err))) {
		CHECK("write setup", false);
		return;
	}
	snprintf(path, sizeof(path), "%s/wireguard/wg-edge.conf", dir);
	ret = wg_conf_write(path, &j, priv, err, sizeof(err));
	CHECK_STR("write into a new directory", err, "");
	CHECK("write returns 0", ret == 0);
	CHECK("file mode is 0600", !stat(path, &sb) && (sb.st_mode & 07777) == 0600);
	snprintf(path, sizeof(path), "%s/wireguard", dir);
	CHECK("new directory mode is 0700", !stat(path, &sb) && (sb.st_mode & 07777) == 0700);
	CHECK("file content", !fileio_read(path, "wg-edge.conf", &text, &len, 65536) &&
	      !strcmp(text, full_conf));
	free(text);
	CHECK("no temp file left", access(strcat(path, "/.wg-edge.conf.tmp"), F_OK) && errno == ENOENT);
	snprintf(path, sizeof(path), "%s/", dir);
	ret = wg_conf_write(path, &j, priv, err, sizeof(err));
	snprintf(path, sizeof(path), "wireguard: WG_CONF %s/ is not a file path", dir);
	CHECK_STR("directory path is refused", err, path);
	CHECK("directory path returns -EINVAL", ret == -EINVAL);
	snprintf(path, sizeof(path), "%s/missing/deeper/wg.conf", dir);
	ret = wg_conf_write(path, &j, priv, err, sizeof(err));
	snprintf(path, sizeof(path), "wireguard: cannot create %s/missing/deeper: "
		 "No such file or directory", dir);
	CHECK_STR("only one missing level is created", err, path);
	CHECK("missing parent returns -ENOENT", ret == -ENOENT);
	wg_join_free(&j);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	CHECK("cleanup", system(path) == 0);
}

int main(void)
{
	uint8_t priv[WG_KEY_LEN];
	char path[64];

	setvbuf(stdout, NULL, _IOLBF, 0);
	CHECK("test key decodes", wg_key_from_base64(priv, PRIV, strlen(PRIV)));
	render("full file", full_json, full_conf, priv);
	render("defaults and no allowed IPs", bare_json, bare_conf, priv);
	wg_conf_default_path(path, sizeof(path), "wg-edge");
	CHECK_STR("default path", path, "/etc/wireguard/wg-edge.conf");
	test_write(priv);
	return CHECK_DONE();
}
