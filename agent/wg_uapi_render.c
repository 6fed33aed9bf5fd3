#include <arpa/inet.h>
#include <stdio.h>

#include "endpoint.h"
#include "wg_uapi.h"

void wg_uapi_key_to_hex(char out[WG_KEY_HEX_LEN], const uint8_t key[WG_KEY_LEN])
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < WG_KEY_LEN; i++) {
		out[2 * i] = digits[key[i] >> 4];
		out[2 * i + 1] = digits[key[i] & 15];
	}
	out[2 * WG_KEY_LEN] = '\0';
}

static void put_key(struct strbuf *sb, const char *name, const uint8_t key[WG_KEY_LEN])
{
	char hex[WG_KEY_HEX_LEN];

	wg_uapi_key_to_hex(hex, key);
	strbuf_printf(sb, "%s=%s\n", name, hex);
}

static void put_endpoint(struct strbuf *sb, const struct wg_endpoint *ep)
{
	char text[ENDPOINT_LEN];

	if (!ep->family)
		return;
	endpoint_format(text, sizeof(text), ep);
	strbuf_printf(sb, "endpoint=%s\n", text);
}

static void put_peer(struct strbuf *sb, const struct wg_peer *p)
{
	char ip[INET6_ADDRSTRLEN];

	put_key(sb, "public_key", p->public_key);
	if (p->remove) {
		strbuf_puts(sb, "remove=true\n");
		return;
	}
	if (p->has_psk)
		put_key(sb, "preshared_key", p->preshared_key);
	put_endpoint(sb, &p->endpoint);
	strbuf_printf(sb, "persistent_keepalive_interval=%u\n", p->keepalive);
	if (p->replace_allowed)
		strbuf_puts(sb, "replace_allowed_ips=true\n");
	for (size_t i = 0; i < p->n_allowed; i++) {
		const struct cidr *c = &p->allowed[i];

		inet_ntop(c->family, c->addr, ip, sizeof(ip));
		strbuf_printf(sb, "allowed_ip=%s/%u\n", ip, c->prefix);
	}
}

int wg_uapi_render(struct strbuf *sb, const struct wg_device *delta)
{
	strbuf_puts(sb, "set=1\n");
	if (delta->has_private_key)
		put_key(sb, "private_key", delta->private_key);
	if (delta->has_listen_port)
		strbuf_printf(sb, "listen_port=%u\n", delta->listen_port);
	if (delta->replace_peers)
		strbuf_puts(sb, "replace_peers=true\n");
	for (size_t i = 0; i < delta->n_peers; i++)
		put_peer(sb, &delta->peers[i]);
	strbuf_puts(sb, "\n");
	return sb->err;
}
