#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>

#include "check.h"
#include "cidr.h"

static void parse_ok(const char *name, const char *text, const char *want)
{
	struct cidr_list l = { 0 };
	char err[ERR_LEN] = "", out[ERR_LEN];
	int ret = cidr_list_parse(&l, text, err, sizeof(err));

	CHECK(name, ret == 0);
	cidr_list_format(&l, out, sizeof(out));
	CHECK_STR(name, out, want);
	cidr_list_free(&l);
}

static void parse_bad(const char *name, const char *text, const char *want)
{
	struct cidr_list l = { 0 };
	char err[ERR_LEN] = "";
	int ret = cidr_list_parse(&l, text, err, sizeof(err));

	CHECK(name, ret == -EINVAL && l.n == 0 && l.v == NULL);
	CHECK_STR(name, err, want);
	cidr_list_free(&l);
}

static bool has(const struct cidr_list *l, const char *text)
{
	uint8_t a[16];

	if (inet_pton(AF_INET, text, a) == 1)
		return cidr_list_contains(l, AF_INET, a);
	if (inet_pton(AF_INET6, text, a) == 1)
		return cidr_list_contains(l, AF_INET6, a);
	return false;
}

static void test_contains(void)
{
	struct cidr_list l = { 0 };
	char err[ERR_LEN];

	CHECK("contains parse", cidr_list_parse(&l, "10.0.0.0/8, 172.16.0.0/12,192.168.1.128/25,"
						"fd00::/8, 2001:db8::1, 100.64.0.0/10",
						err, sizeof(err)) == 0);
	CHECK("contains 10/8 first", has(&l, "10.0.0.0"));
	CHECK("contains 10/8 last", has(&l, "10.255.255.255"));
	CHECK("contains 11.0.0.0 no", !has(&l, "11.0.0.0"));
	CHECK("contains 172.31.255.255", has(&l, "172.31.255.255"));
	CHECK("contains 172.32.0.0 no", !has(&l, "172.32.0.0"));
	CHECK("contains /25 upper half", has(&l, "192.168.1.200"));
	CHECK("contains /25 lower half no", !has(&l, "192.168.1.127"));
	CHECK("contains /10 edge", has(&l, "100.127.255.255"));
	CHECK("contains /10 outside", !has(&l, "100.128.0.0"));
	CHECK("contains fd00::/8", has(&l, "fdff::1"));
	CHECK("contains fe00:: no", !has(&l, "fe00::1"));
	CHECK("contains bare v6 /128", has(&l, "2001:db8::1"));
	CHECK("contains bare v6 neighbour no", !has(&l, "2001:db8::2"));
	CHECK("contains family kept apart", !has(&l, "::ffff:10.0.0.1"));
	cidr_list_free(&l);

	CHECK("contains empty list", !has(&l, "10.0.0.1"));
	CHECK("contains 0/0", cidr_list_parse(&l, "0.0.0.0/0", err, sizeof(err)) == 0 &&
	      has(&l, "203.0.113.9") && !has(&l, "::1"));
	cidr_list_free(&l);
	CHECK("contains ::/0", cidr_list_parse(&l, "::/0", err, sizeof(err)) == 0 &&
	      has(&l, "2001:db8::9") && !has(&l, "10.0.0.1"));
	cidr_list_free(&l);
}

static void test_add(void)
{
	struct cidr_list l = { 0 };
	struct cidr c = { .family = AF_INET, .addr = { 10, 0, 0, 0 }, .prefix = 8 };
	char out[ERR_LEN];
	int ok = 1;

	for (int i = 0; i < 100; i++) {
		c.addr[1] = (uint8_t)i;
		c.prefix = 16;
		ok &= cidr_list_add(&l, &c) == 0;
	}
	CHECK("add 100 elements", ok && l.n == 100);
	CHECK("add keeps order", l.v[37].addr[1] == 37 && l.v[99].addr[1] == 99);
	c.prefix = 33;
	CHECK("add refuses prefix 33 for IPv4", cidr_list_add(&l, &c) == -EINVAL && l.n == 100);
	c.family = AF_UNIX;
	c.prefix = 8;
	CHECK("add refuses other families", cidr_list_add(&l, &c) == -EINVAL);
	cidr_list_free(&l);
	CHECK("free empties", l.n == 0 && l.v == NULL);

	cidr_list_format(&l, out, sizeof(out));
	CHECK_STR("format empty", out, "");
	CHECK("parse into list", cidr_list_parse(&l, "10.0.0.0/8,192.168.0.0/16", out,
						 sizeof(out)) == 0);
	cidr_list_format(&l, out, 12);
	CHECK_STR("format truncates safely", out, "10.0.0.0/8,");
	cidr_list_free(&l);
}

int main(void)
{
	parse_ok("parse rfc1918", "10.0.0.0/8,172.16.0.0/12,192.168.0.0/16",
		 "10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16");
	parse_ok("parse spaces", "  10.0.0.0/8 ,\t172.16.0.0/12 , 192.168.0.0/16  ",
		 "10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16");
	parse_ok("parse bare v4 is /32", "10.1.2.3", "10.1.2.3/32");
	parse_ok("parse bare v6 is /128", "fd00::1", "fd00::1/128");
	parse_ok("parse v6 canonical", "FD00:0:0::/16", "fd00::/16");
	parse_ok("parse mixed", "fd00::/8, 10.0.0.0/8", "fd00::/8, 10.0.0.0/8");
	parse_ok("parse /0", "0.0.0.0/0,::/0", "0.0.0.0/0, ::/0");
	parse_ok("parse /32 and /128", "10.1.1.1/32, ::1/128", "10.1.1.1/32, ::1/128");
	parse_ok("parse empty", "", "");
	parse_ok("parse blank", "   ", "");
	parse_ok("parse NULL", NULL, "");

	parse_bad("bad host bits", "10.0.0.1/8",
		  "\"10.0.0.1/8\" has host bits set (accepted: network address, e.g. 10.0.0.0/8)");
	parse_bad("bad host bits v6", "fd00::1/8",
		  "\"fd00::1/8\" has host bits set (accepted: network address, e.g. fd00::/8)");
	parse_bad("bad host bits second element", "10.0.0.0/8, 192.168.1.1/16",
		  "\"192.168.1.1/16\" has host bits set (accepted: network address, e.g. "
		  "192.168.0.0/16)");
	parse_bad("bad prefix 33", "10.0.0.0/33",
		  "\"10.0.0.0/33\" has an invalid prefix length (accepted: 0..32)");
	parse_bad("bad prefix 129", "fd00::/129",
		  "\"fd00::/129\" has an invalid prefix length (accepted: 0..128)");
	parse_bad("bad prefix empty", "10.0.0.0/",
		  "\"10.0.0.0/\" has an invalid prefix length (accepted: 0..32)");
	parse_bad("bad prefix letters", "10.0.0.0/8a",
		  "\"10.0.0.0/8a\" has an invalid prefix length (accepted: 0..32)");
	parse_bad("bad prefix leading zero", "10.0.0.0/08",
		  "\"10.0.0.0/08\" has an invalid prefix length (accepted: 0..32)");
	parse_bad("bad prefix long", "10.0.0.0/0008",
		  "\"10.0.0.0/0008\" has an invalid prefix length (accepted: 0..32)");
	parse_bad("bad prefix negative", "10.0.0.0/-8",
		  "\"10.0.0.0/-8\" has an invalid prefix length (accepted: 0..32)");
	parse_bad("bad address", "10.0.0.256/8",
		  "\"10.0.0.256/8\" is not an IP network (accepted: IPv4 or IPv6 network, "
		  "e.g. 10.0.0.0/8 or fd00::/8)");
	parse_bad("bad address leading zero", "010.0.0.0/8",
		  "\"010.0.0.0/8\" is not an IP network (accepted: IPv4 or IPv6 network, "
		  "e.g. 10.0.0.0/8 or fd00::/8)");
	parse_bad("bad address name", "10.0.0.0/8, localhost",
		  "\"localhost\" is not an IP network (accepted: IPv4 or IPv6 network, "
		  "e.g. 10.0.0.0/8 or fd00::/8)");
	parse_bad("bad address zone", "fe80::1%eth0",
		  "\"fe80::1%eth0\" is not an IP network (accepted: IPv4 or IPv6 network, "
		  "e.g. 10.0.0.0/8 or fd00::/8)");
	parse_bad("bad inner space", "10.0.0.0 /8",
		  "\"10.0.0.0 /8\" is not an IP network (accepted: IPv4 or IPv6 network, "
		  "e.g. 10.0.0.0/8 or fd00::/8)");
	parse_bad("bad empty element", "10.0.0.0/8,,192.168.0.0/16",
		  "empty element (accepted: comma-separated networks, e.g. 10.0.0.0/8, fd00::/8)");
	parse_bad("bad trailing comma", "10.0.0.0/8, ",
		  "empty element (accepted: comma-separated networks, e.g. 10.0.0.0/8, fd00::/8)");
	parse_bad("bad only comma", ",",
		  "empty element (accepted: comma-separated networks, e.g. 10.0.0.0/8, fd00::/8)");
	parse_bad("bad control byte quoted", "10.0.0.0/8\n",
		  "\"10.0.0.0/8\\x0a\" has an invalid prefix length (accepted: 0..32)");
	test_contains();
	test_add();
	return CHECK_DONE();
}
