/* The mesh policy: what a join answer or edge/<node>/wireguard may set on the host. */
#include <errno.h>
#include <stdio.h>

#include "check.h"
#include "cidr.h"
#include "join_parse.h"
#include "mesh_policy.h"

#define K1 "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE="
#define K2 "AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI="

/* address, then one peer's endpoint ("" for none) and allowed IPs (JSON list body) */
static void join_json(char *buf, size_t len, const char *address, const char *endpoint,
		       const char *allowed)
{
	snprintf(buf, len, "{\"address\":\"%s\",\"peers\":[{\"public_key\":\"" K1 "\"%s%s%s,"
		 "\"allowed_ips\":[%s]}]}", address, *endpoint ? ",\"endpoint\":\"" : "",
		 endpoint, *endpoint ? "\"" : "", allowed);
}

struct pcase {
	const char *name, *address, *endpoint, *allowed;
	const char *pinned;             /* NULL: learn */
	const char *err;                /* NULL: accepted */
};


static const struct pcase cases[] = {
	{ "good join, learned", "10.50.0.2/24", "192.0.2.20:51820", "\"10.50.0.3/32\"", NULL, NULL },
	{ "good join, pinned /16", "10.50.0.2/24", "198.51.100.7:51820",
	  "\"10.50.0.0/24\", \"10.50.1.0/24\"", "10.50.0.0/16", NULL },
	{ "CGNAT mesh", "100.64.3.2/24", "", "\"100.64.3.1/32\"", NULL, NULL },
	{ "ULA mesh", "fd00:50::2/64", "[2001:db8::1]:51820", "\"fd00:50::1/128\"", NULL, NULL },
	{ "covering /1 allowed", "10.50.0.2/24", "", "\"0.0.0.0/1\", \"128.0.0.0/1\"", NULL,
	  "wireguard: peers[0].allowed_ips[0] \"0.0.0.0/1\" is outside the mesh network "
	  "10.50.0.0/24 (accepted: networks inside 10.50.0.0/24; never a default or covering route)" },
	{ "second /1 allowed", "10.50.0.2/24", "", "\"10.50.0.3/32\", \"128.0.0.0/1\"", NULL,
	  "wireguard: peers[0].allowed_ips[1] \"128.0.0.0/1\" is outside the mesh network "
	  "10.50.0.0/24 (accepted: networks inside 10.50.0.0/24; never a default or covering route)" },
	{ "public allowed", "10.50.0.2/24", "", "\"1.1.1.0/24\"", NULL,
	  "wireguard: peers[0].allowed_ips[0] \"1.1.1.0/24\" is outside the mesh network "
	  "10.50.0.0/24 (accepted: networks inside 10.50.0.0/24; never a default or covering route)" },
	{ "allowed wider than the mesh", "10.50.0.2/24", "", "\"10.50.0.0/23\"", NULL,
	  "wireguard: peers[0].allowed_ips[0] \"10.50.0.0/23\" is outside the mesh network "
	  "10.50.0.0/24 (accepted: networks inside 10.50.0.0/24; never a default or covering route)" },
	{ "IPv6 allowed in an IPv4 mesh", "10.50.0.2/24", "", "\"::/1\"", NULL,
	  "wireguard: peers[0].allowed_ips[0] \"::/1\" is outside the mesh network 10.50.0.0/24 "
	  "(accepted: networks inside 10.50.0.0/24; never a default or covering route)" },
	{ "allowed over the LAN", "10.50.0.2/24", "", "\"10.99.0.0/24\"", "10.0.0.0/8",
	  "wireguard: peers[0].allowed_ips[0] \"10.99.0.0/24\" overlaps this host's network "
	  "10.99.0.1/24 (accepted: networks inside 10.0.0.0/8 clear of the host's own networks)" },
	{ "allowed covering the LAN", "10.50.0.2/24", "", "\"10.96.0.0/12\"", "10.0.0.0/8",
	  "wireguard: peers[0].allowed_ips[0] \"10.96.0.0/12\" overlaps this host's network "
	  "10.99.0.1/24 (accepted: networks inside 10.0.0.0/8 clear of the host's own networks)" },
	{ "allowed the host's LAN address", "10.50.0.2/24", "", "\"10.99.0.1/32\"", "10.0.0.0/8",
	  "wireguard: peers[0].allowed_ips[0] \"10.99.0.1/32\" overlaps this host's network "
	  "10.99.0.1/24 (accepted: networks inside 10.0.0.0/8 clear of the host's own networks)" },
	{ "address /1", "130.0.0.2/1", "", "", NULL,
	  "wireguard: address: the mesh network it implies \"128.0.0.0/1\" is not private space "
	  "(accepted: a network inside " MESH_PRIVATE ")" },
	{ "address public", "198.51.100.2/24", "", "", NULL,
	  "wireguard: address: the mesh network it implies \"198.51.100.0/24\" is not private "
	  "space (accepted: a network inside " MESH_PRIVATE ")" },
	{ "address /7 of private space", "10.0.0.2/7", "", "", NULL,
	  "wireguard: address: the mesh network it implies \"10.0.0.0/7\" is not private space "
	  "(accepted: a network inside " MESH_PRIVATE ")" },
	{ "address /31", "10.50.0.2/31", "", "", NULL,
	  "wireguard: address: the mesh network it implies \"10.50.0.2/31\" has a prefix length "
	  "outside /8 to /30 (accepted: /8 to /30)" },
	{ "address outside the pinned mesh", "10.60.0.2/24", "", "", "10.50.0.0/24",
	  "wireguard: address \"10.60.0.2/24\" is outside the mesh network 10.50.0.0/24 "
	  "(accepted: an address inside 10.50.0.0/24 with a prefix of /24 or longer)" },
	{ "address prefix wider than the mesh", "10.50.0.2/16", "", "", "10.50.0.0/24",
	  "wireguard: address \"10.50.0.2/16\" is outside the mesh network 10.50.0.0/24 "
	  "(accepted: an address inside 10.50.0.0/24 with a prefix of /24 or longer)" },
	{ "address on the LAN", "10.99.0.7/24", "", "", "10.0.0.0/8",
	  "wireguard: address \"10.99.0.7/24\" would route 10.99.0.0/24 over the mesh, which "
	  "overlaps this host's network 10.99.0.1/24 (accepted: a prefix whose network stays "
	  "clear of the host's own networks)" },
	{ "address route covering the LAN", "10.50.0.2/8", "", "", "10.0.0.0/8",
	  "wireguard: address \"10.50.0.2/8\" would route 10.0.0.0/8 over the mesh, which "
	  "overlaps this host's network 10.99.0.1/24 (accepted: a prefix whose network stays "
	  "clear of the host's own networks)" },
	{ "address of the host", "10.99.0.1/32", "", "", "10.0.0.0/8",
	  "wireguard: address \"10.99.0.1/32\" is an address of another interface of this host "
	  "(accepted: an unused address inside 10.0.0.0/8)" },
	{ "endpoint loopback", "10.50.0.2/24", "127.0.0.1:53", "", NULL,
	  "wireguard: peers[0].endpoint \"127.0.0.1:53\" is loopback (accepted: a unicast "
	  "address of another host)" },
	{ "endpoint v6 loopback", "10.50.0.2/24", "[::1]:51820", "", NULL,
	  "wireguard: peers[0].endpoint \"[::1]:51820\" is loopback (accepted: a unicast "
	  "address of another host)" },
	{ "endpoint v4-mapped loopback", "10.50.0.2/24", "[::ffff:127.0.0.1]:51820", "", NULL,
	  "wireguard: peers[0].endpoint \"[::ffff:127.0.0.1]:51820\" is loopback (accepted: a "
	  "unicast address of another host)" },
	{ "endpoint multicast", "10.50.0.2/24", "224.0.0.1:51820", "", NULL,
	  "wireguard: peers[0].endpoint \"224.0.0.1:51820\" is multicast (accepted: a unicast "
	  "address of another host)" },
	{ "endpoint unspecified", "10.50.0.2/24", "0.0.0.0:51820", "", NULL,
	  "wireguard: peers[0].endpoint \"0.0.0.0:51820\" is unspecified (accepted: a unicast "
	  "address of another host)" },
	{ "endpoint broadcast", "10.50.0.2/24", "255.255.255.255:51820", "", NULL,
	  "wireguard: peers[0].endpoint \"255.255.255.255:51820\" is broadcast (accepted: a "
	  "unicast address of another host)" },
	{ "endpoint the host's uplink", "10.50.0.2/24", "192.0.2.10:51820", "", NULL,
	  "wireguard: peers[0].endpoint \"192.0.2.10:51820\" is an address of this host "
	  "(accepted: a unicast address of another host)" },
	{ "endpoint inside the mesh", "10.50.0.2/24", "10.50.0.9:51820", "", NULL,
	  "wireguard: peers[0].endpoint \"10.50.0.9:51820\" is inside the mesh network "
	  "10.50.0.0/24, reached through the tunnel itself (accepted: an address outside "
	  "10.50.0.0/24)" },
};

static void run_case(const struct pcase *c, const struct cidr_list *host)
{
	struct mesh_bounds b = { .host = host };
	struct wg_join j = { 0 };
	struct cidr_list pin = { 0 };
	char json[1024], err[ERR_LEN], name[160], why[128];
	int ret;

	if (c->pinned && cidr_list_parse(&pin, c->pinned, why, sizeof(why)) == 0)
		b.net = pin.v[0];
	join_json(json, sizeof(json), c->address, c->endpoint, c->allowed);
	ret = join_parse(json, strlen(json), &j, err, sizeof(err));
	snprintf(name, sizeof(name), "%s: parses", c->name);
	CHECK(name, ret == 0);
	if (ret) {
		printf("  %s\n", err);
		goto out;
	}
	err[0] = '\0';
	ret = mesh_policy_check(&b, &j, err, sizeof(err));
	snprintf(name, sizeof(name), "%s: %s", c->name, c->err ? "refused" : "accepted");
	if (c->err)
		CHECK_STR(name, ret == -EINVAL ? err : "(accepted)", c->err);
	else
		CHECK_STR(name, ret ? err : "", "");
out:
	wg_join_free(&j);
	cidr_list_free(&pin);
}

static void network_checks(void)
{
	static const struct { const char *net; bool ok; } nets[] = {
		{ "10.0.0.0/8", true }, { "172.16.0.0/12", true }, { "192.168.0.0/16", true },
		{ "100.64.0.0/10", true }, { "10.50.0.0/30", true }, { "fd00::/8", true },
		{ "fd00:50::/64", true }, { "172.16.0.0/11", false }, { "100.0.0.0/8", false },
		{ "8.0.0.0/8", false }, { "10.50.0.0/31", false }, { "0.0.0.0/0", false },
		{ "fc00::/7", false }, { "2001:db8::/32", false }, { "fd00::/127", false },
	};
	char err[ERR_LEN], why[128], name[96];

	for (size_t i = 0; i < sizeof(nets) / sizeof(nets[0]); i++) {
		struct cidr_list l = { 0 };
		int ret = cidr_list_parse(&l, nets[i].net, why, sizeof(why));

		if (!ret)
			ret = mesh_policy_network_check("MESH_NETWORK", &l.v[0], err, sizeof(err));
		snprintf(name, sizeof(name), "network %s %s", nets[i].net,
			 nets[i].ok ? "accepted" : "refused");
		CHECK(name, (ret == 0) == nets[i].ok);
		cidr_list_free(&l);
	}
}

int main(void)
{
	struct cidr_list host = { 0 };
	char why[128];
	int ret = 0;

	/* host networks keep their host bits: parse them one by one as /32, then widen */
	static const struct { const char *addr; unsigned prefix; } h[] = {
		{ "192.0.2.10", 24 }, { "10.99.0.1", 24 }, { "127.0.0.1", 8 }, { "::1", 128 },
	};
	for (size_t i = 0; !ret && i < sizeof(h) / sizeof(h[0]); i++) {
		struct cidr_list one = { 0 };

		ret = cidr_list_parse(&one, h[i].addr, why, sizeof(why));
		if (!ret) {
			one.v[0].prefix = (uint8_t)h[i].prefix;
			ret = cidr_list_add(&host, &one.v[0]);
		}
		cidr_list_free(&one);
	}
	CHECK("host networks set up", ret == 0 && host.n == 4);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i], &host);
	network_checks();
	cidr_list_free(&host);
	return CHECK_DONE();
}
