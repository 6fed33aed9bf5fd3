#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "endpoint.h"
#include "join_parse.h"
#include "strbuf.h"
#include "wg_device.h"
#include "wg_key.h"

static void cidr_put(struct strbuf *sb, const struct cidr *c)
{
	char text[INET6_ADDRSTRLEN];

	address_format(text, sizeof(text), c->family, c->addr);
	strbuf_printf(sb, "\"%s/%u\"", text, c->prefix);
}

static void peer_put(struct strbuf *sb, const struct wg_peer *p)
{
	char key[WG_KEY_B64_LEN], ep[INET6_ADDRSTRLEN + 16];

	wg_key_to_base64(key, p->public_key);
	strbuf_printf(sb, "{\"public_key\":\"%s\"", key);
	if (p->endpoint.family) {
		endpoint_format(ep, sizeof(ep), &p->endpoint);
		strbuf_printf(sb, ",\"endpoint\":\"%s\"", ep);
	}
	strbuf_puts(sb, ",\"allowed_ips\":[");
	for (size_t i = 0; i < p->n_allowed; i++) {
		if (i)
			strbuf_puts(sb, ",");
		cidr_put(sb, &p->allowed[i]);
	}
	strbuf_puts(sb, "]");
	if (p->keepalive)
		strbuf_printf(sb, ",\"persistent_keepalive\":%u", p->keepalive);
	if (p->has_psk) {
		wg_key_to_base64(key, p->preshared_key);
		strbuf_printf(sb, ",\"preshared_key\":\"%s\"", key);
		explicit_bzero(key, sizeof(key));
	}
	strbuf_puts(sb, "}");
}

int join_render(const struct wg_join *j, char **out, size_t *len)
{
	struct strbuf sb;
	int ret;

	strbuf_init(&sb);
	strbuf_puts(&sb, "{\"address\":");
	cidr_put(&sb, &j->address);
	if (j->listen_port)
		strbuf_printf(&sb, ",\"listen_port\":%u", j->listen_port);
	if (j->mtu)
		strbuf_printf(&sb, ",\"mtu\":%u", j->mtu);
	strbuf_puts(&sb, ",\"peers\":[");
	for (size_t i = 0; i < j->n_peers; i++) {
		if (i)
			strbuf_puts(&sb, ",");
		peer_put(&sb, &j->peers[i]);
	}
	strbuf_puts(&sb, "]}\n");
	if (sb.err) {
		ret = sb.err;
		strbuf_free(&sb);
		return ret;
	}
	*out = sb.buf;
	*len = sb.len;
	return 0;
}
