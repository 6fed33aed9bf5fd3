#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "address.h"
#include "endpoint.h"
#include "fileio.h"
#include "join_parse.h"
#include "strbuf.h"
#include "wg_conf.h"
#include "wg_key.h"

void wg_conf_default_path(char *buf, size_t len, const char *ifname)
{
	snprintf(buf, len, WG_CONF_DIR "/%s.conf", ifname);
}

static void cidr_put(struct strbuf *sb, const struct cidr *c)
{
	char text[INET6_ADDRSTRLEN];

	address_format(text, sizeof(text), c->family, c->addr);
	strbuf_printf(sb, "%s/%u", text, c->prefix);
}

static void peer_put(struct strbuf *sb, const struct wg_peer *p)
{
	char key[WG_KEY_B64_LEN], ep[INET6_ADDRSTRLEN + 16];

	wg_key_to_base64(key, p->public_key);
	strbuf_printf(sb, "\n[Peer]\nPublicKey = %s\n", key);
	if (p->has_psk) {
		wg_key_to_base64(key, p->preshared_key);
		strbuf_printf(sb, "PresharedKey = %s\n", key);
		explicit_bzero(key, sizeof(key));
	}
	if (p->endpoint.family) {
		endpoint_format(ep, sizeof(ep), &p->endpoint);
		strbuf_printf(sb, "Endpoint = %s\n", ep);
	}
	if (p->n_allowed) {
		strbuf_puts(sb, "AllowedIPs = ");
		for (size_t i = 0; i < p->n_allowed; i++) {
			if (i)
				strbuf_puts(sb, ", ");
			cidr_put(sb, &p->allowed[i]);
		}
		strbuf_puts(sb, "\n");
	}
	if (p->keepalive)
		strbuf_printf(sb, "PersistentKeepalive = %u\n", p->keepalive);
}

int wg_conf_render(const struct wg_join *j, const uint8_t priv[WG_KEY_LEN], char **out,
		   size_t *len)
{
	char key[WG_KEY_B64_LEN];
	struct strbuf sb;
	size_t key_at;
	int ret;

	strbuf_init(&sb);
	strbuf_puts(&sb, "# Written by edge-agent from the controller's join response; "
		    "edits are overwritten.\n[Interface]\nPrivateKey = ");
	key_at = sb.len;
	/* a placeholder: the key goes in once the buffer stops moving, leaving no copies */
	strbuf_printf(&sb, "%*s\nAddress = ", WG_KEY_B64_LEN - 1, "");
	cidr_put(&sb, &j->address);
	strbuf_printf(&sb, "\nListenPort = %u\nMTU = %u\n",
		      j->listen_port ? j->listen_port : JOIN_DEFAULT_PORT,
		      j->mtu ? j->mtu : JOIN_DEFAULT_MTU);
	for (size_t i = 0; i < j->n_peers; i++)
		peer_put(&sb, &j->peers[i]);
	if (sb.err) {
		ret = sb.err;
		strbuf_free(&sb);
		return ret;
	}
	wg_key_to_base64(key, priv);
	memcpy(sb.buf + key_at, key, WG_KEY_B64_LEN - 1);
	explicit_bzero(key, sizeof(key));
	*out = sb.buf;
	*len = sb.len;
	return 0;
}

int wg_conf_write(const char *path, const struct wg_join *j, const uint8_t priv[WG_KEY_LEN],
		  char *err, size_t errlen)
{
	const char *slash = strrchr(path, '/'), *name = slash ? slash + 1 : path;
	size_t dn = !slash ? 1 : slash == path ? 1 : (size_t)(slash - path);
	char dir[4096], why[512];
	char *text = NULL;
	size_t len = 0;
	int ret;

	if (!*name || dn >= sizeof(dir)) {
		snprintf(err, errlen, "wireguard: WG_CONF %s is not a file path", path);
		return -EINVAL;
	}
	memcpy(dir, slash ? path : ".", dn);
	dir[dn] = '\0';
	if (mkdir(dir, 0700) && errno != EEXIST) {
		ret = -errno;
		snprintf(err, errlen, "wireguard: cannot create %s: %s", dir, strerror(-ret));
		return ret;
	}
	ret = wg_conf_render(j, priv, &text, &len);
	if (!ret)
		ret = fileio_write_atomic(dir, name, text, len, 0600, why, sizeof(why));
	if (ret == -ENOMEM)
		snprintf(err, errlen, "wireguard: cannot write %s: out of memory", path);
	else if (ret)
		snprintf(err, errlen, "wireguard: cannot write %s: %s", path, why);
	if (text)
		explicit_bzero(text, len);
	free(text);
	return ret;
}
