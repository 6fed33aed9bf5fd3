/*
 * host:port: one parser and one formatter for the join, the UAPI, METRICS_LISTEN and WG_ENDPOINT;
 * one splitter and joiner for names too (MQTT_URL, CONTROLLER_URL, target URLs, edgectl --to).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "check.h"
#include "endpoint.h"
#include "metrics_http.h"

static int parse(const char *s, int flags)
{
	struct wg_endpoint ep;

	return endpoint_parse(s, strlen(s), flags, &ep);
}

static const char *round_trip(const char *s, int flags)
{
	static char out[ENDPOINT_LEN];
	struct wg_endpoint ep;

	if (endpoint_parse(s, strlen(s), flags, &ep))
		return "(rejected)";
	endpoint_format(out, sizeof(out), &ep);
	return out;
}

/* "host|port" as split, or "(rejected)"; "host|-" without a port */
static const char *split(const char *s)
{
	static char out[300];
	struct endpoint_parts p;

	if (endpoint_split(s, strlen(s), &p))
		return "(rejected)";
	snprintf(out, sizeof(out), "%.*s%s|%.*s", (int)p.host_n, p.host, p.bracketed ? "[]" : "",
		 p.port ? (int)p.port_n : 1, p.port ? p.port : "-");
	return out;
}

int main(void)
{
	struct wg_endpoint none = { 0 };
	char out[ENDPOINT_LEN] = "x", err[256];

	CHECK_STR("IPv4", round_trip("203.0.113.5:51820", 0), "203.0.113.5:51820");
	CHECK_STR("IPv6", round_trip("[2001:db8::1]:1", 0), "[2001:db8::1]:1");
	CHECK_STR("IPv6 shortened on output", round_trip("[2001:db8:0:0::1]:65535", 0),
		  "[2001:db8::1]:65535");
	CHECK_STR("scope as reported", round_trip("[fe80::1%3]:51820", ENDPOINT_REPORTED),
		  "[fe80::1%3]:51820");
	CHECK("scope refused from users", parse("[fe80::1%3]:51820", 0) == -EINVAL);
	CHECK("port 0 reported", parse("10.0.0.1:0", ENDPOINT_REPORTED) == 0);
	CHECK("port 0 refused from users", parse("10.0.0.1:0", 0) == -ERANGE);
	CHECK("port over 65535", parse("10.0.0.1:65536", 0) == -ERANGE);
	CHECK("long port", parse("10.0.0.1:999999999999999999999999", 0) == -ERANGE);
	CHECK("trailing garbage after the port", parse("127.0.0.1:80x", 0) == -EINVAL);
	CHECK("signed port", parse("10.0.0.1:+80", 0) == -EINVAL);
	CHECK("leading zero", parse("10.0.0.1:080", 0) == -EINVAL);
	CHECK("no port", parse("10.0.0.1:", 0) == -EINVAL);
	CHECK("no colon", parse("10.0.0.1", 0) == -EINVAL);
	CHECK("host name", parse("gw.example.com:51820", 0) == -EINVAL);
	CHECK("IPv6 without brackets", parse("2001:db8::1:51820", 0) == -EINVAL);
	CHECK("IPv4 in brackets", parse("[10.0.0.1]:1", 0) == -EINVAL);
	CHECK("leading zero in the address", parse("10.0.0.01:1", 0) == -EINVAL);
	CHECK("empty", parse("", 0) == -EINVAL);
	endpoint_format(out, sizeof(out), &none);
	CHECK_STR("no endpoint formats empty", out, "");

	CHECK("METRICS_LISTEN refuses 127.0.0.1:80x",
	      metrics_http_listen("127.0.0.1:80x", err, sizeof(err)) == -EINVAL);
	CHECK_STR("METRICS_LISTEN message", err, "METRICS_LISTEN \"127.0.0.1:80x\" is invalid "
		  "(accepted: 127.x.x.x:port or [::1]:port)");
	CHECK("METRICS_LISTEN refuses a non-loopback address",
	      metrics_http_listen("10.0.0.1:9108", err, sizeof(err)) == -EINVAL);
	CHECK("METRICS_LISTEN refuses a non-loopback IPv6 address",
	      metrics_http_listen("[2001:db8::1]:9108", err, sizeof(err)) == -EINVAL);

	CHECK_STR("split: name and port", split("broker.example:8883"), "broker.example|8883");
	CHECK_STR("split: name alone", split("broker.example"), "broker.example|-");
	CHECK_STR("split: IPv6 in brackets", split("[fd00::1]:1884"), "fd00::1[]|1884");
	CHECK_STR("split: IPv6 without port", split("[fd00::1]"), "fd00::1[]|-");
	CHECK_STR("split: empty port kept for the caller", split("h:"), "h|");
	CHECK_STR("split: IPv6 needs brackets", split("fd00::1:1884"), "(rejected)");
	CHECK_STR("split: unclosed bracket", split("[fd00::1:1884"), "(rejected)");
	CHECK_STR("split: junk after the bracket", split("[fd00::1]x:1"), "(rejected)");
	endpoint_join(out, sizeof(out), "broker.example", 1883);
	CHECK_STR("join: name", out, "broker.example:1883");
	endpoint_join(out, sizeof(out), "fd00::1", 1883);
	CHECK_STR("join: IPv6 in brackets", out, "[fd00::1]:1883");
	return CHECK_DONE();
}
