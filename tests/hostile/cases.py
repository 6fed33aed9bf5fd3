#!/usr/bin/python3
"""The hostile catalogue: topic, payload bytes, and the exact error the agent must report.

cases.py DIR: writes each payload to DIR/<n>.bin and prints one tab-separated line per
case: n, name, topic, status, error.
"status" is the status topic that must carry the error, or "errors" for the node's
errors topic (input that cannot be tied to an object). The agent runs with
ALLOWED_TARGETS=10.50.0.0/24, node gw1, groups fleet; RESERVED_PORTS default."""
import os, sys

R = "route {id}: "
F = "forward {id}: "
RF = ("(accepted: hostname, target_url, entrypoint, certresolver, route_id, path_prefix, "
      "strip_prefix, targets, health, sticky, allow_from, basic_auth, rate_limit, headers, "
      "redirect_https, tls, target, proxy_protocol)")
FF = ("(accepted: public_port, public_port_end, target_ip, target_port, targets, affinity, "
      "health, proto, allow_from, limit, preserve_source, forward_id)")
RATE = '(accepted: "<N>/second" or "<N>/minute", N 1..1000000)'
BADHOST = ("is not a valid RFC 1123 host name (accepted: labels of 1-63 lower-case letters, "
           "digits and '-', separated by '.', at most 253 characters)")
ALLOWED = "(allowed: 10.50.0.0/24)"
cases = []

def route(name, payload, error, id=None):
    id = id or name
    cases.append((name, f"edge/gw1/routes/{id}", payload, f"routes/{id}", (R + error).replace("{id}", id, 1)))

def fwd(name, payload, error, id=None, src="gw1"):
    id = id or name
    cases.append((name, f"edge/{src}/forwards/{id}", payload, f"forwards/{id}", (F + error).replace("{id}", id, 1)))

def topic(name, t, payload, error):
    cases.append((name, t, payload, "errors", error))

def r(host='"ok.example.com"', url='"http://10.50.0.12:8080"', extra=""):
    return f'{{"hostname": {host}, "target_url": {url}{extra}}}'.encode()

def f(pub="20001", ip='"10.50.0.12"', port="80", extra=""):
    return f'{{"public_port": {pub}, "target_ip": {ip}, "target_port": {port}{extra}}}'.encode()

# --- size, bytes, JSON structure
# inside the window the broker still delivers (MAX_PAYLOAD_BYTES + 4 KiB over MQTT 5); bigger
# publishes never reach the agent (trust_limits)
route("h-oversized", b'{"hostname": "' + b"a" * 66000 + b'"}', "payload is 66016 bytes, over the limit of 65536 bytes")
route("h-nul", b'{"hostname": "a\x00b.com", "target_url": "http://10.50.0.12"}', "payload contains a NUL byte at offset 15")
route("h-utf8", b'{"hostname": "\xc3\x28.com", "target_url": "http://10.50.0.12"}', "payload is not valid JSON: invalid utf-8 string at offset 15")
route("h-deep", b'{"hostname": [[[["a"]]]]}', "payload is not valid JSON: nesting too deep at offset 16")
route("h-trunc", b'{"hostname": "a.com", ', "payload is not valid JSON: unexpected end of data at offset 22")
route("h-trailing", r() + b" {}", "payload is not valid JSON: unexpected character at offset 71")
route("h-array", b'[]', "payload must be a JSON object, got array")
route("h-string", b'"route"', "payload must be a JSON object, got string")
route("h-dupkey", b'{"hostname": "a.example.com", "hostname": "b.example.com", "target_url": "http://10.50.0.12"}', 'duplicate field "hostname"')
route("h-unknown", r(extra=', "middlewares": ["x"]'), 'unknown field "middlewares" ' + RF)
fwd("h-unknown-f", f(extra=', "comment": "x"'), 'unknown field "comment" ' + FF)
# --- the forward's optional parts: ranges, targets, health, allow_from, limit, preserve_source
T1 = ', "targets": [{"ip": "10.50.0.12", "port": 80}, {"ip": "10.50.0.13", "port": 80}]'
def ft(extra=""):
    return f'{{"public_port": 20001{T1}{extra}}}'.encode()
fwd("x-range-down", f(extra=', "public_port_end": 20000'), "public_port_end 20000 is below public_port 20001 (accepted: 20001..30000)")
fwd("x-range-big", f(extra=', "public_port_end": 40000'), "public_port_end 40000 makes a range of 20000 ports, over the limit of 10000 (accepted: 20001..30000)")
fwd("x-range-reserved", f(pub="1800", extra=', "public_port_end": 1900'), "public_port 1800..1900 includes reserved port 1883 (reserved: 22, 80, 443, 1883, 51820)")
fwd("x-range-shift", f(pub="60000", port="65000", extra=', "public_port_end": 61000'), "target_port 65000 shifts the range past port 65535 (accepted: 1..64535 for 1001 ports)")
fwd("x-targets-both", f(extra=T1), "target_ip is not accepted with targets (accepted: one of target_ip/target_port and targets)")
fwd("x-targets-empty", b'{"public_port": 20001, "targets": []}', "targets is an empty array (leave it out instead)")
fwd("x-targets-65", ('{"public_port": 20001, "targets": [' + ",".join('{"ip": "10.50.0.%d", "port": 80}' % i for i in range(1, 66)) + ']}').encode(), "targets has 65 entries, over the limit of 64")
fwd("x-target-outside", b'{"public_port": 20001, "targets": [{"ip": "10.60.0.1", "port": 80}]}', "targets[0].ip 10.60.0.1 is outside ALLOWED_TARGETS (allowed: 10.50.0.0/24)")
fwd("x-target-weight", b'{"public_port": 20001, "targets": [{"ip": "10.50.0.12", "port": 80, "weight": 1e2}]}', "targets[0].weight must be an integer, got number 1e2 (accepted: integer 1..100)")
fwd("x-target-repeat", b'{"public_port": 20001, "targets": [{"ip": "10.50.0.12", "port": 80}, {"ip": "10.50.0.12", "port": 80}]}', "targets[1] repeats targets[0] (each ip and port once)")
fwd("x-affinity", ft(', "affinity": "Source"'), 'affinity "Source" is not supported (accepted: "source")')
fwd("x-health-fast", ft(', "health": {"interval_ms": 50}'), "health.interval_ms 50 is out of range (accepted: 100..3600000)")
fwd("x-health-timeout", ft(', "health": {"interval_ms": 1000, "timeout_ms": 5000}'), "health.timeout_ms 5000 is not shorter than interval_ms 1000 (accepted: 10..999)")
fwd("x-health-udp", ft(', "proto": "udp", "health": {"interval_ms": 1000}'), "health is a TCP connect check (accepted with proto tcp only)")
fwd("x-allow-host", f(extra=', "allow_from": ["office.example.com"]'), 'allow_from[0] "office.example.com" is not an IP network (accepted: IPv4 or IPv6 network, e.g. 10.0.0.0/8 or fd00::/8)')
fwd("x-allow-1025", f(extra=', "allow_from": [' + ",".join('"198.18.%d.%d"' % (i // 256, i % 256) for i in range(1025)) + ']'), "allow_from has 1025 entries, over the limit of 1024")
fwd("x-allow-set-name", f(extra=', "allow_from": ["@../etc"]'), 'allow_from[0] @"../etc" is not a set name (accepted: "@" then [a-z0-9][a-z0-9_-]{0,62})')
fwd("x-limit-zero", f(extra=', "limit": {"connections_per_source": 0}'), "limit.connections_per_source 0 is out of range (accepted: 1..1000000)")
fwd("x-limit-rate", f(extra=', "limit": {"new_per_source": "1e3/second"}'), 'limit.new_per_source "1e3/second" is not a rate ' + RATE)
fwd("x-limit-template", f(extra=', "limit": {"new_per_source": "{{.X}}"}'), 'limit.new_per_source contains "{{" (Traefik template delimiters are not accepted)')
fwd("x-preserve", f(extra=', "preserve_source": "true"'), 'preserve_source must be a boolean, got string "true" (accepted: true, false)')
# --- numbers
fwd("n-string", f(pub='"20002"'), 'public_port must be an integer, got string "20002" (accepted: integer 1..65535)')
fwd("n-float", f(pub="20002.5"), "public_port must be an integer, got number 20002.5 (accepted: integer 1..65535)")
fwd("n-float0", f(pub="20002.0"), "public_port must be an integer, got number 20002.0 (accepted: integer 1..65535)")
fwd("n-negative", f(pub="-1"), "public_port -1 is out of range (accepted: 1..65535)")
fwd("n-zero", f(port="0"), "target_port 0 is out of range (accepted: 1..65535)")
fwd("n-big", f(pub="65536"), "public_port 65536 is out of range (accepted: 1..65535)")
fwd("n-2p64", f(pub="18446744073709551616"), "public_port 18446744073709551615 is out of range (accepted: 1..65535)")
fwd("n-bool", f(port="true"), "target_port must be an integer, got boolean true (accepted: integer 1..65535)")
fwd("n-null", f(port="null"), "target_port must be an integer, got null (accepted: integer 1..65535)")
fwd("n-exp", f(pub="2e4"), "public_port must be an integer, got number 2e4 (accepted: integer 1..65535)")
fwd("n-missing", b'{"target_ip": "10.50.0.12", "target_port": 80}', "public_port is required (accepted: integer 1..65535)")
fwd("p-sctp", f(extra=', "proto": "sctp"'), 'proto "sctp" is not supported (accepted: tcp, udp)')
fwd("p-upper", f(extra=', "proto": "TCP"'), 'proto "TCP" is not supported (accepted: tcp, udp)')
fwd("reserved-22", f(pub="22"), "public_port 22 is reserved (reserved: 22, 80, 443, 1883, 51820)")
fwd("reserved-mqtt", f(pub="1883"), "public_port 1883 is reserved (reserved: 22, 80, 443, 1883, 51820)")
fwd("reserved-wg", f(pub="51820", extra=', "proto": "udp"'), "public_port 51820 is reserved (reserved: 22, 80, 443, 1883, 51820)")
fwd("id-mismatch", f(extra=', "forward_id": "other"'), 'forward_id "other" does not match the topic id "id-mismatch"')
# --- targets
fwd("t-loopback", f(ip='"127.0.0.1"'), "target_ip 127.0.0.1 is loopback (never accepted)")
fwd("t-linklocal", f(ip='"169.254.169.254"'), "target_ip 169.254.169.254 is link-local (never accepted)")
fwd("t-zero", f(ip='"0.0.0.0"'), "target_ip 0.0.0.0 is unspecified (never accepted)")
fwd("t-multicast", f(ip='"224.0.0.1"'), "target_ip 224.0.0.1 is multicast (never accepted)")
fwd("t-broadcast", f(ip='"255.255.255.255"'), "target_ip 255.255.255.255 is broadcast (never accepted)")
fwd("t-host", f(ip='"10.50.0.1"'), "target_ip 10.50.0.1 is an address of this host (never accepted)")
fwd("t-outside", f(ip='"192.168.1.10"'), "target_ip 192.168.1.10 is outside ALLOWED_TARGETS " + ALLOWED)
fwd("t-public", f(ip='"8.8.8.8"'), "target_ip 8.8.8.8 is outside ALLOWED_TARGETS " + ALLOWED)
fwd("t-octal", f(ip='"010.50.0.12"'), 'target_ip "010.50.0.12" is not an IPv4 address (accepted: dotted-quad IPv4)')
fwd("t-short", f(ip='"10.50.12"'), 'target_ip "10.50.12" is not an IPv4 address (accepted: dotted-quad IPv4)')
fwd("t-v6", f(ip='"fd00::1"'), 'target_ip "fd00::1" is not an IPv4 address (accepted: dotted-quad IPv4)')
fwd("t-name", f(ip='"backend.local"'), 'target_ip "backend.local" is not an IPv4 address (accepted: dotted-quad IPv4)')
# --- hostnames
route("hn-upper", r(host='"App.Example.com"'), 'hostname "App.Example.com" must be lower case (accepted: lower-case RFC 1123 host name)')
route("hn-idn", r(host='"b\u00fccher.example.com"'), 'hostname "b\\xc3\\xbccher.example.com" must be ASCII (accepted: punycode, e.g. xn--...)')
route("hn-homoglyph", r(host='"\u0430pple.com"'), 'hostname "\\xd0\\xb0pple.com" must be ASCII (accepted: punycode, e.g. xn--...)')
route("hn-backtick", r(host='"a`) || host(`evil.com"'), 'hostname "a`) || host(`evil.com" ' + BADHOST)
route("hn-space", r(host='"a b.com"'), 'hostname "a b.com" ' + BADHOST)
route("hn-control", r(host='"a\\u0007b.com"'), 'hostname "a\\x07b.com" ' + BADHOST)
route("hn-wildcard", r(host='"*.example.com"'), 'hostname "*.example.com" ' + BADHOST)
route("hn-trailing-dot", r(host='"example.com."'), 'hostname "example.com." ' + BADHOST)
route("hn-label64", r(host='"' + "a" * 64 + '.com"'), 'hostname "' + "a" * 64 + '..." ' + BADHOST)
route("hn-hyphen", r(host='"-a.example.com"'), 'hostname "-a.example.com" ' + BADHOST)
route("hn-template", r(host='"{{ env \\"HOME\\" }}.com"'), 'hostname contains "{{" (Traefik template delimiters are not accepted)')
route("hn-close-template", r(extra=', "entrypoint": "a}}"'), 'entrypoint contains "}}" (Traefik template delimiters are not accepted)')
for ch, nm in ((":", "colon"), ("#", "hash"), ("&", "amp"), ("*", "star"), ("!", "bang"), ("|", "pipe")):
    route(f"hn-yaml-{nm}", r(host=f'"a{ch}b.example.com"'), f'hostname "a{ch}b.example.com" ' + BADHOST)
route("hn-number", r(host="5"), "hostname must be a string, got number 5 (accepted: lower-case RFC 1123 host name)")
route("hn-missing", b'{"target_url": "http://10.50.0.12"}', "hostname is required (accepted: lower-case RFC 1123 host name)")
route("ep-bad", r(extra=', "entrypoint": "web secure"'), 'entrypoint "web secure" is not a valid name (accepted: [A-Za-z0-9][A-Za-z0-9_-]{0,62})')
route("cr-yaml", r(extra=', "certresolver": "le: x"'), 'certresolver "le: x" is not a valid name (accepted: [A-Za-z0-9][A-Za-z0-9_-]{0,62})')
# --- URLs
route("u-ftp", r(url='"ftp://10.50.0.12"'), 'target_url "ftp://10.50.0.12" has scheme "ftp" (accepted: http, https)')
route("u-creds", r(url='"http://user:pw@10.50.0.12"'), 'target_url "http://user:pw@10.50.0.12" must not carry credentials')
route("u-name", r(url='"http://backend:8080"'), 'target_url "http://backend:8080" host "backend" is not an IP address (accepted: IPv4 or [IPv6] literal)')
route("u-loopback", r(url='"http://127.0.0.1:8080"'), "target_url host 127.0.0.1 is loopback (never accepted)")
route("u-metadata", r(url='"http://169.254.169.254/latest"'), "target_url host 169.254.169.254 is link-local (never accepted)")
route("u-outside", r(url='"https://8.8.8.8"'), "target_url host 8.8.8.8 is outside ALLOWED_TARGETS " + ALLOWED)
route("u-query", r(url='"http://10.50.0.12/?a=1"'), 'target_url "http://10.50.0.12/?a=1" has a query or fragment (accepted: scheme://ip[:port][/path])')
route("u-port", r(url='"http://10.50.0.12:0"'), 'target_url "http://10.50.0.12:0" port "0" is out of range (accepted: 1..65535)')
# --- route fields of issue 16 (every one of them over the bus)
route("rf-path-dotdot", r(extra=', "path_prefix": "/a/../b"'), "path_prefix \"/a/../b\" has a '..' segment (accepted: '/' then [A-Za-z0-9._~/-], no '//', '.' or '..' segments, at most 256 bytes)")
route("rf-path-backtick", r(extra=', "path_prefix": "/a`) || Host(`evil"'), "path_prefix \"/a`) || Host(`evil\" has a character outside [A-Za-z0-9._~/-] (accepted: '/' then [A-Za-z0-9._~/-], no '//', '.' or '..' segments, at most 256 bytes)")
route("rf-targets-both", r(extra=', "targets": [{"url": "http://10.50.0.13"}]'), "target_url and targets exclude each other (accepted: one of them)")
route("rf-health-interval", r(url='"http://10.50.0.12"', extra=', "health": {"path": "/h", "interval_s": 0}'), "health.interval_s 0 is out of range (accepted: 1..3600)")
route("rf-auth-plain", r(extra=', "basic_auth": {"users": ["bob:hunter2"]}'), "basic_auth.users[0] user \"bob\": the password is not a supported hash (accepted: bcrypt ($2a$, $2b$, $2y$), apr1 ($apr1$) or {SHA}; plain passwords are refused; the value is not shown)")
route("rf-header-host", r(extra=', "headers": {"request": {"HOST": "evil.example.com"}}'), "headers.request header \"HOST\" may not be set (forbidden: Host, Content-Length, Transfer-Encoding, Connection, Upgrade, Keep-Alive, TE, Trailer, Proxy-Connection, Forwarded, X-Forwarded-*, X-Real-Ip)")
route("rf-header-crlf", r(extra=', "headers": {"response": {"X-A": "a\\r\\nSet-Cookie: x=1"}}'), "headers.response.X-A value \"a\\x0d\\x0aSet-Cookie: x=1\" is not accepted (accepted: printable ASCII, at most 1024 bytes; \"\" removes the header)")
route("rf-header-template", r(extra=', "headers": {"request": {"X-A": "{{ env \\"HOME\\" }}"}}'), "headers.request.X-A contains \"{{\" (Traefik template delimiters are not accepted)")
route("rf-pass-outside", b'{"hostname": "db.example.com", "tls": "passthrough", "target": "8.8.8.8:443"}', "target host 8.8.8.8 is outside ALLOWED_TARGETS " + ALLOWED)
route("rf-pass-http-field", b'{"hostname": "db.example.com", "tls": "passthrough", "target": "10.50.0.12:443", "sticky": true}', "sticky is not accepted with tls \"passthrough\" (a TCP route forwards the TLS stream as is)")
route("rf-allow-hostbits", r(extra=', "allow_from": ["203.0.113.9/24"]'), "allow_from[0] \"203.0.113.9/24\" has host bits set (accepted: network address, e.g. 203.0.113.0/24)")
route("rf-rate-float", r(extra=', "rate_limit": {"average": 1.5}'), "rate_limit.average must be an integer, got number 1.5 (accepted: integer 1..1000000)")

# --- ids and topics
topic("id-upper", "edge/gw1/routes/Web", r(), 'route "Web": id does not match [a-z0-9][a-z0-9_-]{0,62}')
topic("id-dotdot", "edge/gw1/forwards/..", f(), 'forward "..": id does not match [a-z0-9][a-z0-9_-]{0,62}')
topic("id-long", "edge/gw1/forwards/" + "a" * 64, f(), 'forward "' + "a" * 64 + '": id does not match [a-z0-9][a-z0-9_-]{0,62}')
topic("id-dash", "edge/gw1/routes/-web", r(), 'route "-web": id does not match [a-z0-9][a-z0-9_-]{0,62}')
topic("id-slash", "edge/gw1/routes/a/b", r(), 'topic "edge/gw1/routes/a/b" is too deep (accepted: edge/<node or group>/routes/<id>)')
topic("id-deep", "edge/gw1/forwards/x/y/z", f(), 'topic "edge/gw1/forwards/x/y/z" is too deep (accepted: edge/<node or group>/forwards/<id>)')
# --- precedence conflicts: the node's forward web-keep (20500) holds the port
fwd("grp-clash", f(pub="20500"), "public_port 20500/tcp is held by forward web-keep (source gw1)", src="fleet")

out = sys.argv[1]
for n, (name, t, payload, status, error) in enumerate(cases):
    with open(os.path.join(out, f"{n}.bin"), "wb") as fh:
        fh.write(payload)
    print("\t".join((str(n), name, t, status, error)))
