/* libFuzzer: the mesh policy over any join answer the parser accepts. data[0] picks the
 * pinned network (or none) and the host's networks; what the policy accepts must hold
 * the invariants checked here independently, or the harness aborts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cidr.h"
#include "join_parse.h"
#include "mesh_policy.h"

static const char *const pins[] = { NULL, "10.50.0.0/16", "100.64.0.0/10", "fd00:50::/64",
				    "192.168.0.0/24", "10.0.0.0/8", "172.16.0.0/12", NULL };
static const char *const hosts[] = { "192.0.2.10", "10.50.200.1", "fd00:50::1", "127.0.0.1" };
static const uint8_t host_prefix[] = { 24, 24, 64, 8 };

static bool within(const struct cidr *c, const struct cidr *net)
{
	return cidr_within(c, net);
}

static void invariants(const struct mesh_bounds *b, const struct wg_join *j)
{
	struct cidr net = b->net, own;

	if (!net.family)
		mesh_policy_network_of(&j->address, &net);
	if (!mesh_policy_private(&net) || net.prefix < MESH_PREFIX_MIN ||
	    !within(&j->address, &net))
		abort();
	mesh_policy_network_of(&j->address, &own);
	for (size_t h = 0; h < b->host->n; h++) {
		struct cidr hn;

		mesh_policy_network_of(&b->host->v[h], &hn);
		if (cidr_overlap(&own, &hn))
			abort();
	}
	for (size_t i = 0; i < j->n_peers; i++) {
		for (size_t k = 0; k < j->peers[i].n_allowed; k++) {
			const struct cidr *a = &j->peers[i].allowed[k];

			if (!within(a, &net) || a->prefix == 0)
				abort();
			for (size_t h = 0; h < b->host->n; h++) {
				struct cidr hn;

				mesh_policy_network_of(&b->host->v[h], &hn);
				if (cidr_overlap(a, &hn))
					abort();
			}
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cidr_list host = { 0 }, pin = { 0 };
	struct mesh_bounds b = { .host = &host };
	struct wg_join j = { 0 };
	char err[1024];

	if (size < 1)
		return 0;
	for (size_t i = 0; i < 4; i++) {
		struct cidr_list one = { 0 };

		if (!(data[0] & (0x10 << i)) || cidr_list_parse(&one, hosts[i], err, sizeof(err)))
			continue;
		one.v[0].prefix = host_prefix[i];
		cidr_list_add(&host, &one.v[0]);
		cidr_list_free(&one);
	}
	if (pins[data[0] & 7] && cidr_list_parse(&pin, pins[data[0] & 7], err, sizeof(err)) == 0)
		b.net = pin.v[0];
	if (join_parse((const char *)data + 1, size - 1, &j, err, sizeof(err)) == 0) {
		err[0] = '\0';
		if (mesh_policy_check(&b, &j, err, sizeof(err)) == 0)
			invariants(&b, &j);
		else if (strncmp(err, "wireguard: ", 11) || !strstr(err, "(accepted: "))
			abort();        /* every refusal says where it came from and what is accepted */
	}
	wg_join_free(&j);
	cidr_list_free(&pin);
	cidr_list_free(&host);
	return 0;
}
