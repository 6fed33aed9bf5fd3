#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "forward_json.h"
#include "cidr.h"
#include "payload.h"
#include "sets.h"
#include "strbuf.h"

#define HOST "\"hostname\":\"app.example.com\""
#define URL(u) "\"target_url\":\"" u "\""
#define PUB "\"public_port\":22015"
#define TIP "\"target_ip\":\"10.50.0.12\""
#define TPORT "\"target_port\":32215"
#define ROUTE_OF(...) "{" HOST "," URL("http://10.50.0.12:8080") __VA_ARGS__ "}"
#define FWD_OF(...) "{" PUB "," TIP "," TPORT __VA_ARGS__ "}"
#define R_FIELDS "(accepted: hostname, target_url, entrypoint, certresolver, route_id, " \
	"path_prefix, strip_prefix, targets, health, sticky, allow_from, basic_auth, rate_limit, " \
	"headers, redirect_https, tls, target, proxy_protocol)"
#define F_FIELDS "(accepted: public_port, public_port_end, target_ip, target_port, targets, " \
	"affinity, health, proto, allow_from, limit, preserve_source, forward_id)"
#define TGT2 ",\"targets\":[{\"ip\":\"10.50.0.12\",\"port\":80},{\"ip\":\"10.50.0.13\",\"port\":80}]"
#define FWD_T(...) "{" PUB TGT2 __VA_ARGS__ "}"
#define RATE_OK "(accepted: \"<N>/second\" or \"<N>/minute\", N 1..1000000)"
#define ALLOW_OK "(accepted: IPv4 CIDR such as 203.0.113.0/24, an address, or \"@<set-id>\")"
#define PORT_TYPE "(accepted: integer 1..65535)"
#define RANGE "(accepted: 1..65535)"
#define BAD_HOST "is not a valid RFC 1123 host name (accepted: labels of 1-63 lower-case " \
	"letters, digits and '-', separated by '.', at most 253 characters)"
#define NOT_IP "is not an IP address (accepted: IPv4 or [IPv6] literal)"
#define ALLOWED "(allowed: 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16)"
#define NAME_RE "(accepted: [A-Za-z0-9][A-Za-z0-9_-]{0,62})"
#define R "route web: "
#define F "forward web: "

struct bad {
	enum kind kind;
	const char *json;
	const char *want;
};

static const struct bad bad[] = {
	/* whole payload */
	{ KIND_ROUTE, "{\"hostname\":\"{{ .Host }}\"}",
	  R "hostname contains \"{{\" (Traefik template delimiters are not accepted)" },
	/* "}}" closing nested objects is JSON structure, not text */
	{ KIND_ROUTE, "{\"hostname\":{\"a\":1}}",
	  R "hostname must be a string, got object (accepted: lower-case RFC 1123 host name)" },
	{ KIND_FORWARD, FWD_OF(",\"limit\":{\"connections_per_source\":0}"),
	  F "limit.connections_per_source 0 is out of range (accepted: 1..1000000)" },
	{ KIND_FORWARD, FWD_OF(",\"limit\":{\"new_per_source\":\"}}\"}"),
	  F "limit.new_per_source contains \"}}\" (Traefik template delimiters are not accepted)" },
	{ KIND_ROUTE, ROUTE_OF(",\"headers\":{\"request\":{\"X-A\":\"\\u007b{x\"}}"),
	  R "headers.request.X-A contains \"{{\" (Traefik template delimiters are not accepted)" },
	{ KIND_ROUTE, ROUTE_OF(",\"headers\":{\"request\":{\"X{{A\":\"x\"}}"),
	  R "headers.request field name \"X{{A\" contains \"{{\" (Traefik template delimiters "
	  "are not accepted)" },
	{ KIND_ROUTE, ROUTE_OF(",\"targets}}\":1"),
	  R "field name \"targets}}\" contains \"}}\" (Traefik template delimiters are not "
	  "accepted)" },
	{ KIND_ROUTE, "{\"hostname\":\"a.com\"",
	  R "payload is not valid JSON: unexpected end of data at offset 19" },
	{ KIND_ROUTE, "{\"hostname\":\"a.com\"} x",
	  R "payload is not valid JSON: unexpected character at offset 21" },
	{ KIND_ROUTE, "{\"a\":1}{\"b\":2}",
	  R "payload is not valid JSON: unexpected character at offset 7" },
	{ KIND_ROUTE, "{\"hostname\":\"a.com\",}",
	  R "payload is not valid JSON: unexpected character at offset 20" },
	{ KIND_ROUTE, "{\"hostname\":\"\xff\"}",
	  R "payload is not valid JSON: invalid utf-8 string at offset 13" },
	{ KIND_ROUTE, "{\"a\":[[[1]]]}",
	  R "payload is not valid JSON: nesting too deep at offset 8" },
	{ KIND_ROUTE, "{hostname:1}",
	  R "payload is not valid JSON: quoted object property name expected at offset 1" },
	{ KIND_ROUTE, "{\"hostname\":'a'}",
	  R "payload is not valid JSON: unexpected character at offset 12" },
	{ KIND_ROUTE, "", R "payload is not valid JSON: unexpected end of data at offset 0" },
	{ KIND_ROUTE, "[1]", R "payload must be a JSON object, got array" },
	{ KIND_ROUTE, "\"x\"", R "payload must be a JSON object, got string" },
	{ KIND_ROUTE, "42", R "payload must be a JSON object, got number" },
	{ KIND_FORWARD, "null", F "payload must be a JSON object, got null" },
	{ KIND_FORWARD, " true ", F "payload must be a JSON object, got boolean" },
	/* keys */
	{ KIND_ROUTE, ROUTE_OF(",\"foo\":1"), R "unknown field \"foo\" " R_FIELDS },
	{ KIND_ROUTE, ROUTE_OF(",\"Hostname\":\"x\""), R "unknown field \"Hostname\" " R_FIELDS },
	{ KIND_ROUTE, ROUTE_OF(",\"public_port\":1"),
	  R "unknown field \"public_port\" " R_FIELDS },
	{ KIND_ROUTE, "{\"hostname\\u0000x\":\"a.com\"}",
	  R "unknown field \"hostname\\x00x\" " R_FIELDS },
	{ KIND_ROUTE, "{\"h\\u00e9\":1}", R "unknown field \"h\\xc3\\xa9\" " R_FIELDS },
	{ KIND_FORWARD, FWD_OF(",\"foo\":{\"bar\":1},\"x\":2"),
	  F "unknown field \"foo\" " F_FIELDS },
	{ KIND_FORWARD, FWD_OF(",\"hostname\":\"a.com\""),
	  F "unknown field \"hostname\" " F_FIELDS },
	{ KIND_ROUTE, ROUTE_OF("," HOST), R "duplicate field \"hostname\"" },
	{ KIND_ROUTE, ROUTE_OF(",\"host\\u006eame\":\"b.example.com\""),
	  R "duplicate field \"hostname\"" },
	{ KIND_ROUTE, "{'hostname':\"a.com\"," HOST "}", R "duplicate field \"hostname\"" },
	{ KIND_FORWARD, FWD_OF(",\"proto\":\"tcp\",\"proto\":\"udp\""),
	  F "duplicate field \"proto\"" },
	/* hostname */
	{ KIND_ROUTE, "{" URL("http://10.50.0.12") "}",
	  R "hostname is required (accepted: lower-case RFC 1123 host name)" },
	{ KIND_ROUTE, "{\"hostname\":5}", R "hostname must be a string, got number 5 (accepted: lower-case RFC 1123 host name)" },
	{ KIND_ROUTE, "{\"hostname\":1.5}", R "hostname must be a string, got number 1.5 (accepted: lower-case RFC 1123 host name)" },
	{ KIND_ROUTE, "{\"hostname\":true}", R "hostname must be a string, got boolean true (accepted: lower-case RFC 1123 host name)" },
	{ KIND_ROUTE, "{\"hostname\":null}", R "hostname must be a string, got null (accepted: lower-case RFC 1123 host name)" },
	{ KIND_ROUTE, "{\"hostname\":[\"a.com\"]}", R "hostname must be a string, got array (accepted: lower-case RFC 1123 host name)" },
	{ KIND_ROUTE, "{\"hostname\":{\"a\":1}," URL("http://10.50.0.12") "}",
	  R "hostname must be a string, got object (accepted: lower-case RFC 1123 host name)" },
	{ KIND_ROUTE, "{\"hostname\":\"Foo.example.com\"}",
	  R "hostname \"Foo.example.com\" must be lower case (accepted: lower-case RFC 1123 "
	  "host name)" },
	{ KIND_ROUTE, "{\"hostname\":\"b\xc3\xbc" "cher.de\"}",
	  R "hostname \"b\\xc3\\xbccher.de\" must be ASCII (accepted: punycode, e.g. xn--...)" },
	{ KIND_ROUTE, "{\"hostname\":\"b\\u00fccher.de\"}",
	  R "hostname \"b\\xc3\\xbccher.de\" must be ASCII (accepted: punycode, e.g. xn--...)" },
	{ KIND_ROUTE, "{\"hostname\":\"a b.com\"}", R "hostname \"a b.com\" " BAD_HOST },
	{ KIND_ROUTE, "{\"hostname\":\"*.example.com\"}", R "hostname \"*.example.com\" " BAD_HOST },
	{ KIND_ROUTE, "{\"hostname\":\"example.com.\"}", R "hostname \"example.com.\" " BAD_HOST },
	{ KIND_ROUTE, "{\"hostname\":\"-a.com\"}", R "hostname \"-a.com\" " BAD_HOST },
	{ KIND_ROUTE, "{\"hostname\":\"a-.com\"}", R "hostname \"a-.com\" " BAD_HOST },
	{ KIND_ROUTE, "{\"hostname\":\"a..com\"}", R "hostname \"a..com\" " BAD_HOST },
	{ KIND_ROUTE, "{\"hostname\":\".a.com\"}", R "hostname \".a.com\" " BAD_HOST },
	{ KIND_ROUTE, "{\"hostname\":\"\"}", R "hostname \"\" " BAD_HOST },
	{ KIND_ROUTE, "{\"hostname\":\"a_b.com\"}", R "hostname \"a_b.com\" " BAD_HOST },
	{ KIND_ROUTE, "{\"hostname\":\"a.com\\u0000.evil\"}",
	  R "hostname \"a.com\\x00.evil\" " BAD_HOST },
	{ KIND_ROUTE, "{\"hostname\":\"a.com\\n\"}", R "hostname \"a.com\\x0a\" " BAD_HOST },
	{ KIND_ROUTE, "{\"hostname\":\"a\\\"b\\\\c\"}", R "hostname \"a\\\"b\\\\c\" " BAD_HOST },
	{ KIND_ROUTE, "{\"hostname\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com\"}",
	  R "hostname \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...\" "
	  BAD_HOST },
	/* target_url */
	{ KIND_ROUTE, "{" HOST "}", R "target_url is required (accepted: http:// or https:// URL "
	  "with an IP address host, or targets: [{\"url\": ..., \"weight\": N}])" },
	{ KIND_ROUTE, "{" HOST ",\"target_url\":8080}", R "target_url must be a string, got number 8080 (accepted: http:// or https:// URL with an IP address host)" },
	{ KIND_ROUTE, "{" HOST "," URL("ftp://10.0.0.1") "}",
	  R "target_url \"ftp://10.0.0.1\" has scheme \"ftp\" (accepted: http, https)" },
	{ KIND_ROUTE, "{" HOST "," URL("HTTP://10.50.0.12") "}",
	  R "target_url \"HTTP://10.50.0.12\" has scheme \"HTTP\" (accepted: http, https)" },
	{ KIND_ROUTE, "{" HOST "," URL("10.50.0.12:8080") "}",
	  R "target_url \"10.50.0.12:8080\" has no scheme (accepted: http, https)" },
	{ KIND_ROUTE, "{" HOST "," URL("http://u:p@10.0.0.1") "}",
	  R "target_url \"http://u:p@10.0.0.1\" must not carry credentials" },
	{ KIND_ROUTE, "{" HOST "," URL("http://backend:80") "}",
	  R "target_url \"http://backend:80\" host \"backend\" " NOT_IP },
	{ KIND_ROUTE, "{" HOST "," URL("http://010.50.0.12") "}",
	  R "target_url \"http://010.50.0.12\" host \"010.50.0.12\" " NOT_IP },
	{ KIND_ROUTE, "{" HOST "," URL("http://10.50.12") "}",
	  R "target_url \"http://10.50.12\" host \"10.50.12\" " NOT_IP },
	{ KIND_ROUTE, "{" HOST "," URL("http://fd00::5:80") "}",
	  R "target_url \"http://fd00::5:80\" host \"fd00::5:80\" " NOT_IP },
	{ KIND_ROUTE, "{" HOST "," URL("http://[fd00::zz]:80") "}",
	  R "target_url \"http://[fd00::zz]:80\" host \"[fd00::zz]\" " NOT_IP },
	{ KIND_ROUTE, "{" HOST "," URL("http://[fd00::5") "}",
	  R "target_url \"http://[fd00::5\" host \"[fd00::5\" " NOT_IP },
	{ KIND_ROUTE, "{" HOST "," URL("http://[10.50.0.12]") "}",
	  R "target_url \"http://[10.50.0.12]\" host \"[10.50.0.12]\" " NOT_IP },
	{ KIND_ROUTE, "{" HOST "," URL("http://[fe80::1%25eth0]") "}",
	  R "target_url \"http://[fe80::1%25eth0]\" host \"[fe80::1%25eth0]\" " NOT_IP },
	{ KIND_ROUTE, "{" HOST "," URL("http:///api") "}",
	  R "target_url \"http:///api\" host \"\" " NOT_IP },
	{ KIND_ROUTE, "{" HOST "," URL("http://10.50.0.12:0") "}",
	  R "target_url \"http://10.50.0.12:0\" port \"0\" is out of range " RANGE },
	{ KIND_ROUTE, "{" HOST "," URL("http://10.50.0.12:65536/") "}",
	  R "target_url \"http://10.50.0.12:65536/\" port \"65536\" is out of range " RANGE },
	{ KIND_ROUTE, "{" HOST "," URL("http://10.50.0.12:99999999999999999999") "}",
	  R "target_url \"http://10.50.0.12:99999999999999999999\" port "
	  "\"99999999999999999999\" is out of range " RANGE },
	{ KIND_ROUTE, "{" HOST "," URL("http://10.50.0.12:80a") "}",
	  R "target_url \"http://10.50.0.12:80a\" port \"80a\" is not a number " RANGE },
	{ KIND_ROUTE, "{" HOST "," URL("http://10.50.0.12:") "}",
	  R "target_url \"http://10.50.0.12:\" port \"\" is not a number " RANGE },
	{ KIND_ROUTE, "{" HOST "," URL("http://10.50.0.12/a?b=1") "}",
	  R "target_url \"http://10.50.0.12/a?b=1\" has a query or fragment "
	  "(accepted: scheme://ip[:port][/path])" },
	{ KIND_ROUTE, "{" HOST "," URL("http://10.50.0.12#top") "}",
	  R "target_url \"http://10.50.0.12#top\" has a query or fragment "
	  "(accepted: scheme://ip[:port][/path])" },
	{ KIND_ROUTE, "{" HOST "," URL("http://10.50.0.12/a b") "}",
	  R "target_url \"http://10.50.0.12/a b\" path \"/a b\" has characters outside "
	  "[A-Za-z0-9._~/%-]" },
	{ KIND_ROUTE, "{" HOST "," URL("http://10.50.0.12/a\\u0000b") "}",
	  R "target_url \"http://10.50.0.12/a\\x00b\" path \"/a\\x00b\" has characters outside "
	  "[A-Za-z0-9._~/%-]" },
	{ KIND_ROUTE, "{" HOST "," URL("http://10.50.0.12/a%zz") "}",
	  R "target_url \"http://10.50.0.12/a%zz\" path \"/a%zz\" has an invalid percent escape "
	  "(accepted: %XX with two hex digits)" },
	{ KIND_ROUTE, "{" HOST "," URL("http://127.0.0.1:8080") "}",
	  R "target_url host 127.0.0.1 is loopback (never accepted)" },
	{ KIND_ROUTE, "{" HOST "," URL("http://[::1]") "}",
	  R "target_url host ::1 is loopback (never accepted)" },
	{ KIND_ROUTE, "{" HOST "," URL("http://[::ffff:127.0.0.1]") "}",
	  R "target_url host ::ffff:127.0.0.1 is loopback (never accepted)" },
	{ KIND_ROUTE, "{" HOST "," URL("https://[fe80::1]:443") "}",
	  R "target_url host fe80::1 is link-local (never accepted)" },
	{ KIND_ROUTE, "{" HOST "," URL("http://169.254.169.254/latest") "}",
	  R "target_url host 169.254.169.254 is link-local (never accepted)" },
	{ KIND_ROUTE, "{" HOST "," URL("http://0.0.0.0") "}",
	  R "target_url host 0.0.0.0 is unspecified (never accepted)" },
	{ KIND_ROUTE, "{" HOST "," URL("http://[::]") "}",
	  R "target_url host :: is unspecified (never accepted)" },
	{ KIND_ROUTE, "{" HOST "," URL("http://224.0.0.1") "}",
	  R "target_url host 224.0.0.1 is multicast (never accepted)" },
	{ KIND_ROUTE, "{" HOST "," URL("http://[ff02::1]") "}",
	  R "target_url host ff02::1 is multicast (never accepted)" },
	{ KIND_ROUTE, "{" HOST "," URL("http://255.255.255.255") "}",
	  R "target_url host 255.255.255.255 is broadcast (never accepted)" },
	{ KIND_ROUTE, "{" HOST "," URL("http://10.0.0.1") "}",
	  R "target_url host 10.0.0.1 is an address of this host (never accepted)" },
	{ KIND_ROUTE, "{" HOST "," URL("http://[::ffff:10.0.0.1]") "}",
	  R "target_url host ::ffff:10.0.0.1 is an address of this host (never accepted)" },
	{ KIND_ROUTE, "{" HOST "," URL("http://8.8.8.8") "}",
	  R "target_url host 8.8.8.8 is outside ALLOWED_TARGETS " ALLOWED },
	{ KIND_ROUTE, "{" HOST "," URL("http://[fd00::5]") "}",
	  R "target_url host fd00::5 is outside ALLOWED_TARGETS " ALLOWED },
	/* entrypoint, certresolver, route_id */
	{ KIND_ROUTE, ROUTE_OF(",\"entrypoint\":\"web secure\""),
	  R "entrypoint \"web secure\" is not a valid name " NAME_RE },
	{ KIND_ROUTE, ROUTE_OF(",\"entrypoint\":\"\""),
	  R "entrypoint \"\" is not a valid name " NAME_RE },
	{ KIND_ROUTE, ROUTE_OF(",\"entrypoint\":\"_web\""),
	  R "entrypoint \"_web\" is not a valid name " NAME_RE },
	{ KIND_ROUTE, ROUTE_OF(",\"entrypoint\":null"), R "entrypoint must be a string, got null" },
	{ KIND_ROUTE, ROUTE_OF(",\"certresolver\":false"),
	  R "certresolver must be a string, got boolean false" },
	{ KIND_ROUTE, ROUTE_OF(",\"certresolver\":\"le.prod\""),
	  R "certresolver \"le.prod\" is not a valid name " NAME_RE },
	{ KIND_ROUTE, ROUTE_OF(",\"route_id\":\"other\""),
	  R "route_id \"other\" does not match the topic id \"web\"" },
	{ KIND_ROUTE, ROUTE_OF(",\"route_id\":\"web\\u0000\""),
	  R "route_id \"web\\x00\" does not match the topic id \"web\"" },
	{ KIND_ROUTE, ROUTE_OF(",\"route_id\":1"), R "route_id must be a string, got number 1" },

	/* public_port_end */
	{ KIND_FORWARD, FWD_OF(",\"public_port_end\":22014"),
	  F "public_port_end 22014 is below public_port 22015 (accepted: 22015..32014)" },
	{ KIND_FORWARD, FWD_OF(",\"public_port_end\":32015"),
	  F "public_port_end 32015 makes a range of 10001 ports, over the limit of 10000 "
	  "(accepted: 22015..32014)" },
	{ KIND_FORWARD, FWD_OF(",\"public_port_end\":65536"),
	  F "public_port_end 65536 is out of range (accepted: 1..65535)" },
	{ KIND_FORWARD, FWD_OF(",\"public_port_end\":\"22020\""),
	  F "public_port_end must be an integer, got string \"22020\" (accepted: integer 1..65535)" },
	{ KIND_FORWARD, "{\"public_port\":20,\"public_port_end\":30," TIP "}",
	  F "public_port 20..30 includes reserved port 22 (reserved: 22, 80, 443, 1883, 51820)" },
	{ KIND_FORWARD, "{\"public_port\":30000,\"public_port_end\":30999," TIP ",\"target_port\":65000}",
	  F "target_port 65000 shifts the range past port 65535 (accepted: 1..64536 for 1000 ports)" },
	/* targets */
	{ KIND_FORWARD, "{" PUB ",\"targets\":[]}",
	  F "targets is an empty array (leave it out instead)" },
	{ KIND_FORWARD, "{" PUB ",\"targets\":{}}", F "targets must be an array, got object" },
	{ KIND_FORWARD, "{" PUB ",\"targets\":[\"10.50.0.12:80\"]}",
	  F "targets[0] must be an object, got string \"10.50.0.12:80\"" },
	{ KIND_FORWARD, "{" PUB ",\"targets\":[{\"ip\":\"10.50.0.12\"}]}",
	  F "targets[0].port is required (accepted: integer 1..65535)" },
	{ KIND_FORWARD, "{" PUB ",\"targets\":[{\"ip\":\"10.50.0.12\",\"port\":0}]}",
	  F "targets[0].port 0 is out of range (accepted: 1..65535)" },
	{ KIND_FORWARD, "{" PUB ",\"targets\":[{\"ip\":\"127.0.0.1\",\"port\":80}]}",
	  F "targets[0].ip 127.0.0.1 is loopback (never accepted)" },
	{ KIND_FORWARD, "{" PUB ",\"targets\":[{\"ip\":\"8.8.8.8\",\"port\":80}]}",
	  F "targets[0].ip 8.8.8.8 is outside ALLOWED_TARGETS " ALLOWED },
	{ KIND_FORWARD, "{" PUB ",\"targets\":[{\"ip\":\"10.50.0.12\",\"port\":80,\"weight\":0}]}",
	  F "targets[0].weight 0 is out of range (accepted: 1..100)" },
	{ KIND_FORWARD, "{" PUB ",\"targets\":[{\"ip\":\"10.50.0.12\",\"port\":80,\"weight\":101}]}",
	  F "targets[0].weight 101 is out of range (accepted: 1..100)" },
	{ KIND_FORWARD, "{" PUB ",\"targets\":[{\"ip\":\"10.50.0.12\",\"port\":80,\"host\":\"x\"}]}",
	  F "targets[0] has an unknown field \"host\" (accepted: ip, port, weight)" },
	{ KIND_FORWARD, "{" PUB ",\"targets\":[{\"ip\":\"10.50.0.12\",\"port\":80},"
	  "{\"ip\":\"10.50.0.12\",\"port\":80}]}",
	  F "targets[1] repeats targets[0] (each ip and port once)" },
	{ KIND_FORWARD, FWD_OF(TGT2),
	  F "target_ip is not accepted with targets (accepted: one of target_ip/target_port and "
	  "targets)" },
	{ KIND_FORWARD, "{" PUB ",\"target_port\":80" TGT2 "}",
	  F "target_port is not accepted with targets (each target has its own port)" },
	{ KIND_FORWARD, "{\"public_port\":30000,\"public_port_end\":30009" TGT2 "}",
	  F "targets[0].port is not accepted with a port range (targets of a range keep the "
	  "public port)" },
	{ KIND_FORWARD, FWD_T(",\"affinity\":\"cookie\""),
	  F "affinity \"cookie\" is not supported (accepted: \"source\")" },
	{ KIND_FORWARD, FWD_T(",\"affinity\":true"),
	  F "affinity must be a string, got boolean true (accepted: \"source\")" },
	{ KIND_FORWARD, FWD_OF(",\"affinity\":\"source\""),
	  F "affinity needs targets (one target_ip has nothing to choose)" },
	/* health */
	{ KIND_FORWARD, FWD_OF(",\"health\":{\"interval_ms\":1000}"),
	  F "health needs targets (with one target_ip there is nothing to fail over to)" },
	{ KIND_FORWARD, FWD_T(",\"health\":{}"), F "health is an empty object (leave it out instead)" },
	{ KIND_FORWARD, FWD_T(",\"health\":{\"timeout_ms\":100}"),
	  F "health.interval_ms is required (accepted: integer 100..3600000)" },
	{ KIND_FORWARD, FWD_T(",\"health\":{\"interval_ms\":99}"),
	  F "health.interval_ms 99 is out of range (accepted: 100..3600000)" },
	{ KIND_FORWARD, FWD_T(",\"health\":{\"interval_ms\":500,\"timeout_ms\":500}"),
	  F "health.timeout_ms 500 is not shorter than interval_ms 500 (accepted: 10..499)" },
	{ KIND_FORWARD, FWD_T(",\"health\":{\"interval_ms\":500,\"unhealthy_after\":0}"),
	  F "health.unhealthy_after 0 is out of range (accepted: 1..100)" },
	{ KIND_FORWARD, FWD_T(",\"health\":{\"interval_ms\":500,\"path\":\"/\"}"),
	  F "health has an unknown field \"path\" (accepted: interval_ms, timeout_ms, "
	  "unhealthy_after, healthy_after)" },
	{ KIND_FORWARD, FWD_T(",\"proto\":\"udp\",\"health\":{\"interval_ms\":500}"),
	  F "health is a TCP connect check (accepted with proto tcp only)" },
	/* allow_from */
	{ KIND_FORWARD, FWD_OF(",\"allow_from\":[]"),
	  F "allow_from is an empty array (leave it out instead)" },
	{ KIND_FORWARD, FWD_OF(",\"allow_from\":\"10.0.0.0/8\""),
	  F "allow_from must be an array, got string \"10.0.0.0/8\"" },
	{ KIND_FORWARD, FWD_OF(",\"allow_from\":[7]"),
	  F "allow_from[0] must be a string, got number 7 " ALLOW_OK },
	{ KIND_FORWARD, FWD_OF(",\"allow_from\":[\"10.0.0.1/8\"]"),
	  F "allow_from[0] \"10.0.0.1/8\" has host bits set (accepted: network address, e.g. "
	  "10.0.0.0/8)" },
	{ KIND_FORWARD, FWD_OF(",\"allow_from\":[\"2001:db8::/32\"]"),
	  F "allow_from[0] \"2001:db8::/32\" is IPv6 (accepted: IPv4 CIDR such as "
	  "203.0.113.0/24, an address, or \"@<set-id>\"; forwards are IPv4)" },
	{ KIND_FORWARD, FWD_OF(",\"allow_from\":[\"@Lab\"]"),
	  F "allow_from[0] @\"Lab\" is not a set name (accepted: \"@\" then "
	  "[a-z0-9][a-z0-9_-]{0,62})" },
	{ KIND_FORWARD, FWD_OF(",\"allow_from\":[\"@lab\",\"@lab\"]"),
	  F "allow_from[1] set \"lab\" is listed twice" },
	{ KIND_FORWARD, FWD_OF(",\"allow_from\":[\"@office\"]"),
	  F "allow_from[0] set \"office\" is not published (expected on "
	  "<prefix>/<node or group>/sets/office)" },
	/* limit */
	{ KIND_FORWARD, FWD_OF(",\"limit\":{}"), F "limit is an empty object (leave it out instead)" },
	{ KIND_FORWARD, FWD_OF(",\"limit\":[2]"), F "limit must be an object, got array" },
	{ KIND_FORWARD, FWD_OF(",\"limit\":{\"connections\":2}"),
	  F "limit has an unknown field \"connections\" (accepted: connections_per_source, "
	  "new_per_source)" },
	{ KIND_FORWARD, FWD_OF(",\"limit\":{\"connections_per_source\":1000001}"),
	  F "limit.connections_per_source 1000001 is out of range (accepted: 1..1000000)" },
	{ KIND_FORWARD, FWD_OF(",\"limit\":{\"connections_per_source\":\"2\"}"),
	  F "limit.connections_per_source must be an integer, got string \"2\" (accepted: "
	  "integer 1..1000000)" },
	{ KIND_FORWARD, FWD_OF(",\"limit\":{\"new_per_source\":10}"),
	  F "limit.new_per_source must be a string, got number 10 " RATE_OK },
	{ KIND_FORWARD, FWD_OF(",\"limit\":{\"new_per_source\":\"10/hour\"}"),
	  F "limit.new_per_source \"10/hour\" has an unknown unit " RATE_OK },
	{ KIND_FORWARD, FWD_OF(",\"limit\":{\"new_per_source\":\"0/second\"}"),
	  F "limit.new_per_source \"0/second\" is not a rate " RATE_OK },
	{ KIND_FORWARD, FWD_OF(",\"limit\":{\"new_per_source\":\"-1/second\"}"),
	  F "limit.new_per_source \"-1/second\" is not a rate " RATE_OK },
	{ KIND_FORWARD, FWD_OF(",\"limit\":{\"new_per_source\":\"99999999999999999999/second\"}"),
	  F "limit.new_per_source \"99999999999999999999/second\" is not a rate " RATE_OK },
	{ KIND_FORWARD, FWD_OF(",\"limit\":{\"new_per_source\":\"/second\"}"),
	  F "limit.new_per_source \"/second\" is not a rate " RATE_OK },
	{ KIND_FORWARD, FWD_OF(",\"limit\":{\"new_per_source\":\"5/seconds\"}"),
	  F "limit.new_per_source \"5/seconds\" has an unknown unit " RATE_OK },
	{ KIND_FORWARD, FWD_OF(",\"limit\":{\"new_per_source\":\"5\"}"),
	  F "limit.new_per_source \"5\" is not a rate " RATE_OK },
	/* preserve_source */
	{ KIND_FORWARD, FWD_OF(",\"preserve_source\":\"yes\""),
	  F "preserve_source must be a boolean, got string \"yes\" (accepted: true, false)" },
	{ KIND_FORWARD, FWD_OF(",\"preserve_source\":1"),
	  F "preserve_source must be a boolean, got number 1 (accepted: true, false)" },
	/* public_port */
	{ KIND_FORWARD, "{" TIP "," TPORT "}",
	  F "public_port is required " PORT_TYPE },
	{ KIND_FORWARD, "{\"public_port\":\"22015\"}",
	  F "public_port must be an integer, got string \"22015\" " PORT_TYPE },
	{ KIND_FORWARD, "{\"public_port\":1.5}", F "public_port must be an integer, got number 1.5 "
	  PORT_TYPE },
	{ KIND_FORWARD, "{\"public_port\":22015.0}",
	  F "public_port must be an integer, got number 22015.0 " PORT_TYPE },
	{ KIND_FORWARD, "{\"public_port\":1e3}", F "public_port must be an integer, got number 1e3 "
	  PORT_TYPE },
	{ KIND_FORWARD, "{\"public_port\":NaN}", F "public_port must be an integer, got number NaN "
	  PORT_TYPE },
	{ KIND_FORWARD, "{\"public_port\":true}",
	  F "public_port must be an integer, got boolean true " PORT_TYPE },
	{ KIND_FORWARD, "{\"public_port\":null}", F "public_port must be an integer, got null "
	  PORT_TYPE },
	{ KIND_FORWARD, "{\"public_port\":{}," TIP "}",
	  F "public_port must be an integer, got object " PORT_TYPE },
	{ KIND_FORWARD, "{\"public_port\":[22015]}",
	  F "public_port must be an integer, got array " PORT_TYPE },
	{ KIND_FORWARD, "{\"public_port\":0}", F "public_port 0 is out of range " RANGE },
	{ KIND_FORWARD, "{\"public_port\":-0}", F "public_port 0 is out of range " RANGE },
	{ KIND_FORWARD, "{\"public_port\":-1}", F "public_port -1 is out of range " RANGE },
	{ KIND_FORWARD, "{\"public_port\":65536}", F "public_port 65536 is out of range " RANGE },
	{ KIND_FORWARD, "{\"public_port\":4294967297}",
	  F "public_port 4294967297 is out of range " RANGE },
	{ KIND_FORWARD, "{\"public_port\":18446744073709551616}",
	  F "public_port 18446744073709551615 is out of range " RANGE },
	{ KIND_FORWARD, "{\"public_port\":-18446744073709551616}",
	  F "public_port -9223372036854775808 is out of range " RANGE },
	{ KIND_FORWARD, "{\"public_port\":022}",
	  F "payload is not valid JSON: number expected at offset 18" },
	{ KIND_FORWARD, "{\"public_port\":22}",
	  F "public_port 22 is reserved (reserved: 22, 80, 443, 1883, 51820)" },
	{ KIND_FORWARD, "{\"public_port\":51820}",
	  F "public_port 51820 is reserved (reserved: 22, 80, 443, 1883, 51820)" },
	/* target_ip */
	{ KIND_FORWARD, "{" PUB "," TPORT "}", F "target_ip is required (accepted: IPv4 address)" },
	{ KIND_FORWARD, "{" PUB ",\"target_ip\":167772172}",
	  F "target_ip must be a string, got number 167772172 (accepted: IPv4 address)" },
	{ KIND_FORWARD, "{" PUB ",\"target_ip\":\"fd00::1\"}",
	  F "target_ip \"fd00::1\" is not an IPv4 address (accepted: dotted-quad IPv4)" },
	{ KIND_FORWARD, "{" PUB ",\"target_ip\":\"10.50.0.256\"}",
	  F "target_ip \"10.50.0.256\" is not an IPv4 address (accepted: dotted-quad IPv4)" },
	{ KIND_FORWARD, "{" PUB ",\"target_ip\":\"10.50.0\"}",
	  F "target_ip \"10.50.0\" is not an IPv4 address (accepted: dotted-quad IPv4)" },
	{ KIND_FORWARD, "{" PUB ",\"target_ip\":\"10.50.0.12.1\"}",
	  F "target_ip \"10.50.0.12.1\" is not an IPv4 address (accepted: dotted-quad IPv4)" },
	{ KIND_FORWARD, "{" PUB ",\"target_ip\":\"10.050.0.12\"}",
	  F "target_ip \"10.050.0.12\" is not an IPv4 address (accepted: dotted-quad IPv4)" },
	{ KIND_FORWARD, "{" PUB ",\"target_ip\":\" 10.50.0.12\"}",
	  F "target_ip \" 10.50.0.12\" is not an IPv4 address (accepted: dotted-quad IPv4)" },
	{ KIND_FORWARD, "{" PUB ",\"target_ip\":\"10.50.0.12\\u0000\"}",
	  F "target_ip \"10.50.0.12\\x00\" is not an IPv4 address (accepted: dotted-quad IPv4)" },
	{ KIND_FORWARD, "{" PUB ",\"target_ip\":\"0x0a.0.0.1\"}",
	  F "target_ip \"0x0a.0.0.1\" is not an IPv4 address (accepted: dotted-quad IPv4)" },
	{ KIND_FORWARD, "{" PUB ",\"target_ip\":\"127.0.0.1\"}",
	  F "target_ip 127.0.0.1 is loopback (never accepted)" },
	{ KIND_FORWARD, "{" PUB ",\"target_ip\":\"127.255.0.9\"}",
	  F "target_ip 127.255.0.9 is loopback (never accepted)" },
	{ KIND_FORWARD, "{" PUB ",\"target_ip\":\"169.254.0.1\"}",
	  F "target_ip 169.254.0.1 is link-local (never accepted)" },
	{ KIND_FORWARD, "{" PUB ",\"target_ip\":\"0.0.0.0\"}",
	  F "target_ip 0.0.0.0 is unspecified (never accepted)" },
	{ KIND_FORWARD, "{" PUB ",\"target_ip\":\"239.1.1.1\"}",
	  F "target_ip 239.1.1.1 is multicast (never accepted)" },
	{ KIND_FORWARD, "{" PUB ",\"target_ip\":\"255.255.255.255\"}",
	  F "target_ip 255.255.255.255 is broadcast (never accepted)" },
	{ KIND_FORWARD, "{" PUB ",\"target_ip\":\"192.168.1.1\"}",
	  F "target_ip 192.168.1.1 is an address of this host (never accepted)" },
	{ KIND_FORWARD, "{" PUB ",\"target_ip\":\"8.8.8.8\"}",
	  F "target_ip 8.8.8.8 is outside ALLOWED_TARGETS " ALLOWED },
	{ KIND_FORWARD, "{" PUB ",\"target_ip\":\"172.32.0.1\"}",
	  F "target_ip 172.32.0.1 is outside ALLOWED_TARGETS " ALLOWED },
	/* target_port, proto, forward_id */
	{ KIND_FORWARD, "{" PUB "," TIP "}", F "target_port is required " PORT_TYPE },
	{ KIND_FORWARD, "{" PUB "," TIP ",\"target_port\":\"80\"}",
	  F "target_port must be an integer, got string \"80\" " PORT_TYPE },
	{ KIND_FORWARD, "{" PUB "," TIP ",\"target_port\":0}",
	  F "target_port 0 is out of range " RANGE },
	{ KIND_FORWARD, "{" PUB "," TIP ",\"target_port\":70000}",
	  F "target_port 70000 is out of range " RANGE },
	{ KIND_FORWARD, FWD_OF(",\"proto\":\"sctp\""),
	  F "proto \"sctp\" is not supported (accepted: tcp, udp)" },
	{ KIND_FORWARD, FWD_OF(",\"proto\":\"TCP\""),
	  F "proto \"TCP\" is not supported (accepted: tcp, udp)" },
	{ KIND_FORWARD, FWD_OF(",\"proto\":\"\""),
	  F "proto \"\" is not supported (accepted: tcp, udp)" },
	{ KIND_FORWARD, FWD_OF(",\"proto\":6"), F "proto must be a string, got number 6" },
	{ KIND_FORWARD, FWD_OF(",\"proto\":null"), F "proto must be a string, got null" },
	{ KIND_FORWARD, FWD_OF(",\"forward_id\":\"other\""),
	  F "forward_id \"other\" does not match the topic id \"web\"" },
	{ KIND_FORWARD, FWD_OF(",\"forward_id\":\"WEB\""),
	  F "forward_id \"WEB\" does not match the topic id \"web\"" },
	{ KIND_FORWARD, FWD_OF(",\"forward_id\":null"), F "forward_id must be a string, got null" },
	/* issue 16: the optional route fields */
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target_url\":\"http://10.50.0.12:8080\",\"path_prefix\":\"api\"}",
	  R "path_prefix \"api\" does not start with '/' (accepted: '/' then [A-Za-z0-9._~/-], no '//', '.' or '..' segments, at most 256 bytes)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target_url\":\"http://10.50.0.12:8080\",\"path_prefix\":\"/a/../b\"}",
	  R "path_prefix \"/a/../b\" has a '..' segment (accepted: '/' then [A-Za-z0-9._~/-], no '//', '.' or '..' segments, at most 256 bytes)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target_url\":\"http://10.50.0.12:8080\",\"path_prefix\":\"/a/./b\"}",
	  R "path_prefix \"/a/./b\" has a '.' segment (accepted: '/' then [A-Za-z0-9._~/-], no '//', '.' or '..' segments, at most 256 bytes)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target_url\":\"http://10.50.0.12:8080\",\"path_prefix\":\"/a//b\"}",
	  R "path_prefix \"/a//b\" has an empty segment ('//') (accepted: '/' then [A-Za-z0-9._~/-], no '//', '.' or '..' segments, at most 256 bytes)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target_url\":\"http://10.50.0.12:8080\",\"path_prefix\":\"/a b\"}",
	  R "path_prefix \"/a b\" has a character outside [A-Za-z0-9._~/-] (accepted: '/' then [A-Za-z0-9._~/-], no '//', '.' or '..' segments, at most 256 bytes)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target_url\":\"http://10.50.0.12:8080\",\"path_prefix\":\"/a`b\"}",
	  R "path_prefix \"/a`b\" has a character outside [A-Za-z0-9._~/-] (accepted: '/' then [A-Za-z0-9._~/-], no '//', '.' or '..' segments, at most 256 bytes)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target_url\":\"http://10.50.0.12:8080\",\"path_prefix\":\"/a{b\"}",
	  R "path_prefix \"/a{b\" has a character outside [A-Za-z0-9._~/-] (accepted: '/' then [A-Za-z0-9._~/-], no '//', '.' or '..' segments, at most 256 bytes)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target_url\":\"http://10.50.0.12:8080\",\"path_prefix\":\"/a\\u0001\"}",
	  R "path_prefix \"/a\\x01\" has a character outside [A-Za-z0-9._~/-] (accepted: '/' then [A-Za-z0-9._~/-], no '//', '.' or '..' segments, at most 256 bytes)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target_url\":\"http://10.50.0.12:8080\",\"path_prefix\":\"/caf\\u00e9\"}",
	  R "path_prefix \"/caf\\xc3\\xa9\" has a character outside [A-Za-z0-9._~/-] (accepted: '/' then [A-Za-z0-9._~/-], no '//', '.' or '..' segments, at most 256 bytes)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target_url\":\"http://10.50.0.12:8080\",\"path_prefix\":\"/a%2e\"}",
	  R "path_prefix \"/a%2e\" has a character outside [A-Za-z0-9._~/-] (accepted: '/' then [A-Za-z0-9._~/-], no '//', '.' or '..' segments, at most 256 bytes)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target_url\":\"http://10.50.0.12:8080\",\"path_prefix\":5}",
	  R "path_prefix must be a string, got number 5 (accepted: '/' then [A-Za-z0-9._~/-], no '//', '.' or '..' segments, at most 256 bytes)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target_url\":\"http://10.50.0.12:8080\",\"strip_prefix\":true}",
	  R "strip_prefix needs a path_prefix other than \"/\"" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target_url\":\"http://10.50.0.12:8080\",\"strip_prefix\":\"yes\"}",
	  R "strip_prefix must be a boolean, got string \"yes\" (accepted: true, false)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target_url\":\"http://10.50.0.12:8080\",\"health\":{}}",
	  R "health is an empty object (leave it out instead)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target_url\":\"http://10.50.0.12:8080\",\"health\":{\"interval_s\":5}}",
	  R "health.path is required (accepted: '/' then [A-Za-z0-9._~/-], no '//', '.' or '..' segments, at most 256 bytes)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target_url\":\"http://10.50.0.12:8080\",\"health\":{\"path\":\"healthz\"}}",
	  R "health.path \"healthz\" does not start with '/' (accepted: '/' then [A-Za-z0-9._~/-], no '//', '.' or '..' segments, at most 256 bytes)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target_url\":\"http://10.50.0.12:8080\",\"health\":{\"path\":\"/h\",\"interval_s\":0}}",
	  R "health.interval_s 0 is out of range (accepted: 1..3600)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target_url\":\"http://10.50.0.12:8080\",\"health\":{\"path\":\"/h\",\"interval_s\":3601}}",
	  R "health.interval_s 3601 is out of range (accepted: 1..3600)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target_url\":\"http://10.50.0.12:8080\",\"health\":{\"path\":\"/h\",\"interval_s\":5,\"timeout_s\":5}}",
	  R "health.timeout_s 5 must be shorter than interval_s 5 (Traefik's default interval: 30)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target_url\":\"http://10.50.0.12:8080\",\"health\":{\"path\":\"/h\",\"timeout_s\":30}}",
	  R "health.timeout_s 30 must be shorter than interval_s 30 (Traefik's default interval: 30)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target_url\":\"http://10.50.0.12:8080\",\"health\":{\"path\":\"/h\",\"method\":\"POST\"}}",
	  R "health has an unknown field \"method\" (accepted: path, interval_s, timeout_s)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target_url\":\"http://10.50.0.12:8080\",\"health\":\"/h\"}",
	  R "health must be an object, got string \"/h\"" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target_url\":\"http://10.50.0.12:8080\",\"sticky\":1}",
	  R "sticky must be a boolean, got number 1 (accepted: true, false)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target_url\":\"http://10.50.0.12:8080\",\"sticky\":null}",
	  R "sticky must be a boolean, got null (accepted: true, false)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target_url\":\"http://10.50.0.12:8080\",\"allow_from\":[]}",
	  R "allow_from is an empty array (leave it out instead)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target_url\":\"http://10.50.0.12:8080\",\"allow_from\":\"10.0.0.0/8\"}",
	  R "allow_from must be an array, got string \"10.0.0.0/8\"" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target_url\":\"http://10.50.0.12:8080\",\"allow_from\":[\"10.0.0.1/24\"]}",
	  R "allow_from[0] \"10.0.0.1/24\" has host bits set (accepted: network address, e.g. 10.0.0.0/24)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target_url\":\"http://10.50.0.12:8080\",\"allow_from\":[\"10.0.0.0/33\"]}",
	  R "allow_from[0] \"10.0.0.0/33\" has an invalid prefix length (accepted: 0..32)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target_url\":\"http://10.50.0.12:8080\",\"allow_from\":[\"10.0.0.0/\"]}",
	  R "allow_from[0] \"10.0.0.0/\" has an invalid prefix length (accepted: 0..32)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target_url\":\"http://10.50.0.12:8080\",\"allow_from\":[\"10.0.0.0/-1\"]}",
	  R "allow_from[0] \"10.0.0.0/-1\" has an invalid prefix length (accepted: 0..32)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target_url\":\"http://10.50.0.12:8080\",\"allow_from\":[\"example.com\"]}",
	  R "allow_from[0] \"example.com\" is not an IP network (accepted: IPv4 or IPv6 network, e.g. 10.0.0.0/8 or fd00::/8)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target_url\":\"http://10.50.0.12:8080\",\"allow_from\":[\"@office\"]}",
	  R "allow_from[0] set \"office\" is not published (expected on <prefix>/<node or group>/sets/office)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target_url\":\"http://10.50.0.12:8080\",\"allow_from\":[42]}",
	  R "allow_from[0] must be a string, got number 42 (accepted: IPv4 or IPv6 CIDR such as 203.0.113.0/24, an address, or \"@<set-id>\")" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target_url\":\"http://10.50.0.12:8080\",\"allow_from\":[\"2001:db8::1/129\"]}",
	  R "allow_from[0] \"2001:db8::1/129\" has an invalid prefix length (accepted: 0..128)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target_url\":\"http://10.50.0.12:8080\",\"basic_auth\":{\"users\":[\"alice:secret\"]}}",
	  R "basic_auth.users[0] user \"alice\": the password is not a supported hash (accepted: bcrypt ($2a$, $2b$, $2y$), apr1 ($apr1$) or {SHA}; plain passwords are refused; the value is not shown)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target_url\":\"http://10.50.0.12:8080\",\"basic_auth\":{\"users\":[\"alice\"]}}",
	  R "basic_auth.users[0] is not \"name:hash\" (the value is not shown)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target_url\":\"http://10.50.0.12:8080\",\"basic_auth\":{\"users\":[\":$2y$05$c4WoMPo3SXsafkva.HHa6uXQZWr7oboPiC2bT/r7q1BB8I2s0BRqC\"]}}",
	  R "basic_auth.users[0] user \"\" is not a valid name (accepted: [A-Za-z0-9._@-]{1,64})" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target_url\":\"http://10.50.0.12:8080\",\"basic_auth\":{\"users\":[\"al ice:$2y$05$c4WoMPo3SXsafkva.HHa6uXQZWr7oboPiC2bT/r7q1BB8I2s0BRqC\"]}}",
	  R "basic_auth.users[0] user \"al ice\" is not a valid name (accepted: [A-Za-z0-9._@-]{1,64})" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target_url\":\"http://10.50.0.12:8080\",\"basic_auth\":{\"users\":[\"alice:$2y$03$c4WoMPo3SXsafkva.HHa6uXQZWr7oboPiC2bT/r7q1BB8I2s0BRqC\"]}}",
	  R "basic_auth.users[0] user \"alice\": the password is not a supported hash (accepted: bcrypt ($2a$, $2b$, $2y$), apr1 ($apr1$) or {SHA}; plain passwords are refused; the value is not shown)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target_url\":\"http://10.50.0.12:8080\",\"basic_auth\":{\"users\":[\"alice:$2x$05$c4WoMPo3SXsafkva.HHa6uXQZWr7oboPiC2bT/r7q1BB8I2s0BRqC\"]}}",
	  R "basic_auth.users[0] user \"alice\": the password is not a supported hash (accepted: bcrypt ($2a$, $2b$, $2y$), apr1 ($apr1$) or {SHA}; plain passwords are refused; the value is not shown)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target_url\":\"http://10.50.0.12:8080\",\"basic_auth\":{\"users\":[\"alice:$2y$05$c4WoMPo3SXsafkva.HHa6uXQZWr7oboPiC2bT/r7q1BB8I2s0BRq\"]}}",
	  R "basic_auth.users[0] user \"alice\": the password is not a supported hash (accepted: bcrypt ($2a$, $2b$, $2y$), apr1 ($apr1$) or {SHA}; plain passwords are refused; the value is not shown)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target_url\":\"http://10.50.0.12:8080\",\"basic_auth\":{\"users\":[\"alice:$apr1$$3RHtVyVxrZ0xq8j5Fd7nv/\"]}}",
	  R "basic_auth.users[0] user \"alice\": the password is not a supported hash (accepted: bcrypt ($2a$, $2b$, $2y$), apr1 ($apr1$) or {SHA}; plain passwords are refused; the value is not shown)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target_url\":\"http://10.50.0.12:8080\",\"basic_auth\":{\"users\":[\"alice:$apr1$toolongsalt$3RHtVyVxrZ0xq8j5Fd7nv/\"]}}",
	  R "basic_auth.users[0] user \"alice\": the password is not a supported hash (accepted: bcrypt ($2a$, $2b$, $2y$), apr1 ($apr1$) or {SHA}; plain passwords are refused; the value is not shown)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target_url\":\"http://10.50.0.12:8080\",\"basic_auth\":{\"users\":[\"alice:{SHA}qvTGHdzF6KLavt4PO0gs2a6pQ00\"]}}",
	  R "basic_auth.users[0] user \"alice\": the password is not a supported hash (accepted: bcrypt ($2a$, $2b$, $2y$), apr1 ($apr1$) or {SHA}; plain passwords are refused; the value is not shown)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target_url\":\"http://10.50.0.12:8080\",\"basic_auth\":{\"users\":[\"alice:{SSHA}qvTGHdzF6KLavt4PO0gs2a6pQ00=\"]}}",
	  R "basic_auth.users[0] user \"alice\": the password is not a supported hash (accepted: bcrypt ($2a$, $2b$, $2y$), apr1 ($apr1$) or {SHA}; plain passwords are refused; the value is not shown)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target_url\":\"http://10.50.0.12:8080\",\"basic_auth\":{\"users\":[\"alice:$6$salt$hash\"]}}",
	  R "basic_auth.users[0] user \"alice\": the password is not a supported hash (accepted: bcrypt ($2a$, $2b$, $2y$), apr1 ($apr1$) or {SHA}; plain passwords are refused; the value is not shown)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target_url\":\"http://10.50.0.12:8080\",\"basic_auth\":{\"users\":[\"alice:{SHA}qvTGHdzF6KLavt4PO0gs2a6pQ00=\",\"alice:{SHA}qvTGHdzF6KLavt4PO0gs2a6pQ00=\"]}}",
	  R "basic_auth.users[1] user \"alice\" is listed twice" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target_url\":\"http://10.50.0.12:8080\",\"basic_auth\":{\"users\":[]}}",
	  R "basic_auth.users is an empty array (leave it out instead)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target_url\":\"http://10.50.0.12:8080\",\"basic_auth\":{}}",
	  R "basic_auth is an empty object (leave it out instead)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target_url\":\"http://10.50.0.12:8080\",\"basic_auth\":{\"users\":[\"alice:{SHA}qvTGHdzF6KLavt4PO0gs2a6pQ00=\"],\"realm\":\"x\"}}",
	  R "basic_auth has an unknown field \"realm\" (accepted: users)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target_url\":\"http://10.50.0.12:8080\",\"basic_auth\":{\"users\":[true]}}",
	  R "basic_auth.users[0] must be a string, got boolean (accepted: \"name:hash\")" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target_url\":\"http://10.50.0.12:8080\",\"rate_limit\":{\"burst\":5}}",
	  R "rate_limit.average is required (accepted: integer 1..1000000)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target_url\":\"http://10.50.0.12:8080\",\"rate_limit\":{\"average\":0}}",
	  R "rate_limit.average 0 is out of range (accepted: 1..1000000)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target_url\":\"http://10.50.0.12:8080\",\"rate_limit\":{\"average\":-1}}",
	  R "rate_limit.average -1 is out of range (accepted: 1..1000000)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target_url\":\"http://10.50.0.12:8080\",\"rate_limit\":{\"average\":1000001}}",
	  R "rate_limit.average 1000001 is out of range (accepted: 1..1000000)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target_url\":\"http://10.50.0.12:8080\",\"rate_limit\":{\"average\":5,\"burst\":0}}",
	  R "rate_limit.burst 0 is out of range (accepted: 1..1000000)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target_url\":\"http://10.50.0.12:8080\",\"rate_limit\":{\"average\":5,\"period\":\"1s\"}}",
	  R "rate_limit has an unknown field \"period\" (accepted: average, burst)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target_url\":\"http://10.50.0.12:8080\",\"rate_limit\":5}",
	  R "rate_limit must be an object, got number 5" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target_url\":\"http://10.50.0.12:8080\",\"headers\":{}}",
	  R "headers is an empty object (leave it out instead)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target_url\":\"http://10.50.0.12:8080\",\"headers\":{\"request\":{}}}",
	  R "headers.request is an empty object (leave it out instead)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target_url\":\"http://10.50.0.12:8080\",\"headers\":{\"req\":{\"X-A\":\"1\"}}}",
	  R "headers has an unknown field \"req\" (accepted: request, response)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target_url\":\"http://10.50.0.12:8080\",\"headers\":{\"request\":{\"Host\":\"evil.com\"}}}",
	  R "headers.request header \"Host\" may not be set (forbidden: Host, Content-Length, Transfer-Encoding, Connection, Upgrade, Keep-Alive, TE, Trailer, Proxy-Connection, Forwarded, X-Forwarded-*, X-Real-Ip)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target_url\":\"http://10.50.0.12:8080\",\"headers\":{\"request\":{\"x-forwarded-for\":\"1.2.3.4\"}}}",
	  R "headers.request header \"x-forwarded-for\" may not be set (forbidden: Host, Content-Length, Transfer-Encoding, Connection, Upgrade, Keep-Alive, TE, Trailer, Proxy-Connection, Forwarded, X-Forwarded-*, X-Real-Ip)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target_url\":\"http://10.50.0.12:8080\",\"headers\":{\"response\":{\"Transfer-Encoding\":\"chunked\"}}}",
	  R "headers.response header \"Transfer-Encoding\" may not be set (forbidden: Host, Content-Length, Transfer-Encoding, Connection, Upgrade, Keep-Alive, TE, Trailer, Proxy-Connection, Forwarded, X-Forwarded-*, X-Real-Ip)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target_url\":\"http://10.50.0.12:8080\",\"headers\":{\"request\":{\"X A\":\"1\"}}}",
	  R "headers.request header name \"X A\" is not valid (accepted: [A-Za-z0-9][A-Za-z0-9-]{0,63})" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target_url\":\"http://10.50.0.12:8080\",\"headers\":{\"request\":{\"X:A\":\"1\"}}}",
	  R "headers.request header name \"X:A\" is not valid (accepted: [A-Za-z0-9][A-Za-z0-9-]{0,63})" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target_url\":\"http://10.50.0.12:8080\",\"headers\":{\"request\":{\"-X\":\"1\"}}}",
	  R "headers.request header name \"-X\" is not valid (accepted: [A-Za-z0-9][A-Za-z0-9-]{0,63})" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target_url\":\"http://10.50.0.12:8080\",\"headers\":{\"request\":{\"\":\"1\"}}}",
	  R "headers.request header name \"\" is not valid (accepted: [A-Za-z0-9][A-Za-z0-9-]{0,63})" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target_url\":\"http://10.50.0.12:8080\",\"headers\":{\"request\":{\"X-A\":\"a\\r\\nX-B: b\"}}}",
	  R "headers.request.X-A value \"a\\x0d\\x0aX-B: b\" is not accepted (accepted: printable ASCII, at most 1024 bytes; \"\" removes the header)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target_url\":\"http://10.50.0.12:8080\",\"headers\":{\"request\":{\"X-A\":\"caf\\u00e9\"}}}",
	  R "headers.request.X-A value \"caf\\xc3\\xa9\" is not accepted (accepted: printable ASCII, at most 1024 bytes; \"\" removes the header)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target_url\":\"http://10.50.0.12:8080\",\"headers\":{\"request\":{\"X-A\":1}}}",
	  R "headers.request.X-A must be a string, got number 1" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target_url\":\"http://10.50.0.12:8080\",\"headers\":{\"request\":{\"X-A\":\"1\",\"x-a\":\"2\"}}}",
	  R "headers.request header \"x-a\" is given twice (names are case-insensitive)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target_url\":\"http://10.50.0.12:8080\",\"headers\":{\"request\":\"X-A: 1\"}}",
	  R "headers.request must be an object, got string \"X-A: 1\"" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target_url\":\"http://10.50.0.12:8080\",\"redirect_https\":\"true\"}",
	  R "redirect_https must be a boolean, got string \"true\" (accepted: true, false)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target_url\":\"http://10.50.0.12:8080\",\"redirect_https\":1}",
	  R "redirect_https must be a boolean, got number 1 (accepted: true, false)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target_url\":\"http://10.50.0.12:8080\",\"tls\":\"on\"}",
	  R "tls \"on\" is not supported (accepted: router, entrypoint, passthrough)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target_url\":\"http://10.50.0.12:8080\",\"tls\":true}",
	  R "tls must be a string, got boolean true (accepted: router, entrypoint, passthrough)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target_url\":\"http://10.50.0.12:8080\",\"tls\":\"Passthrough\"}",
	  R "tls \"Passthrough\" is not supported (accepted: router, entrypoint, passthrough)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target_url\":\"http://10.50.0.12:8080\",\"target\":\"10.0.0.2:443\"}",
	  R "target is not accepted without tls \"passthrough\" (HTTP routes use target_url or targets)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target_url\":\"http://10.50.0.12:8080\",\"proxy_protocol\":2}",
	  R "proxy_protocol is not accepted without tls \"passthrough\" (HTTP routes use target_url or targets)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target_url\":\"http://10.50.0.12:8080\",\"tls\":\"passthrough\"}",
	  R "target_url is not accepted with tls \"passthrough\" (a TCP route forwards the TLS stream as is)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target_url\":\"http://10.50.0.12:8080\",\"tls\":\"passthrough\",\"target\":\"10.0.0.2:443\"}",
	  R "target_url is not accepted with tls \"passthrough\" (a TCP route forwards the TLS stream as is)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"tls\":\"passthrough\"}",
	  R "target is required (accepted: IP:PORT in the mesh, e.g. 10.50.0.12:8443)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"tls\":\"passthrough\",\"target\":\"10.0.0.2\"}",
	  R "target \"10.0.0.2\" has no port (accepted: IP:PORT)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"tls\":\"passthrough\",\"target\":\"10.0.0.2:0\"}",
	  R "target \"10.0.0.2:0\" port \"0\" is out of range (accepted: 1..65535)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"tls\":\"passthrough\",\"target\":\"10.0.0.2:65536\"}",
	  R "target \"10.0.0.2:65536\" port \"65536\" is out of range (accepted: 1..65535)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"tls\":\"passthrough\",\"target\":\"app.local:443\"}",
	  R "target \"app.local:443\" is not IP:PORT (accepted: e.g. 10.50.0.12:8443 or [fd00::12]:8443)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"tls\":\"passthrough\",\"target\":\"127.0.0.1:443\"}",
	  R "target host 127.0.0.1 is loopback (never accepted)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"tls\":\"passthrough\",\"target\":\"8.8.8.8:443\"}",
	  R "target host 8.8.8.8 is outside ALLOWED_TARGETS (allowed: 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"tls\":\"passthrough\",\"target\":\"[fd00::1:443\"}",
	  R "target \"[fd00::1:443\" is not IP:PORT (accepted: e.g. 10.50.0.12:8443 or [fd00::12]:8443)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"tls\":\"passthrough\",\"target\":\"10.0.0.2:443\",\"proxy_protocol\":3}",
	  R "proxy_protocol 3 is out of range (accepted: 1..2)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"tls\":\"passthrough\",\"target\":\"10.0.0.2:443\",\"proxy_protocol\":\"v2\"}",
	  R "proxy_protocol must be an integer, got string \"v2\" (accepted: integer 1..2)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"tls\":\"passthrough\",\"target\":\"10.0.0.2:443\",\"certresolver\":\"le\"}",
	  R "certresolver is not accepted with tls \"passthrough\" (a TCP route forwards the TLS stream as is)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"tls\":\"passthrough\",\"target\":\"10.0.0.2:443\",\"headers\":{\"request\":{\"X-A\":\"1\"}}}",
	  R "headers is not accepted with tls \"passthrough\" (a TCP route forwards the TLS stream as is)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"tls\":\"passthrough\",\"target\":10}",
	  R "target must be a string, got number 10 (accepted: IP:PORT in the mesh, e.g. 10.50.0.12:8443)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"target\":\"10.0.0.2:443\"}",
	  R "target is not accepted without tls \"passthrough\" (HTTP routes use target_url or targets)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"targets\":[]}",
	  R "targets is an empty array (leave it out instead)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"targets\":{}}",
	  R "targets must be an array, got object" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"targets\":[1]}",
	  R "targets[0] must be an object, got number 1" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"targets\":[{}]}",
	  R "targets[0] is an empty object (leave it out instead)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"targets\":[{\"weight\":1}]}",
	  R "targets[0].url is required (accepted: http:// or https:// URL with an IP address host)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"targets\":[{\"url\":\"http://10.0.0.2\",\"weight\":0}]}",
	  R "targets[0].weight 0 is out of range (accepted: 1..1000000)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"targets\":[{\"url\":\"http://10.0.0.2\",\"weight\":1000001}]}",
	  R "targets[0].weight 1000001 is out of range (accepted: 1..1000000)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"targets\":[{\"url\":\"http://10.0.0.2\",\"weight\":1.5}]}",
	  R "targets[0].weight must be an integer, got number 1.5 (accepted: integer 1..1000000)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"targets\":[{\"url\":\"http://10.0.0.2\",\"weight\":\"3\"}]}",
	  R "targets[0].weight must be an integer, got string \"3\" (accepted: integer 1..1000000)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"targets\":[{\"url\":\"http://127.0.0.1\"}]}",
	  R "targets[0].url host 127.0.0.1 is loopback (never accepted)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"targets\":[{\"url\":\"http://10.0.0.2\",\"port\":80}]}",
	  R "targets[0] has an unknown field \"port\" (accepted: url, weight)" },
	{ KIND_ROUTE, "{\"hostname\":\"app.example.com\",\"targets\":[{\"url\":\"http://10.0.0.2\"},{\"url\":\"ftp://10.0.0.3\"}]}",
	  R "targets[1].url \"ftp://10.0.0.3\" has scheme \"ftp\" (accepted: http, https)" },
	{ KIND_ROUTE, ROUTE_OF(",\"allow_from\":[\"@lab\",\"@lab\"]"),
	  R "allow_from[1] set \"lab\" is listed twice" },
	{ KIND_ROUTE, ROUTE_OF(",\"allow_from\":[\"@Lab\"]"),
	  R "allow_from[0] @\"Lab\" is not a set name (accepted: \"@\" then [a-z0-9][a-z0-9_-]{0,62})" },
	{ KIND_ROUTE, ROUTE_OF(",\"allow_from\":[\"@\"]"),
	  R "allow_from[0] @\"\" is not a set name (accepted: \"@\" then [a-z0-9][a-z0-9_-]{0,62})" },
	{ KIND_ROUTE, ROUTE_OF(",\"entrypoint\":\"web\",\"redirect_https\":true"),
	  R "redirect_https needs an entrypoint other than the HTTP entrypoint \"web\" "
	  "(TRAEFIK_HTTP_ENTRYPOINT) the redirect listens on" },
	{ KIND_ROUTE, ROUTE_OF(",\"headers\":{\"request\":{\"X-Forwarded-Tls-Client-Cert\":\"x\"}}"),
	  R "headers.request header \"X-Forwarded-Tls-Client-Cert\" may not be set (forbidden: Host, "
	  "Content-Length, Transfer-Encoding, Connection, Upgrade, Keep-Alive, TE, Trailer, "
	  "Proxy-Connection, Forwarded, X-Forwarded-*, X-Real-Ip)" },
	/* check order: fields in the accepted-list order, whatever the key order */
	{ KIND_FORWARD, "{\"proto\":\"sctp\",\"target_port\":0,\"public_port\":22}",
	  F "public_port 22 is reserved (reserved: 22, 80, 443, 1883, 51820)" },
	{ KIND_FORWARD, "{\"proto\":\"sctp\",\"foo\":1,\"public_port\":22}",
	  F "unknown field \"foo\" " F_FIELDS },
	{ KIND_ROUTE, "{\"route_id\":\"x\",\"target_url\":\"ftp://x\",\"hostname\":\"A\"}",
	  R "hostname \"A\" must be lower case (accepted: lower-case RFC 1123 host name)" },
};

static struct policy pol;
static struct sets sets;
static uint16_t reserved[] = { 22, 80, 443, 1883, 51820 };

static int parse(enum kind kind, const char *json, struct object **o, char *err)
{
	return payload_parse(kind, "web", json, strlen(json), &pol, o, err, ERR_LEN);
}

static void test_bad_table(void)
{
	char name[64], err[ERR_LEN];
	struct object *o;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(name, sizeof(name), "bad %zu %s", i, object_kind_name(bad[i].kind));
		o = (struct object *)&o;
		err[0] = '\0';
		CHECK(name, parse(bad[i].kind, bad[i].json, &o, err) == -EINVAL && !o &&
		      !strchr(err, '\n'));
		CHECK_STR(name, err, bad[i].want);
	}
}

static struct object *parse_ok(const char *name, enum kind kind, const char *json)
{
	char err[ERR_LEN] = "";
	struct object *o = NULL;
	int ret = parse(kind, json, &o, err);

	CHECK(name, ret == 0 && o && o->kind == kind && o->refs == 1 && !strcmp(o->id, "web"));
	if (ret)
		printf("  error: %s\n", err);
	return o;
}

static void route_expect(const char *name, const char *json, const char *host, const char *url,
			 const char *ep, const char *cr)
{
	struct object *o = parse_ok(name, KIND_ROUTE, json);

	if (!o)
		return;
	CHECK_STR(name, o->route.hostname, host);
	CHECK_STR(name, o->route.target_url, url);
	CHECK(name, ep ? o->route.entrypoint && !strcmp(o->route.entrypoint, ep)
		       : !o->route.entrypoint);
	CHECK(name, cr ? o->route.certresolver && !strcmp(o->route.certresolver, cr)
		       : !o->route.certresolver);
	object_unref(o);
}

static void test_good_route(void)
{
	char host[300], json[600];

	route_expect("route minimal", ROUTE_OF(), "app.example.com", "http://10.50.0.12:8080",
		     "websecure", "le");
	route_expect("route example from the docs",
		     "{\"hostname\": \"vm-123.example.com\", \"target_url\": \"http://10.50.0.12:8080\", "
		     "\"entrypoint\": \"websecure\", \"certresolver\": \"le\"}",
		     "vm-123.example.com", "http://10.50.0.12:8080", "websecure", "le");
	route_expect("route all fields", ROUTE_OF(",\"entrypoint\":\"web-2_X\","
						   "\"certresolver\":\"Other\",\"route_id\":\"web\""),
		     "app.example.com", "http://10.50.0.12:8080", "web-2_X", "Other");
	route_expect("route certresolver null", ROUTE_OF(",\"certresolver\":null"),
		     "app.example.com", "http://10.50.0.12:8080", "websecure", NULL);
	route_expect("route certresolver empty", ROUTE_OF(",\"certresolver\":\"\""),
		     "app.example.com", "http://10.50.0.12:8080", "websecure", NULL);
	route_expect("route https no port", "{" HOST "," URL("https://10.50.0.12") "}",
		     "app.example.com", "https://10.50.0.12", "websecure", "le");
	route_expect("route port leading zeros", "{" HOST "," URL("http://10.50.0.12:0080/") "}",
		     "app.example.com", "http://10.50.0.12:80/", "websecure", "le");
	route_expect("route path kept", "{" HOST "," URL("http://172.31.255.254/api/v1/%2Fx~._-") "}",
		     "app.example.com", "http://172.31.255.254/api/v1/%2Fx~._-", "websecure", "le");
	route_expect("route escaped slash", "{" HOST "," URL("http:\\/\\/10.50.0.12\\/a") "}",
		     "app.example.com", "http://10.50.0.12/a", "websecure", "le");
	route_expect("route whitespace", " \n\t{ \"hostname\" : \"a.b\" ,\r\n \"target_url\" :"
		     "\"http://192.168.7.7:65535\" }\n\n", "a.b", "http://192.168.7.7:65535",
		     "websecure", "le");
	route_expect("route punycode and digits", "{\"hostname\":\"xn--bcher-kva.123.de\","
		     URL("http://10.50.0.12") "}", "xn--bcher-kva.123.de", "http://10.50.0.12",
		     "websecure", "le");
	route_expect("route single label", "{\"hostname\":\"intranet\"," URL("http://10.50.0.12") "}",
		     "intranet", "http://10.50.0.12", "websecure", "le");

	memset(host, 'a', 63);
	strcpy(host + 63, ".b");
	snprintf(json, sizeof(json), "{\"hostname\":\"%s\"," URL("http://10.50.0.12") "}", host);
	route_expect("route label of 63", json, host, "http://10.50.0.12", "websecure", "le");
	for (int i = 0; i < 253; i += 2)
		memcpy(host + i, "a.", 2);
	host[253] = '\0';
	snprintf(json, sizeof(json), "{\"hostname\":\"%s\"," URL("http://10.50.0.12") "}", host);
	route_expect("route hostname of 253", json, host, "http://10.50.0.12", "websecure", "le");
}

static void test_route_policy(void)
{
	struct policy p6 = pol;
	char err[ERR_LEN];
	struct object *o = NULL;
	const char *v6 = "{" HOST "," URL("http://[FD00:0::5]:80/api") "}";

	cidr_list_parse(&p6.allowed, "10.0.0.0/8, fd00::/8", err, sizeof(err));
	CHECK("route v6 canonical", payload_parse(KIND_ROUTE, "web", v6, strlen(v6), &p6, &o, err,
						  sizeof(err)) == 0 &&
	      !strcmp(o->route.target_url, "http://[fd00::5]:80/api"));
	object_unref(o);
	v6 = "{" HOST "," URL("http://[fd00::1]") "}";
	CHECK("route v6 host address", payload_parse(KIND_ROUTE, "web", v6, strlen(v6), &p6, &o,
						     err, sizeof(err)) == -EINVAL);
	CHECK_STR("route v6 host address", err,
		  R "target_url host fd00::1 is an address of this host (never accepted)");
	cidr_list_free(&p6.allowed);

	p6 = pol;
	p6.entrypoint = NULL;
	p6.certresolver = NULL;
	CHECK("route no policy defaults", payload_parse(KIND_ROUTE, "web", ROUTE_OF(),
							strlen(ROUTE_OF()), &p6, &o, err,
							sizeof(err)) == 0 &&
	      !o->route.entrypoint && !o->route.certresolver);
	object_unref(o);
	p6.certresolver = "";
	CHECK("route empty policy certresolver", payload_parse(KIND_ROUTE, "web", ROUTE_OF(),
							       strlen(ROUTE_OF()), &p6, &o, err,
							       sizeof(err)) == 0 &&
	      !o->route.certresolver);
	object_unref(o);

	p6 = pol;
	p6.allowed.n = 0;
	CHECK("route empty allow list", payload_parse(KIND_ROUTE, "web", ROUTE_OF(),
						      strlen(ROUTE_OF()), &p6, &o, err,
						      sizeof(err)) == -EINVAL);
	CHECK_STR("route empty allow list", err,
		  R "target_url host 10.50.0.12 is outside ALLOWED_TARGETS (allowed: none)");
}

static void test_good_forward(void)
{
	struct object *o;
	struct policy open = pol;
	char err[ERR_LEN];

	o = parse_ok("forward minimal", KIND_FORWARD, FWD_OF());
	if (o) {
		CHECK("forward minimal fields", o->fwd.public_port == 22015 &&
		      o->fwd.target_port == 32215 && o->fwd.proto == PROTO_TCP &&
		      o->fwd.target_ip.s_addr == htonl(0x0a32000c));
		object_unref(o);
	}
	o = parse_ok("forward docs example", KIND_FORWARD, "{\"public_port\": 22015, \"target_ip\": "
		     "\"10.50.0.12\", \"target_port\": 32215, \"proto\": \"tcp\"}");
	object_unref(o);
	o = parse_ok("forward udp with id", KIND_FORWARD,
		     "{\"forward_id\":\"web\",\"proto\":\"udp\",\"target_port\":65535,"
		     "\"target_ip\":\"192.168.0.5\",\"public_port\":1}");
	if (o) {
		CHECK("forward udp fields", o->fwd.public_port == 1 && o->fwd.target_port == 65535 &&
		      o->fwd.proto == PROTO_UDP && o->fwd.target_ip.s_addr == htonl(0xc0a80005));
		object_unref(o);
	}
	o = parse_ok("forward next to reserved", KIND_FORWARD,
		     "{\"public_port\":23,\"target_ip\":\"172.16.0.1\",\"target_port\":22}");
	object_unref(o);

	open.n_reserved = 0;
	o = NULL;
	CHECK("forward nothing reserved",
	      payload_parse(KIND_FORWARD, "web", "{\"public_port\":22," TIP "," TPORT "}",
			    strlen("{\"public_port\":22," TIP "," TPORT "}"), &open, &o, err,
			    sizeof(err)) == 0 && o->fwd.public_port == 22);
	object_unref(o);
}

/* Every new field: parsed, and read back the same from its canonical JSON (the cache). */
static void forward_round(const char *name, const char *json)
{
	struct object *o = parse_ok(name, KIND_FORWARD, json), *back = NULL;
	char err[ERR_LEN];
	struct strbuf sb;

	if (!o)
		return;
	strbuf_init(&sb);
	forward_json(&sb, &o->fwd);
	CHECK(name, !sb.err && parse(KIND_FORWARD, sb.buf, &back, err) == 0 &&
	      object_equal(o, back));
	object_unref(back);
	object_unref(o);
	strbuf_free(&sb);
}

static void test_forward_options(void)
{
	struct object *o;

	o = parse_ok("forward range same ports", KIND_FORWARD,
		     "{\"public_port\":30000,\"public_port_end\":30999," TIP "}");
	if (o)
		CHECK("range fields", o->fwd.public_port_end == 30999 && !o->fwd.target_port &&
		      fwd_featured(&o->fwd));
	object_unref(o);
	o = parse_ok("forward compact nested limit", KIND_FORWARD,
		     FWD_OF(",\"limit\":{\"connections_per_source\":2,\"new_per_source\":\"5/minute\"}"));
	if (o)
		CHECK("limit fields", o->fwd.conn_per_source == 2 && o->fwd.new_rate == 5 &&
		      o->fwd.new_rate_unit == RATE_MINUTE);
	object_unref(o);
	o = parse_ok("forward targets", KIND_FORWARD, FWD_T(",\"affinity\":\"source\","
		     "\"health\":{\"interval_ms\":500}"));
	if (o)
		CHECK("targets fields", o->fwd.n_targets == 2 && o->fwd.affinity &&
		      o->fwd.targets[1].port == 80 && o->fwd.health.interval_ms == 500 &&
		      o->fwd.health.timeout_ms == 250 && o->fwd.health.unhealthy_after == 3 &&
		      o->fwd.health.healthy_after == 2);
	object_unref(o);
	o = parse_ok("forward plain is not featured", KIND_FORWARD, FWD_OF());
	if (o)
		CHECK("plain not featured", !fwd_featured(&o->fwd) &&
		      o->fwd.public_port_end == o->fwd.public_port);
	object_unref(o);
	forward_round("round plain", FWD_OF(",\"proto\":\"udp\""));
	forward_round("round range shifted", "{\"public_port\":30000,\"public_port_end\":30999,"
		      TIP ",\"target_port\":40000}");
	forward_round("round targets", "{\"public_port\":30000,\"public_port_end\":30009,"
		      "\"targets\":[{\"ip\":\"10.50.0.12\",\"weight\":3},{\"ip\":\"10.50.0.13\"}],"
		      "\"affinity\":\"source\",\"health\":{\"interval_ms\":1000,\"timeout_ms\":200,"
		      "\"unhealthy_after\":2,\"healthy_after\":1}}");
	forward_round("round allow limit", FWD_OF(",\"allow_from\":[\"203.0.113.0/24\","
		      "\"198.51.100.7\",\"@lab\"],\"limit\":{\"new_per_source\":\"10/second\"},"
		      "\"preserve_source\":true"));
}

static void test_equal(void)
{
	char err[ERR_LEN];
	struct object *a = NULL, *b = NULL;

	parse(KIND_FORWARD, FWD_OF(), &a, err);
	parse(KIND_FORWARD, "{ " TPORT ", \"proto\": \"tcp\", " TIP ", " PUB " }", &b, err);
	CHECK("equal forwards whatever the order", object_equal(a, b));
	object_unref(a);
	object_unref(b);
	parse(KIND_ROUTE, ROUTE_OF(), &a, err);
	parse(KIND_ROUTE, "{" URL("http://10.50.0.12:08080") "," HOST ",\"entrypoint\":\"websecure\"}",
	      &b, err);
	CHECK("equal routes after canonical url", object_equal(a, b));
	object_unref(b);
	parse(KIND_ROUTE, ROUTE_OF(",\"certresolver\":null"), &b, err);
	CHECK("routes differ by certresolver", !object_equal(a, b));
	object_unref(a);
	object_unref(b);
}

static bool in_tail(const struct object *o, const char *s)
{
	return (uintptr_t)s > (uintptr_t)o && (uintptr_t)s < (uintptr_t)o->id;
}

/* A parsed route keeps its strings in its own allocation, the rarer parts apart. */
static void test_packed(void)
{
	char err[ERR_LEN];
	struct object *a = NULL, *b, *f = NULL, *g;

	parse(KIND_ROUTE, ROUTE_OF(), &a, err);
	CHECK("typical route: no extra part", a && !a->route.extra &&
	      !route_extra_of(&a->route)->n_targets && !route_extra_of(&a->route)->health_path);
	CHECK("typical route: strings packed", a && in_tail(a, a->route.hostname) &&
	      in_tail(a, a->route.target_url) && in_tail(a, a->route.entrypoint) &&
	      in_tail(a, a->route.certresolver) && !a->route.path_prefix &&
	      !strcmp(a->id, "web"));
	b = object_new(KIND_ROUTE, "web");
	b->route.hostname = strdup("app.example.com");
	b->route.target_url = strdup("http://10.50.0.12:8080");
	b->route.entrypoint = strdup("websecure");
	b->route.certresolver = strdup("le");
	b->route.tls = pol.tls;
	CHECK("packed equals unpacked", object_equal(a, b) && !in_tail(b, b->route.hostname));
	CHECK("pack a built route", object_pack(&b) == 0 && in_tail(b, b->route.hostname) &&
	      object_equal(a, b) && !strcmp(b->route.entrypoint, "websecure"));
	CHECK("pack twice", object_pack(&b) == 0 && object_equal(a, b));
	object_unref(a);
	object_unref(b);

	parse(KIND_ROUTE, ROUTE_OF(",\"path_prefix\":\"/api\",\"health\":{\"path\":\"/h\"}"),
	      &a, err);
	CHECK("featured route: extra part", a && a->route.extra &&
	      !strcmp(route_extra_of(&a->route)->health_path, "/h") &&
	      in_tail(a, a->route.path_prefix) && !strcmp(a->route.path_prefix, "/api"));
	object_unref(a);

	parse(KIND_FORWARD, FWD_OF(), &f, err);
	g = f;
	CHECK("forward not packed", f && object_pack(&f) == 0 && f == g);
	object_unref(f);
}

/* Lists at their limit pass, one more is refused with the count. */
static void list_limit(const char *name, const char *head, const char *pre, const char *post,
		       const char *tail, size_t max, const char *want)
{
	char err[ERR_LEN], label[96];
	struct object *o = NULL;
	struct strbuf sb;

	for (size_t n = max; n <= max + 1; n++) {
		strbuf_init(&sb);
		strbuf_puts(&sb, head);
		for (size_t i = 0; i < n; i++)
			strbuf_printf(&sb, "%s%s%zu%s", i ? "," : "", pre, i, post);
		strbuf_puts(&sb, tail);
		snprintf(label, sizeof(label), "%s: %zu entries", name, n);
		if (n == max) {
			CHECK(label, parse(KIND_ROUTE, sb.buf, &o, err) == 0);
		} else {
			CHECK(label, parse(KIND_ROUTE, sb.buf, &o, err) == -EINVAL && !o);
			CHECK_STR(label, err, want);
		}
		object_unref(o);
		o = NULL;
		strbuf_free(&sb);
	}
}

static void test_route_lists(void)
{
	list_limit("targets", "{" HOST ",\"targets\":[", "{\"url\":\"http://10.50.", ".9\"}", "]}",
		   64, R "targets has 65 entries, over the limit of 64");
	list_limit("allow_from", "{" HOST "," URL("http://10.50.0.12") ",\"allow_from\":[",
		   "\"10.1.", ".0/24\"", "]}", 64, R "allow_from has 65 entries, over the limit of 64");
	list_limit("basic_auth", "{" HOST "," URL("http://10.50.0.12") ",\"basic_auth\":{\"users\":[",
		   "\"u", ":{SHA}qvTGHdzF6KLavt4PO0gs2a6pQ00=\"", "]}}", 64,
		   R "basic_auth.users has 65 entries, over the limit of 64");
}

static void test_limits(void)
{
	char err[ERR_LEN], *big = malloc(70001);
	struct policy p = pol;
	struct object *o = NULL;
	const char nul[] = "{\"hostname\":\0\"a\"}";
	size_t n;

	if (!big)
		return;
	memset(big, ' ', 70000);
	memcpy(big, FWD_OF(), strlen(FWD_OF()));
	CHECK("size over", payload_parse(KIND_FORWARD, "web", big, 70000, &pol, &o, err,
					 sizeof(err)) == -EINVAL && !o);
	CHECK_STR("size over", err, F "payload is 70000 bytes, over the limit of 65536 bytes");
	CHECK("size at limit", payload_parse(KIND_FORWARD, "web", big, 65536, &pol, &o, err,
					     sizeof(err)) == 0);
	object_unref(o);
	o = NULL;
	p.max_payload = 0;
	CHECK("size default limit", payload_parse(KIND_FORWARD, "web", big, 65537, &p, &o, err,
						  sizeof(err)) == -EINVAL);
	CHECK_STR("size default limit", err, F "payload is 65537 bytes, over the limit of 65536 bytes");
	p.max_payload = 100;
	CHECK("size policy limit", payload_parse(KIND_FORWARD, "web", big, 101, &p, &o, err,
						 sizeof(err)) == -EINVAL);
	CHECK_STR("size policy limit", err, F "payload is 101 bytes, over the limit of 100 bytes");

	CHECK("nul byte", payload_parse(KIND_ROUTE, "web", nul, sizeof(nul) - 1, &pol, &o, err,
					sizeof(err)) == -EINVAL);
	CHECK_STR("nul byte", err, R "payload contains a NUL byte at offset 12");
	CHECK("nul before template", payload_parse(KIND_ROUTE, "web", "{{\0", 3, &pol, &o, err,
						   sizeof(err)) == -EINVAL);
	CHECK_STR("nul before template", err, R "payload contains a NUL byte at offset 2");
	CHECK("size before nul", payload_parse(KIND_ROUTE, "web", "{{\0", 3, &p, &o, err, 0) ==
	      -EINVAL);

	n = (size_t)snprintf(big, 70000, "{" HOST ",\"target_url\":\"http://10.50.0.12/");
	memset(big + n, 'a', 2048 - 18);
	strcpy(big + n + 2048 - 18, "\"}");
	CHECK("url at limit", parse(KIND_ROUTE, big, &o, err) == 0 &&
	      strlen(o->route.target_url) == 2048);
	object_unref(o);
	o = NULL;
	strcpy(big + n + 2048 - 18, "a\"}");
	CHECK("url over limit", parse(KIND_ROUTE, big, &o, err) == -EINVAL);
	CHECK_STR("url over limit", err, R "target_url \"http://10.50.0.12/aaaaaaaaaaaaaaaaaaaaaaaaa"
		  "aaaaaaaaaaaaaaaaaaaaa...\" is 2049 bytes, over the limit of 2048 bytes");
	free(big);

	CHECK("empty buffer", payload_parse(KIND_ROUTE, "web", NULL, 0, &pol, &o, err,
					    sizeof(err)) == -EINVAL);
	CHECK_STR("empty buffer", err, R "payload is not valid JSON: unexpected end of data at offset 0");
	CHECK("null buffer with length", payload_parse(KIND_ROUTE, "web", NULL, 5, &pol, &o, err,
						       sizeof(err)) == -EINVAL);
	CHECK("no policy", payload_parse(KIND_ROUTE, "web", "{}", 2, NULL, &o, err,
					 sizeof(err)) == -EINVAL);
	CHECK("bad kind", payload_parse(KIND_COUNT, "web", "{}", 2, &pol, &o, err,
					sizeof(err)) == -EINVAL);
	CHECK("error buffer too small", parse(KIND_FORWARD, "{\"public_port\":22}", &o, err) &&
	      payload_parse(KIND_FORWARD, "web", "{\"public_port\":22}", 18, &pol, &o, err, 16) ==
	      -EINVAL);
	CHECK_STR("error buffer too small", err, "forward web: pu");
	CHECK("no error buffer", payload_parse(KIND_FORWARD, "web", "{\"public_port\":22}", 18,
					       &pol, &o, NULL, 0) == -EINVAL);
}

static void test_ids(void)
{
	char err[ERR_LEN], id[80];
	struct object *o = (struct object *)&o;

	CHECK("id invalid", payload_parse(KIND_ROUTE, "Web", "[", 1, &pol, &o, err,
					  sizeof(err)) == -EINVAL && !o);
	CHECK_STR("id invalid", err, "route \"Web\": id does not match [a-z0-9][a-z0-9_-]{0,62}");
	CHECK("id null", payload_parse(KIND_FORWARD, NULL, FWD_OF(), strlen(FWD_OF()), &pol, &o,
				       err, sizeof(err)) == -EINVAL);
	CHECK_STR("id null", err, "forward \"\": id does not match [a-z0-9][a-z0-9_-]{0,62}");
	CHECK("id newline", payload_parse(KIND_FORWARD, "a\nb", FWD_OF(), strlen(FWD_OF()), &pol,
					  &o, err, sizeof(err)) == -EINVAL);
	CHECK_STR("id newline", err, "forward \"a\\x0ab\": id does not match [a-z0-9][a-z0-9_-]{0,62}");
	memset(id, 'a', 79);
	id[79] = '\0';
	CHECK("id too long", payload_parse(KIND_FORWARD, id, FWD_OF(), strlen(FWD_OF()), &pol, &o,
					   err, sizeof(err)) == -EINVAL);
	CHECK_STR("id too long", err, "forward \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		  "aaaaaaaaaaaaa...\": id does not match [a-z0-9][a-z0-9_-]{0,62}");
	id[63] = '\0';
	CHECK("id of 63", payload_parse(KIND_FORWARD, id, FWD_OF(), strlen(FWD_OF()), &pol, &o,
					err, sizeof(err)) == 0 && !strcmp(o->id, id));
	object_unref(o);

	CHECK("payload_id_valid a", payload_id_valid("a", 1));
	CHECK("payload_id_valid digit", payload_id_valid("0", 1));
	CHECK("payload_id_valid mixed", payload_id_valid("web-ssh_2", 9));
	CHECK("payload_id_valid by length", payload_id_valid("web/x", 3));
	CHECK("payload_id_valid 63", payload_id_valid(id, 63));
	CHECK("payload_id_valid 64 no", !payload_id_valid(id, 64));
	CHECK("payload_id_valid empty no", !payload_id_valid("", 0));
	CHECK("payload_id_valid null no", !payload_id_valid(NULL, 3));
	CHECK("payload_id_valid leading dash no", !payload_id_valid("-a", 2));
	CHECK("payload_id_valid leading underscore no", !payload_id_valid("_a", 2));
	CHECK("payload_id_valid upper no", !payload_id_valid("aB", 2));
	CHECK("payload_id_valid dot no", !payload_id_valid("a.b", 3));
	CHECK("payload_id_valid slash no", !payload_id_valid("a/b", 3));
	CHECK("payload_id_valid plus no", !payload_id_valid("a+", 2));
	CHECK("payload_id_valid nul no", !payload_id_valid("a\0b", 3));
}

static void test_tombstone(void)
{
	static const char *yes[] = {
		"{\"deleted\":true}",
		"{ \"deleted\" : true }\n",
		"{\"deleted\": true, \"deleted_at\": \"2026-01-01T00:00:00Z\"}",
		"{\"deleted_at\": \"x\", \"deleted\": true}",
	};
	static const char *no[] = {
		"", "{}", "{\"deleted\":false}", "{\"deleted\":1}", "{\"deleted\":\"true\"}",
		"{\"deleted\":true,\"public_port\":80}", "{\"deleted\":true,\"deleted_at\":5}",
"[\"deleted\",true]", "{\"deleted\":true} x",
		"{\"deleted\":true,\"deleted_at\":\"x\",\"by\":\"y\"}",
	};
	char big[TOMBSTONE_MAX + 40];

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		CHECK(yes[i], payload_tombstone(yes[i], strlen(yes[i])));
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		CHECK(no[i], !payload_tombstone(no[i], strlen(no[i])));
	snprintf(big, sizeof(big), "{\"deleted\":true,\"deleted_at\":\"%0*d\"}", TOMBSTONE_MAX, 0);
	CHECK("tombstone over TOMBSTONE_MAX is not one", !payload_tombstone(big, strlen(big)));
}

static void quote(const char *name, size_t len, const char *s, size_t n, const char *want)
{
	char buf[300];

	memset(buf, '#', sizeof(buf));
	payload_quote(buf, len, s, n);
	CHECK_STR(name, buf, want);
}

static void test_value_quote(void)
{
	char a[70], buf[8] = "keep";

	memset(a, 'a', sizeof(a));
	quote("quote plain", 300, "abc", 3, "\"abc\"");
	quote("quote empty", 300, "", 0, "\"\"");
	quote("quote null", 300, NULL, 4, "\"\"");
	quote("quote escapes", 300, "a\"b\\c", 5, "\"a\\\"b\\\\c\"");
	quote("quote bytes", 300, "\x01\t\x7f\xff\0", 5, "\"\\x01\\x09\\x7f\\xff\\x00\"");
	quote("quote by length", 300, "abcdef", 3, "\"abc\"");
	quote("quote 64", 300, a, 64,
	      "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"");
	quote("quote 65", 300, a, 65,
	      "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...\"");
	quote("quote small buffer", 10, "abcdefghijkl", 12, "\"abcd...\"");
	quote("quote fits exactly", 6, "a", 1, "\"a\"");
	quote("quote escape not split", 10, "\xff\xff\xff", 3, "\"\\xff...\"");
	quote("quote tiny buffer", 5, "abc", 3, "");
	payload_quote(buf, 0, "abc", 3);
	CHECK_STR("quote zero buffer untouched", buf, "keep");
}

static void test_many(void)
{
	char json[256], err[ERR_LEN], id[16];
	struct object *o;
	int ok = 0;

	for (int i = 0; i < 10000; i++) {
		snprintf(id, sizeof(id), "r%d", i);
		snprintf(json, sizeof(json), "{\"hostname\":\"vm-%d.example.com\",\"target_url\":"
			 "\"http://10.%d.%d.12:8080\",\"entrypoint\":\"websecure\"}", i, i / 256,
			 i % 256);
		o = NULL;
		ok += payload_parse(KIND_ROUTE, id, json, strlen(json), &pol, &o, err,
				    sizeof(err)) == 0;
		object_unref(o);
		snprintf(json, sizeof(json), "{\"public_port\":%d,\"target_ip\":\"10.50.%d.%d\","
			 "\"target_port\":32215,\"proto\":\"udp\"}", 20000 + i, i / 256, i % 256);
		o = NULL;
		ok += payload_parse(KIND_FORWARD, id, json, strlen(json), &pol, &o, err,
				    sizeof(err)) == 0;
		object_unref(o);
	}
	CHECK("parse 10000 routes and 10000 forwards", ok == 20000);
}

int main(void)
{
	char err[ERR_LEN];

	cidr_list_parse(&pol.allowed, "10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16", err,
			sizeof(err));
	cidr_list_parse(&pol.host, "10.0.0.1, 192.168.1.1, fd00::1", err, sizeof(err));
	pol.reserved = reserved;
	pol.n_reserved = sizeof(reserved) / sizeof(reserved[0]);
	pol.entrypoint = "websecure";
	pol.certresolver = "le";
	pol.max_payload = 65536;
	{
		struct cidr_list lab;

		sets_init(&sets);
		cidr_list_parse(&lab, "10.9.0.0/16", err, sizeof(err));
		sets_put(&sets, 0, "lab", &lab, 1);
		pol.sets = &sets;
	}

	test_bad_table();
	test_good_route();
	test_route_policy();
	test_good_forward();
	test_forward_options();
	test_equal();
	test_packed();
	test_limits();
	test_route_lists();
	test_ids();
	test_value_quote();
	test_tombstone();
	test_many();

	cidr_list_free(&pol.allowed);
	cidr_list_free(&pol.host);
	return CHECK_DONE();
}
