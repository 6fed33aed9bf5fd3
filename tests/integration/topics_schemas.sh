#!/usr/bin/env bash
# The MQTT contract: every payload schema in topics/ accepts the good examples and refuses
# the bad ones, and broker-config/mosquitto.conf runs a broker that keeps and delivers
# retained state. Prints PASS/FAIL per case; exit 0 all passed, 1 a failure, 77 skipped.
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
topics=$root/topics
conf=$root/broker-config/mosquitto.conf
py=/usr/bin/python3
failed=0
skipped=0

# ---- payload schemas -------------------------------------------------------------------

if ! "$py" -c 'import jsonschema' 2>/dev/null; then
	echo "SKIP schemas: $py has no jsonschema (Debian: python3-jsonschema)"
	skipped=1
else
	"$py" - "$topics" <<'EOF' || failed=1
import json, os, sys
import jsonschema

topics = sys.argv[1]
schemas = {}
for name in ("route", "forward", "set", "node-status", "object-status", "error-event", "tombstone"):
    with open(os.path.join(topics, name + ".schema.json")) as f:
        schemas[name] = json.load(f)

failures = 0

def report(ok, name, detail=""):
    global failures
    print(("PASS " if ok else "FAIL ") + name + (("\n  " + detail) if detail and not ok else ""))
    failures += not ok

def case(schema, name, want_valid, payload):
    v = jsonschema.Draft202012Validator(schemas[schema])
    errs = list(v.iter_errors(payload))
    if want_valid:
        report(not errs, "%s %s" % (schema, name), "; ".join(e.message[:200] for e in errs))
    else:
        report(bool(errs), "%s %s" % (schema, name), "accepted: " + json.dumps(payload)[:200])

for name, s in schemas.items():
    try:
        jsonschema.Draft202012Validator.check_schema(s)
        report(True, "%s schema-is-valid-2020-12" % name)
    except jsonschema.SchemaError as e:
        report(False, "%s schema-is-valid-2020-12" % name, e.message)
    for i, ex in enumerate(s.get("examples", [])):
        case(name, "embedded-example-%d" % i, True, ex)

def route(**kw):
    p = {"hostname": "vm-123.example.com", "target_url": "http://10.50.0.12:8080"}
    p.update(kw)
    return {k: v for k, v in p.items() if v is not DROP}

def forward(**kw):
    p = {"public_port": 22015, "target_ip": "10.50.0.12", "target_port": 32215, "proto": "tcp"}
    p.update(kw)
    return {k: v for k, v in p.items() if v is not DROP}

DROP = object()
label63 = "a" * 63
host253 = ".".join([label63] * 3 + ["b" * 61])
assert len(host253) == 253

good, bad = True, False
cases = [
    # tombstone: exactly what payload_tombstone() accepts
    ("tombstone", "minimal", good, {"deleted": True}),
    ("tombstone", "with-time", good, {"deleted": True, "deleted_at": "2026-12-02T18:00:00Z"}),
    ("tombstone", "false-is-not", bad, {"deleted": False}),
    ("tombstone", "extra-key", bad, {"deleted": True, "public_port": 80}),
    ("tombstone", "time-not-string", bad, {"deleted": True, "deleted_at": 5}),
    ("tombstone", "string-true", bad, {"deleted": "true"}),

    # route: accepted
    ("route", "minimal", good, route()),
    ("route", "all-fields", good, route(route_id="vm-123", entrypoint="websecure", certresolver="le")),
    ("route", "certresolver-null-means-default-cert", good, route(certresolver=None)),
    ("route", "certresolver-empty-means-default-cert", good, route(certresolver="")),
    ("route", "https-ipv6-port-path", good, route(target_url="https://[fd00:50::12]:8443/app/v1")),
    ("route", "ipv6-short", good, route(target_url="http://[fd00::1]")),
    ("route", "ipv6-full", good, route(target_url="http://[2001:db8:0:0:0:0:0:1]:80/")),
    ("route", "ipv6-embedded-ipv4", good, route(target_url="http://[::ffff:10.50.0.12]:8080")),
    ("route", "no-port", good, route(target_url="https://10.50.0.12")),
    ("route", "port-1", good, route(target_url="http://10.50.0.12:1")),
    ("route", "port-65535", good, route(target_url="http://10.50.0.12:65535")),
    ("route", "path-unreserved-and-escapes", good, route(target_url="http://10.50.0.12/a%20b/~x_y.z-1/")),
    ("route", "hostname-punycode", good, route(hostname="xn--bcher-kva.example.org")),
    ("route", "hostname-single-label", good, route(hostname="intranet")),
    ("route", "hostname-253-chars", good, route(hostname=host253)),
    ("route", "hostname-label-63-chars", good, route(hostname=label63 + ".example.com")),
    ("route", "entrypoint-63-chars", good, route(entrypoint="E" + "p" * 62)),
    ("route", "port-leading-zeros-dropped-by-agent", good, route(target_url="http://10.50.0.12:0080")),
    ("route", "target_url-2048-chars", good, route(target_url="http://10.50.0.12/" + "p" * 2030)),
    ("route", "agent-only-target-outside-allowed", good, route(target_url="http://8.8.8.8")),
    ("route", "agent-only-target-loopback", good, route(target_url="http://[::1]:8080")),
    # route: refused
    ("route", "missing-hostname", bad, route(hostname=DROP)),
    ("route", "missing-target_url", bad, route(target_url=DROP)),
    ("route", "not-an-object", bad, ["vm-123.example.com"]),
    ("route", "unknown-field", bad, route(middlewares=["auth"])),
    ("route", "hostname-upper-case", bad, route(hostname="VM-123.example.com")),
    ("route", "hostname-trailing-dot", bad, route(hostname="vm-123.example.com.")),
    ("route", "hostname-empty", bad, route(hostname="")),
    ("route", "hostname-empty-label", bad, route(hostname="vm..example.com")),
    ("route", "hostname-label-leading-hyphen", bad, route(hostname="-vm.example.com")),
    ("route", "hostname-label-trailing-hyphen", bad, route(hostname="vm-.example.com")),
    ("route", "hostname-label-64-chars", bad, route(hostname="a" * 64 + ".example.com")),
    ("route", "hostname-254-chars", bad, route(hostname="c" + host253)),
    ("route", "hostname-underscore", bad, route(hostname="vm_123.example.com")),
    ("route", "hostname-wildcard", bad, route(hostname="*.example.com")),
    ("route", "hostname-non-ascii", bad, route(hostname="b\u00fccher.example.org")),
    ("route", "hostname-backtick", bad, route(hostname="a`) || Host(`b.example.com")),
    ("route", "hostname-template", bad, route(hostname="{{ env \"SECRET\" }}.example.com")),
    ("route", "hostname-number", bad, route(hostname=123)),
    ("route", "target-dns-name", bad, route(target_url="http://backend:8080")),
    ("route", "target-scheme-ftp", bad, route(target_url="ftp://10.50.0.12")),
    ("route", "target-scheme-upper-case", bad, route(target_url="HTTP://10.50.0.12")),
    ("route", "target-no-scheme", bad, route(target_url="10.50.0.12:8080")),
    ("route", "target-query", bad, route(target_url="http://10.50.0.12/a?b=1")),
    ("route", "target-fragment", bad, route(target_url="http://10.50.0.12/a#b")),
    ("route", "target-credentials", bad, route(target_url="http://user:pw@10.50.0.12")),
    ("route", "target-port-0", bad, route(target_url="http://10.50.0.12:0")),
    ("route", "target-port-65536", bad, route(target_url="http://10.50.0.12:65536")),
    ("route", "target-port-zeros-only", bad, route(target_url="http://10.50.0.12:000")),
    ("route", "target-2049-chars", bad, route(target_url="http://10.50.0.12/" + "p" * 2031)),
    ("route", "target-port-empty", bad, route(target_url="http://10.50.0.12:/")),
    ("route", "target-ipv4-octet-256", bad, route(target_url="http://10.50.0.256")),
    ("route", "target-ipv4-leading-zero", bad, route(target_url="http://010.50.0.12")),
    ("route", "target-ipv4-three-octets", bad, route(target_url="http://10.50.12")),
    ("route", "target-ipv6-unbracketed", bad, route(target_url="http://fd00::12:8080")),
    ("route", "target-ipv6-zone", bad, route(target_url="http://[fe80::1%25eth0]:80")),
    ("route", "target-ipv6-two-double-colons", bad, route(target_url="http://[fd00::1::2]")),
    ("route", "target-ipv6-nine-groups", bad, route(target_url="http://[1:2:3:4:5:6:7:8:9]")),
    ("route", "target-path-template", bad, route(target_url="http://10.50.0.12/{{.Env}}")),
    ("route", "target-path-space", bad, route(target_url="http://10.50.0.12/a b")),
    ("route", "target-path-bad-escape", bad, route(target_url="http://10.50.0.12/%zz")),
    ("route", "target-trailing-newline", bad, route(target_url="http://10.50.0.12\n")),
    ("route", "hostname-trailing-newline", bad, route(hostname="vm-123.example.com\n")),
    ("route", "entrypoint-null", bad, route(entrypoint=None)),
    ("route", "entrypoint-empty", bad, route(entrypoint="")),
    ("route", "entrypoint-dot", bad, route(entrypoint="web.secure")),
    ("route", "entrypoint-leading-underscore", bad, route(entrypoint="_web")),
    ("route", "entrypoint-64-chars", bad, route(entrypoint="e" * 64)),
    ("route", "certresolver-space", bad, route(certresolver="lets encrypt")),
    ("route", "certresolver-false", bad, route(certresolver=False)),
    ("route", "route_id-upper-case", bad, route(route_id="Vm-123")),
    ("route", "route_id-template", bad, route(route_id="{{x}}")),

    # route, issue 16 fields: accepted
    ("route", "path-prefix-strip", good, route(path_prefix="/api/v1", strip_prefix=True)),
    ("route", "path-prefix-root", good, route(path_prefix="/")),
    ("route", "targets-weighted", good, route(target_url=DROP, targets=[{"url": "http://10.50.0.12", "weight": 2}, {"url": "https://[fd00::2]:8443"}])),
    ("route", "health", good, route(health={"path": "/healthz", "interval_s": 10, "timeout_s": 2})),
    ("route", "allow-from-cidr-address-set", good, route(allow_from=["203.0.113.0/24", "2001:db8::/32", "198.51.100.7", "@office"])),
    ("route", "basic-auth-three-hashes", good, route(basic_auth={"users": ["a:$2b$10$" + "x" * 53, "b:$apr1$salt$" + "y" * 22, "c:{SHA}" + "z" * 27 + "="]})),
    ("route", "rate-limit-headers-redirect", good, route(rate_limit={"average": 5}, headers={"response": {"X-A": ""}}, redirect_https=True, sticky=False)),
    ("route", "passthrough", good, {"hostname": "db.example.com", "tls": "passthrough", "target": "10.50.0.20:5432", "proxy_protocol": 1, "redirect_https": True}),
    ("route", "tls-entrypoint", good, route(tls="entrypoint")),
    # route, issue 16 fields: refused
    ("route", "target_url-and-targets", bad, route(targets=[{"url": "http://10.50.0.12"}])),
    ("route", "targets-empty", bad, route(target_url=DROP, targets=[])),
    ("route", "targets-65", bad, route(target_url=DROP, targets=[{"url": "http://10.50.0.12"}] * 65)),
    ("route", "targets-weight-0", bad, route(target_url=DROP, targets=[{"url": "http://10.50.0.12", "weight": 0}])),
    ("route", "targets-unknown-field", bad, route(target_url=DROP, targets=[{"url": "http://10.50.0.12", "port": 1}])),
    ("route", "path-prefix-dotdot", bad, route(path_prefix="/a/../b")),
    ("route", "path-prefix-backtick", bad, route(path_prefix="/a`")),
    ("route", "path-prefix-relative", bad, route(path_prefix="api")),
    ("route", "strip-without-prefix", bad, route(strip_prefix=True)),
    ("route", "health-empty", bad, route(health={})),
    ("route", "health-interval-0", bad, route(health={"path": "/h", "interval_s": 0})),
    ("route", "sticky-string", bad, route(sticky="yes")),
    ("route", "allow-from-hostname", bad, route(allow_from=["example.com"])),
    ("route", "allow-from-empty", bad, route(allow_from=[])),
    ("route", "basic-auth-plain", bad, route(basic_auth={"users": ["alice:secret"]})),
    ("route", "basic-auth-sha512-crypt", bad, route(basic_auth={"users": ["alice:$6$salt$hash"]})),
    ("route", "rate-limit-no-average", bad, route(rate_limit={"burst": 5})),
    ("route", "headers-empty", bad, route(headers={})),
    ("route", "headers-name-space", bad, route(headers={"request": {"X A": "1"}})),
    ("route", "headers-value-newline", bad, route(headers={"request": {"X-A": "a\r\nB: c"}})),
    ("route", "tls-unknown", bad, route(tls="on")),
    ("route", "passthrough-with-target_url", bad, route(tls="passthrough", target="10.50.0.20:443")),
    ("route", "passthrough-without-target", bad, {"hostname": "db.example.com", "tls": "passthrough"}),
    ("route", "passthrough-proxy-3", bad, {"hostname": "db.example.com", "tls": "passthrough", "target": "10.50.0.20:443", "proxy_protocol": 3}),
    ("route", "target-without-passthrough", bad, route(target="10.50.0.20:443")),
    # named sets
    ("set", "networks-and-address", good, {"cidrs": ["203.0.113.0/24", "2001:db8::/32", "198.51.100.7"]}),
    ("set", "empty", bad, {"cidrs": []}),
    ("set", "missing", bad, {}),
    ("set", "hostname", bad, {"cidrs": ["office.example.com"]}),
    ("set", "unknown-field", bad, {"cidrs": ["10.0.0.0/8"], "name": "x"}),
    ("set", "not-a-list", bad, {"cidrs": "10.0.0.0/8"}),
    # forward: accepted
    ("forward", "full", good, forward()),
    ("forward", "proto-defaults-to-tcp", good, forward(proto=DROP)),
    ("forward", "udp-with-forward_id", good, forward(proto="udp", forward_id="vm-123-dns")),
    ("forward", "ports-1-and-65535", good, forward(public_port=65535, target_port=1)),
    ("forward", "agent-only-reserved-port", good, forward(public_port=22)),
    ("forward", "agent-only-host-or-outside-target", good, forward(target_ip="8.8.8.8")),
    # forward: refused
    ("forward", "missing-public_port", bad, forward(public_port=DROP)),
    ("forward", "missing-target_ip", bad, forward(target_ip=DROP)),
    ("forward", "missing-target_port", bad, forward(target_port=DROP)),
    ("forward", "unknown-field", bad, forward(comment="ssh")),
    ("forward", "public_port-0", bad, forward(public_port=0)),
    ("forward", "public_port-65536", bad, forward(public_port=65536)),
    ("forward", "public_port-negative", bad, forward(public_port=-22)),
    ("forward", "public_port-string", bad, forward(public_port="22015")),
    ("forward", "public_port-fraction", bad, forward(public_port=22015.5)),
    ("forward", "public_port-null", bad, forward(public_port=None)),
    ("forward", "target_port-0", bad, forward(target_port=0)),
    ("forward", "target_ip-octet-256", bad, forward(target_ip="10.50.0.256")),
    ("forward", "target_ip-leading-zero", bad, forward(target_ip="10.050.0.12")),
    ("forward", "target_ip-ipv6", bad, forward(target_ip="fd00::12")),
    ("forward", "target_ip-name", bad, forward(target_ip="backend")),
    ("forward", "target_ip-cidr", bad, forward(target_ip="10.50.0.12/32")),
    ("forward", "target_ip-with-port", bad, forward(target_ip="10.50.0.12:22")),
    ("forward", "target_ip-trailing-newline", bad, forward(target_ip="10.50.0.12\n")),
    ("forward", "proto-upper-case", bad, forward(proto="TCP")),
    ("forward", "proto-sctp", bad, forward(proto="sctp")),
    ("forward", "proto-null", bad, forward(proto=None)),
    ("forward", "forward_id-leading-hyphen", bad, forward(forward_id="-ssh")),
    ("forward", "forward_id-64-chars", bad, forward(forward_id="f" * 64)),
    # forward: ranges, targets, allow_from, limit, health, preserve_source
    ("forward", "range-same-ports", good, forward(public_port=30000, public_port_end=30999, target_port=DROP)),
    ("forward", "range-shifted", good, forward(public_port=30000, public_port_end=30999, target_port=40000)),
    ("forward", "one-port-needs-target_port", bad, forward(target_port=DROP)),
    ("forward", "range-end-0", bad, forward(public_port_end=0)),
    ("forward", "targets", good, forward(target_ip=DROP, target_port=DROP, targets=[
        {"ip": "10.50.0.12", "port": 80, "weight": 3}, {"ip": "10.50.0.13", "port": 80}],
        affinity="source", health={"interval_ms": 500, "timeout_ms": 100, "unhealthy_after": 2, "healthy_after": 1})),
    ("forward", "targets-and-target_ip", bad, forward(targets=[{"ip": "10.50.0.12", "port": 80}])),
    ("forward", "targets-empty", bad, forward(target_ip=DROP, target_port=DROP, targets=[])),
    ("forward", "targets-65", bad, forward(target_ip=DROP, target_port=DROP,
        targets=[{"ip": "10.50.0.%d" % i, "port": 80} for i in range(65)])),
    ("forward", "target-weight-0", bad, forward(target_ip=DROP, target_port=DROP, targets=[{"ip": "10.50.0.12", "port": 80, "weight": 0}])),
    ("forward", "target-unknown-field", bad, forward(target_ip=DROP, target_port=DROP, targets=[{"ip": "10.50.0.12", "host": "x"}])),
    ("forward", "affinity-without-targets", bad, forward(affinity="source")),
    ("forward", "affinity-cookie", bad, forward(target_ip=DROP, target_port=DROP, targets=[{"ip": "10.50.0.12", "port": 80}], affinity="cookie")),
    ("forward", "health-without-interval", bad, forward(target_ip=DROP, target_port=DROP, targets=[{"ip": "10.50.0.12", "port": 80}], health={"timeout_ms": 100})),
    ("forward", "allow-cidrs-and-set", good, forward(allow_from=["203.0.113.0/24", "198.51.100.7", "@office"])),
    ("forward", "allow-ipv6", bad, forward(allow_from=["2001:db8::/32"])),
    ("forward", "allow-empty", bad, forward(allow_from=[])),
    ("forward", "limit-compact-nested", good, forward(limit={"connections_per_source": 2})),
    ("forward", "limit-rate", good, forward(limit={"new_per_source": "10/minute"})),
    ("forward", "limit-rate-hour", bad, forward(limit={"new_per_source": "10/hour"})),
    ("forward", "limit-empty", bad, forward(limit={})),
    ("forward", "preserve_source", good, forward(preserve_source=True)),
    ("forward", "preserve_source-string", bad, forward(preserve_source="yes")),
    ("set", "over-100000", bad, {"cidrs": ["10.0.0.0/8"] * 100001}),
    ("object-status", "target-health", good, {"state": "applied", "source": "gw1", "updated_at": "2025-01-15T09:41:12Z",
        "targets": [{"ip": "10.50.0.12", "port": 80, "health": "down"}], "degraded": True}),
    ("object-status", "target-health-unknown", bad, {"state": "applied", "source": "gw1", "updated_at": "2025-01-15T09:41:12Z",
        "targets": [{"ip": "10.50.0.12", "health": "maybe"}]}),
]

ts = "2025-01-15T09:41:12Z"
online = {"state": "online", "node": "gw1", "version": "0.1.0", "synced": False,
          "started_at": "2025-01-15T09:30:00Z", "updated_at": ts, "groups": ["fleet", "eu-west"],
          "routes": {"applied": 10000, "rejected": 0, "failed": 0},
          "forwards": {"applied": 0, "rejected": 1, "failed": 2}, "errors": []}
offline = {"state": "offline", "node": "gw1", "version": "0.1.0"}

def with_(base, **kw):
    p = dict(base)
    p.update(kw)
    return {k: v for k, v in p.items() if v is not DROP}

cases += [
    ("node-status", "online-replaying", good, online),
    ("node-status", "online-with-errors", good, with_(online, synced=True,
        errors=["nftables: table inet edge_agent: Operation not permitted"])),
    ("node-status", "online-no-groups", good, with_(online, groups=[])),
    ("node-status", "offline-will", good, offline),
    ("node-status", "version-prerelease-build", good, with_(offline, version="0.1.0-3-gabc1234+dirty")),
    ("node-status", "timestamp-fraction-offset", good, with_(online, updated_at="2025-01-15T10:41:12.250+01:00")),
    ("node-status", "offline-with-online-fields", bad, with_(offline, synced=False)),
    ("node-status", "online-missing-synced", bad, with_(online, synced=DROP)),
    ("node-status", "online-missing-errors", bad, with_(online, errors=DROP)),
    ("node-status", "state-unknown", bad, with_(offline, state="starting")),
    ("node-status", "synced-string", bad, with_(online, synced="true")),
    ("node-status", "node-upper-case", bad, with_(online, node="GW1")),
    ("node-status", "version-v-prefix", bad, with_(online, version="v0.1.0")),
    ("node-status", "timestamp-space", bad, with_(online, started_at="2025-01-15 09:30:00Z")),
    ("node-status", "timestamp-month-13", bad, with_(online, started_at="2025-13-01T00:00:00Z")),
    ("node-status", "timestamp-no-zone", bad, with_(online, updated_at="2025-01-15T09:41:12")),
    ("node-status", "count-negative", bad, with_(online, routes={"applied": -1, "rejected": 0, "failed": 0})),
    ("node-status", "count-missing-failed", bad, with_(online, routes={"applied": 1, "rejected": 0})),
    ("node-status", "count-extra", bad, with_(online, routes={"applied": 1, "rejected": 0, "failed": 0, "pending": 1})),
    ("node-status", "groups-duplicate", bad, with_(online, groups=["fleet", "fleet"])),
    ("node-status", "groups-nine", bad, with_(online, groups=["g%d" % i for i in range(9)])),
    ("node-status", "errors-empty-string", bad, with_(online, errors=[""])),
    ("node-status", "unknown-field", bad, with_(online, uptime=12)),
    ("node-status", "held-by-delete-guard", good, with_(online,
        held={"remove": 17, "of": 17, "token": "4-1a2b3c4d"})),
    ("node-status", "held-but-synced", bad, with_(online, synced=True,
        held={"remove": 17, "of": 17, "token": "4-1a2b3c4d"})),
    ("node-status", "held-without-token", bad, with_(online, held={"remove": 17, "of": 17})),
    ("node-status", "held-token-with-space", bad, with_(online,
        held={"remove": 17, "of": 17, "token": "4 1a2b"})),
    ("node-status", "held-remove-zero", bad, with_(online, held={"remove": 0, "of": 17, "token": "t"})),
    ("node-status", "held-extra-field", bad, with_(online,
        held={"remove": 1, "of": 17, "token": "t", "ids": []})),

    ("object-status", "applied", good, {"state": "applied", "source": "gw1", "updated_at": ts}),
    ("object-status", "applied-from-group", good, {"state": "applied", "source": "eu-west", "updated_at": ts}),
    ("object-status", "rejected", good, {"state": "rejected", "source": "gw1", "updated_at": ts,
        "error": "forward web-ssh: public_port 22 is reserved (reserved: 22, 80, 443, 1883, 51820)"}),
    ("object-status", "rejected-serving-previous", good, {"state": "rejected", "source": "gw1",
        "updated_at": ts, "serving_previous": True,
        "error": "route vm-123: hostname \"VM-123.example.com\" is not lower-case"}),
    ("object-status", "failed", good, {"state": "failed", "source": "fleet", "updated_at": ts,
        "error": "route vm-123: cannot write edge-agent.fleet.vm-123.yml: No space left on device"}),
    ("object-status", "applied-with-error", bad, {"state": "applied", "source": "gw1", "updated_at": ts,
        "error": "x"}),
    ("object-status", "applied-serving-previous", bad, {"state": "applied", "source": "gw1",
        "updated_at": ts, "serving_previous": True}),
    ("object-status", "rejected-without-error", bad, {"state": "rejected", "source": "gw1", "updated_at": ts}),
    ("object-status", "failed-serving-previous", bad, {"state": "failed", "source": "gw1",
        "updated_at": ts, "error": "x", "serving_previous": True}),
    ("object-status", "serving-previous-false", bad, {"state": "rejected", "source": "gw1",
        "updated_at": ts, "error": "x", "serving_previous": False}),
    ("object-status", "state-unknown", bad, {"state": "pending", "source": "gw1", "updated_at": ts}),
    ("object-status", "missing-source", bad, {"state": "applied", "updated_at": ts}),
    ("object-status", "missing-updated_at", bad, {"state": "applied", "source": "gw1"}),
    ("object-status", "source-upper-case", bad, {"state": "applied", "source": "Fleet", "updated_at": ts}),
    ("object-status", "source-trailing-newline", bad, {"state": "applied", "source": "gw1\n", "updated_at": ts}),
    ("object-status", "error-empty", bad, {"state": "failed", "source": "gw1", "updated_at": ts, "error": ""}),
    ("object-status", "error-512-chars", bad, {"state": "failed", "source": "gw1", "updated_at": ts,
        "error": "e" * 512}),
    ("object-status", "unknown-field", bad, {"state": "applied", "source": "gw1", "updated_at": ts, "id": "x"}),

    ("error-event", "bad-id", good, {"topic": "edge/gw1/routes/Web", "at": ts,
        "error": "route \"Web\": id does not match [a-z0-9][a-z0-9_-]{0,62}"}),
    ("error-event", "wrong-confirmation", good, {"topic": "edge/gw1/confirm", "at": ts,
        "error": "confirm: nothing is held"}),
    ("error-event", "missing-at", bad, {"topic": "edge/gw1/routes/Web", "error": "x"}),
    ("error-event", "missing-topic", bad, {"error": "x", "at": ts}),
    ("error-event", "empty-error", bad, {"topic": "edge/gw1/x", "error": "", "at": ts}),
    ("error-event", "at-not-rfc3339", bad, {"topic": "edge/gw1/x", "error": "x", "at": "1736934072"}),
    ("error-event", "unknown-field", bad, {"topic": "edge/gw1/x", "error": "x", "at": ts, "payload": ""}),
]

for schema, name, want, payload in cases:
    case(schema, name, want, payload)
sys.exit(1 if failures else 0)
EOF
fi

# ---- broker configuration --------------------------------------------------------------

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1${2:+
  $2}"; failed=1; }

missing=
for t in mosquitto mosquitto_pub mosquitto_sub; do
	command -v "$t" >/dev/null 2>&1 || missing="$missing $t"
done
if [ -n "$missing" ]; then
	echo "SKIP broker: missing$missing (Debian: mosquitto mosquitto-clients)"
	skipped=1
else
	tmp=$(mktemp -d)
	ROOT=$root
	source "$root/tests/lib/prod_broker.sh"
	broker=
	stop_broker() {
		[ -n "$broker" ] || return 0
		kill "$broker" 2>/dev/null
		wait "$broker" 2>/dev/null
		broker=
	}
	trap 'stop_broker; rm -rf "$tmp"' EXIT
	# Run as root, mosquitto drops to the mosquitto user: it must reach and own its
	# database dir.
	chmod 711 "$tmp"
	port=$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	tlsport=$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	# the production file with only its paths and (both on loopback) its ports rewritten
	PB_PORTS="$port $tlsport" prod_broker_init "$tmp/pb" 127.0.0.1
	prod_account -c schemas
	prod_account -c schemas-pub     # one connection per account: the publisher needs its own
	cp "$PB_DIR/mosquitto.conf" "$tmp/mosquitto.conf"
	if [ "$PB_CHANGED" -eq 7 ]; then pass "broker config-rewrites-only-paths-and-ports"
	else fail "broker config-rewrites-only-paths-and-ports" "$PB_CHANGED lines changed, want 7"; fi
	user=schemas; pass_word=$(cat "$PB_DIR/schemas.password")
	puser=schemas-pub; ppass=$(cat "$PB_DIR/schemas-pub.password")

	start_broker() {
		mosquitto -c "${1:-$tmp/mosquitto.conf}" >>"$tmp/broker.log" 2>&1 &
		broker=$!
		for _ in $(seq 50); do
			kill -0 "$broker" 2>/dev/null || break
			mosquitto_pub -p "$port" -u "$puser" -P "$ppass" -t edge-test/probe -n 2>/dev/null && return 0
			sleep 0.1
		done
		stop_broker
		return 1
	}
	sub() { mosquitto_sub -p "$port" -u "$user" -P "$pass_word" "$@"; }
	pub() { mosquitto_pub -p "$port" -u "$puser" -P "$ppass" "$@"; }

	if start_broker; then
		pass "broker starts-with-config"
	else
		fail "broker starts-with-config" "$(tail -5 "$tmp/broker.log")"
	fi

	if [ -n "$broker" ]; then
		# A listener added later (say, for the LAN) must not inherit anonymous access.
		stop_broker
		port2=$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
		{ cat "$tmp/mosquitto.conf"; echo "listener $port2 127.0.0.1"; } >"$tmp/two-listeners.conf"
		if start_broker "$tmp/two-listeners.conf" &&
		   ! mosquitto_pub -p "$port2" -t edge-test/probe -n 2>/dev/null; then
			pass "broker added-listener-refuses-anonymous"
		else
			fail "broker added-listener-refuses-anonymous" "anonymous publish on port $port2 accepted"
		fi
		stop_broker
		start_broker || fail "broker restarts" "$(tail -5 "$tmp/broker.log")"
	fi

	if [ -n "$broker" ]; then
		route='{"hostname":"vm-123.example.com","target_url":"http://10.50.0.12:8080"}'

		# Not retained: publish until the subscriber, once subscribed, gets one.
		sub -t 'edge/gw1/routes/+' -C 1 -W 10 >"$tmp/live" 2>&1 & s=$!
		for _ in $(seq 40); do
			sleep 0.2
			kill -0 $s 2>/dev/null || break
			pub -t edge/gw1/routes/live -m "$route"
		done
		wait $s
		[ "$(cat "$tmp/live")" = "$route" ] && pass "broker live-publish-subscribe" ||
			fail "broker live-publish-subscribe" "got: $(head -c 200 "$tmp/live")"

		pub -q 1 -r -t edge/gw1/routes/vm-123 -m "$route"
		got=$(sub -t 'edge/gw1/routes/+' -C 1 -W 5 -F '%r %t %p' 2>&1)
		[ "$got" = "1 edge/gw1/routes/vm-123 $route" ] && pass "broker retained-delivered-on-subscribe" ||
			fail "broker retained-delivered-on-subscribe" "got: $got"

		"$py" -c 'import sys; sys.stdout.write("x" * 65536)' >"$tmp/64k"
		pub -q 1 -r -t edge/gw1/routes/big -f "$tmp/64k"
		n=$(sub -t edge/gw1/routes/big -C 1 -W 5 -N | wc -c)
		[ "$n" -eq 65536 ] && pass "broker accepts-64KiB-payload" ||
			fail "broker accepts-64KiB-payload" "received $n bytes"

		"$py" -c 'import sys; sys.stdout.write("x" * 70000)' >"$tmp/too-big"
		pub -q 1 -r -t edge/gw1/routes/too-big -f "$tmp/too-big" 2>/dev/null
		n=$(sub -t edge/gw1/routes/too-big -C 1 -W 2 -N 2>/dev/null | wc -c)
		[ "$n" -eq 0 ] && pass "broker refuses-packet-over-max_packet_size" ||
			fail "broker refuses-packet-over-max_packet_size" "received $n bytes"

		pub -q 1 -r -t edge/gw1/routes/big -n
		stop_broker
		if start_broker; then
			got=$(sub -t edge/gw1/routes/vm-123 -C 1 -W 5 2>&1)
			[ "$got" = "$route" ] && pass "broker retained-survives-restart" ||
				fail "broker retained-survives-restart" "got: $got"
			n=$(sub -t edge/gw1/routes/big -C 1 -W 1 -N 2>/dev/null | wc -c)
			[ "$n" -eq 0 ] && pass "broker retained-delete-survives-restart" ||
				fail "broker retained-delete-survives-restart" "received $n bytes"
		else
			fail "broker retained-survives-restart" "$(tail -5 "$tmp/broker.log")"
		fi
	fi

	if [ -n "$broker" ]; then
		# 20,000 retained objects, then a QoS 0 subscriber that stalls for 3 s as an agent
		# busy applying state would: with mosquitto's default max_queued_messages (1000)
		# most of them are silently dropped.
		total=20000
		"$py" - "$port" "$total" "$puser" "$ppass" <<'EOF'
import socket, struct, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
user, password = sys.argv[3].encode(), sys.argv[4].encode()
def varint(x):
    out = b""
    while True:
        d, x = x % 128, x // 128
        out += bytes([d | (128 if x else 0)])
        if not x:
            return out
def s(b):
    return struct.pack("!H", len(b)) + b
c = socket.create_connection(("127.0.0.1", port))
# MQTT 3.1.1 CONNECT: clean session, user name and password; the client id must be the
# user name (use_username_as_clientid)
vh = s(b"MQTT") + bytes([4, 0xC2]) + struct.pack("!H", 60) + s(user) + s(user) + s(password)
c.sendall(b"\x10" + varint(len(vh)) + vh)
assert c.recv(4)[:2] == b"\x20\x02"
payload = b'{"hostname":"bulk.example.com","target_url":"http://10.50.0.12:8080/' + b"p" * 1900 + b'"}'
batch = []
for i in range(n):
    body = s(b"edge/bulk/routes/r%d" % i) + struct.pack("!H", i % 65535 + 1) + payload
    batch.append(b"\x33" + varint(len(body)) + body)
    if len(batch) == 500:
        c.sendall(b"".join(batch))
        batch = []
c.sendall(b"".join(batch))
acked = 0
while acked < 4 * n:
    d = c.recv(65536)
    if not d:
        sys.exit("broker closed the connection")
    acked += len(d)
c.sendall(b"\xe0\x00")
c.close()
EOF
		# The pipe fills after a few dozen 2 KB lines; mosquitto_sub then blocks writing
		# and stops reading its socket until the reader wakes up.
		n=$(sub -t 'edge/bulk/routes/+' -q 0 -C "$total" -W 30 -F '%t %p' 2>/dev/null |
			{ sleep 3; wc -l; })
		[ "$n" -eq "$total" ] && pass "broker stalled-qos0-subscriber-gets-all-$total-retained" ||
			fail "broker stalled-qos0-subscriber-gets-all-$total-retained" "received $n"
	fi
	stop_broker
	if grep -qiE 'error|dropped' "$tmp/broker.log"; then
		fail "broker log-has-no-errors-or-drops" "$(grep -m3 -iE 'error|dropped' "$tmp/broker.log")"
	else
		pass "broker log-has-no-errors-or-drops"
	fi
fi

[ "$failed" -ne 0 ] && exit 1
[ "$skipped" -ne 0 ] && exit 77
exit 0
