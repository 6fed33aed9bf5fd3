#!/usr/bin/env bash
# Issue 16 end to end over MQTT: routes with paths, several targets, health, access rules,
# redirects and TLS passthrough become files that appear, change and disappear with their
# objects; claims on entrypoint+hostname+path; passthrough and HTTPS on one name conflict.
source "$(dirname "$0")/../lib/lib.sh"
require_root routes_e2e

EDGE=$(netns_new edge)
broker_start "$EDGE" 1883 || { fail broker_start; t_done; }
agent_start "$EDGE" gw1 ALLOWED_TARGETS=10.50.0.0/24 TRAEFIK_CERTRESOLVER=le
DYN=$T_TMP/gw1/dynamic
f() { echo "$DYN/edge-agent.gw1.$1.yml"; }
error_of() { json_field "$(retained "$EDGE" "edge/gw1/status/routes/$1")" error; }
schema_ok() {  # the checker's own PASS lines stay out of this test's count
	/usr/bin/python3 "$ROOT/tests/lib/check_traefik.py" "$@" > "$T_TMP/schema.out" 2>&1 && return 0
	sed 's/^/  /' "$T_TMP/schema.out"; return 1
}
HASH='$2y$05$c4WoMPo3SXsafkva.HHa6uXQZWr7oboPiC2bT/r7q1BB8I2s0BRqC'

check "node synced" wait_for 10 node_synced "$EDGE" gw1

# --- several routes share a hostname with different paths; compact nested JSON is accepted
pub "$EDGE" -r -t edge/gw1/routes/site -m '{"hostname":"app.example.com","target_url":"http://10.50.0.12:8080"}'
pub "$EDGE" -r -t edge/gw1/routes/api -m '{"hostname":"app.example.com","path_prefix":"/api","strip_prefix":true,"targets":[{"url":"http://10.50.0.12:9000","weight":3},{"url":"http://10.50.0.13:9000","weight":1}],"health":{"path":"/healthz","interval_s":10,"timeout_s":2},"sticky":true,"allow_from":["203.0.113.0/24"],"basic_auth":{"users":["alice:'"$HASH"'"]},"rate_limit":{"average":50,"burst":100},"headers":{"request":{"X-Edge":"gw1"}},"redirect_https":true}'
pub "$EDGE" -r -t edge/gw1/routes/api-v2 -m '{"hostname":"app.example.com","path_prefix":"/api/v2","target_url":"http://10.50.0.14:9000"}'
for r in site api api-v2; do
	check "route $r applied" wait_for 5 status_is "$EDGE" gw1 routes "$r" applied
	check "route $r file written" test -f "$(f "$r")"
done
check "path rule matches the prefix, not /apiary" \
	grep -qF 'rule: "Host(`app.example.com`) && (Path(`/api`) || PathPrefix(`/api/`))"' "$(f api)"
check "the longer prefix has the higher priority" bash -c \
	"grep -q 'priority: 1004' $(f api) && grep -q 'priority: 1007' $(f api-v2)"
check "weighted servers, health check, sticky cookie" bash -c \
	"grep -q 'weight: 3' $(f api) && grep -q 'healthCheck:' $(f api) && grep -q 'sticky:' $(f api)"
check "middlewares in order: allow, rate, auth, headers, strip" bash -c \
	"grep -A6 '      middlewares:' $(f api) | tr -d ' \"-' | head -6 | tr '\n' ' ' | grep -q 'middlewares: gw1.api.allow gw1.api.rate gw1.api.auth gw1.api.headers gw1.api.strip'"
check "redirect router on the web entrypoint with noop@internal" bash -c \
	"grep -q '\"gw1.api.redirect\":' $(f api) && grep -q 'service: \"noop@internal\"' $(f api)"
check "route files pass the Traefik v3 schema" schema_ok "$DYN"/*.yml

# --- a change rewrites the file; absent options leave no trace (no empty mappings)
pub "$EDGE" -r -t edge/gw1/routes/api -m '{"hostname":"app.example.com","path_prefix":"/api","target_url":"http://10.50.0.12:9000"}'
check "changed route: middlewares gone" wait_for 5 bash -c "! grep -q 'middlewares' $(f api)"
no_empty() {  # no empty mapping, list or null anywhere but a router's tls: {}
	/usr/bin/python3 -c '
import sys, yaml
def walk(v, path):
    if v is None or v == {} or v == []:
        assert path.endswith(".tls") and v == {}, path
    if isinstance(v, dict):
        for k, x in v.items(): walk(x, path + "." + str(k))
    if isinstance(v, list):
        for i, x in enumerate(v): walk(x, path + "[%d]" % i)
walk(yaml.safe_load(open(sys.argv[1])), "")' "$1"
}
check "changed route: no empty mapping or null (tls {} aside)" no_empty "$(f api)"
check "changed route: still schema-valid" schema_ok "$(f api)"

# --- the same hostname+path twice is a conflict naming the holder
pub "$EDGE" -r -t edge/gw1/routes/api-dup -m '{"hostname":"app.example.com","path_prefix":"/api/","target_url":"http://10.50.0.12:9001"}'
check "same hostname+path rejected" wait_for 5 status_is "$EDGE" gw1 routes api-dup rejected
check "path conflict names the holder" test "$(error_of api-dup)" = \
	'route api-dup: hostname "app.example.com" path_prefix "/api" on entrypoint websecure is held by route api (source gw1)'
check "no file for the refused route" test ! -e "$(f api-dup)"

# --- TLS passthrough: a TCP router by SNI; refused beside an HTTPS route for the same name
pub "$EDGE" -r -t edge/gw1/routes/db -m '{"hostname":"db.example.com","tls":"passthrough","target":"10.50.0.20:5432","proxy_protocol":2}'
check "passthrough route applied" wait_for 5 status_is "$EDGE" gw1 routes db applied
check "passthrough file: TCP router, HostSNI, passthrough, proxy protocol" bash -c \
	"grep -q '^tcp:' $(f db) && grep -qF 'HostSNI(\`db.example.com\`)' $(f db) && grep -q 'passthrough: true' $(f db) && grep -q 'version: 2' $(f db)"
pub "$EDGE" -r -t edge/gw1/routes/zz-pass -m '{"hostname":"app.example.com","tls":"passthrough","target":"10.50.0.12:8443"}'
check "passthrough beside an HTTPS route rejected" wait_for 5 status_is "$EDGE" gw1 routes zz-pass rejected
check "passthrough conflict names the holder" test "$(error_of zz-pass)" = \
	'route zz-pass: hostname "app.example.com" on entrypoint websecure is held by route site (source gw1); a TLS passthrough route and an HTTPS route cannot share a name on one entrypoint'
check "no file for the refused passthrough route" test ! -e "$(f zz-pass)"
pub "$EDGE" -r -t edge/gw1/routes/db-web -m '{"hostname":"db.example.com","path_prefix":"/admin","target_url":"http://10.50.0.20:8080"}'
check "an HTTPS route with a path beside a passthrough route rejected" wait_for 5 status_is "$EDGE" gw1 routes db-web rejected
check "... naming the passthrough route" test "$(error_of db-web)" = \
	'route db-web: hostname "db.example.com" path_prefix "/admin" on entrypoint websecure is held by route db (source gw1); a TLS passthrough route and an HTTPS route cannot share a name on one entrypoint'
check "... with no file, and the passthrough file kept" bash -c "test ! -e $(f db-web) && test -f $(f db)"
pub "$EDGE" -r -t edge/gw1/routes/db-web -n

# --- a plain password is refused, and the secret appears nowhere
pub "$EDGE" -r -t edge/gw1/routes/weak -m '{"hostname":"weak.example.com","target_url":"http://10.50.0.12","basic_auth":{"users":["bob:hunter2-secret"]}}'
check "plain password rejected" wait_for 5 status_is "$EDGE" gw1 routes weak rejected
check "error says why without the value" test "$(error_of weak)" = \
	'route weak: basic_auth.users[0] user "bob": the password is not a supported hash (accepted: bcrypt ($2a$, $2b$, $2y$), apr1 ($apr1$) or {SHA}; plain passwords are refused; the value is not shown)'
check "the secret is not in the agent's log" bash -c "! grep -q hunter2-secret $T_TMP/gw1.log"
check "the hash is not in the agent's log" bash -c "! grep -qF '$HASH' $T_TMP/gw1.log"

# --- named sets: a set change rewrites exactly the routes that use it
ino() { stat -c %i "$1" 2>/dev/null; }
pub "$EDGE" -r -t edge/gw1/routes/early -m '{"hostname":"early.example.com","target_url":"http://10.50.0.12","allow_from":["@office"]}'
check "a route naming an unpublished set is rejected" wait_for 5 status_is "$EDGE" gw1 routes early rejected
check "...with the set named" test "$(error_of early)" = \
	'route early: allow_from[0] set "office" is not published (expected on <prefix>/<node or group>/sets/office)'
pub "$EDGE" -r -t edge/gw1/sets/office -m '{"cidrs":["198.51.100.0/24"]}'
check "the set arrives: the waiting route is applied" wait_for 5 status_is "$EDGE" gw1 routes early applied
pub "$EDGE" -r -t edge/gw1/sets/lab -m '{"cidrs":["192.0.2.0/28"]}'
pub "$EDGE" -r -t edge/gw1/routes/s1 -m '{"hostname":"s1.example.com","target_url":"http://10.50.0.12","allow_from":["@office","203.0.113.9"]}'
pub "$EDGE" -r -t edge/gw1/routes/s2 -m '{"hostname":"s2.example.com","target_url":"http://10.50.0.12","allow_from":["@lab"]}'
pub "$EDGE" -r -t edge/gw1/routes/s3 -m '{"hostname":"s3.example.com","target_url":"http://10.50.0.12"}'
for r in s1 s2 s3; do check "route $r applied" wait_for 5 status_is "$EDGE" gw1 routes "$r" applied; done
check "the set's networks are in the allow-list" bash -c \
	"grep -q '198.51.100.0/24' $(f s1) && grep -q '203.0.113.9/32' $(f s1) && grep -q '198.51.100.0/24' $(f early)"
i_s1=$(ino "$(f s1)"); i_early=$(ino "$(f early)"); i_s2=$(ino "$(f s2)"); i_s3=$(ino "$(f s3)"); i_v2=$(ino "$(f api-v2)")
pub "$EDGE" -r -t edge/gw1/sets/office -m '{"cidrs":["198.51.100.0/25","2001:db8:5::/48"]}'
check "set change: its users are rewritten" wait_for 5 bash -c \
	"grep -q '198.51.100.0/25' $(f s1) && grep -q '2001:db8:5::/48' $(f early)"
check "set change: the users' files are new" bash -c "[ $(ino "$(f s1)") != $i_s1 ] && [ \$(stat -c %i $(f early)) != $i_early ]"
check "set change: routes not using it are not rewritten" bash -c \
	"[ \$(stat -c %i $(f s2)) = $i_s2 ] && [ \$(stat -c %i $(f s3)) = $i_s3 ] && [ \$(stat -c %i $(f api-v2)) = $i_v2 ]"
check "set change: files still schema-valid" schema_ok "$(f s1)" "$(f early)"
ip netns exec "$EDGE" mosquitto_sub -t edge/gw1/errors -C 1 -W 10 > "$T_TMP/set-errors.txt" 2>/dev/null &
SUB=$!; sleep 0.3
pub "$EDGE" -r -t edge/gw1/sets/lab -m '{"cidrs":["192.0.2.1/28"]}'
wait "$SUB"
check "a bad set is reported on the errors topic" grep -qF 'set lab: cidrs[0] \"192.0.2.1/28\" has host bits set (accepted: network address, e.g. 192.0.2.0/28)' "$T_TMP/set-errors.txt"
check "a bad set leaves its users as they were" bash -c "grep -q '192.0.2.0/28' $(f s2) && [ \$(stat -c %i $(f s2)) = $i_s2 ]"
pub "$EDGE" -r -t edge/gw1/sets/lab -n
check "deleting a set in use: its users are rejected" wait_for 5 status_is "$EDGE" gw1 routes s2 rejected
check "...and keep serving what they had" bash -c \
	"retained $EDGE edge/gw1/status/routes/s2 | grep -q '\"serving_previous\":true' && grep -q '192.0.2.0/28' $(f s2)"

# --- TRAEFIK_TLS=entrypoint: no tls section, so the entrypoint's resolver applies
agent_start "$EDGE" gw2 ALLOWED_TARGETS=10.50.0.0/24 TRAEFIK_TLS=entrypoint
check "second node (TLS on the entrypoint) synced" wait_for 10 node_synced "$EDGE" gw2
pub "$EDGE" -r -t edge/gw2/routes/ep -m '{"hostname":"ep.example.com","target_url":"http://10.50.0.12"}'
pub "$EDGE" -r -t edge/gw2/routes/ep-le -m '{"hostname":"ep-le.example.com","target_url":"http://10.50.0.12","certresolver":"le"}'
check "entrypoint TLS: routes applied" wait_for 5 bash -c \
	"retained $EDGE edge/gw2/status/routes/ep | grep -q applied && retained $EDGE edge/gw2/status/routes/ep-le | grep -q applied"
F2=$T_TMP/gw2/dynamic
check "entrypoint TLS: a router without a resolver has no tls section" bash -c \
	"test -f $F2/edge-agent.gw2.ep.yml && ! grep -q 'tls' $F2/edge-agent.gw2.ep.yml"
check "entrypoint TLS: a named resolver is still set on the router" \
	grep -q 'certResolver: "le"' "$F2/edge-agent.gw2.ep-le.yml"
check "entrypoint TLS: files schema-valid" schema_ok "$F2"/*.yml

# --- deletes remove the files; the rest keeps serving
pub "$EDGE" -r -t edge/gw1/routes/api -n
check "deleted route file removed" wait_for 5 test ! -e "$(f api)"
check "the waiting route takes the freed hostname+path" wait_for 5 status_is "$EDGE" gw1 routes api-dup applied
check "its file appears" wait_for 5 test -f "$(f api-dup)"
pub "$EDGE" -r -t edge/gw1/routes/site -n
check "HTTPS routes with paths still hold the name against passthrough" wait_for 5 bash -c \
	"retained $EDGE edge/gw1/status/routes/zz-pass | grep -q 'held by route api-v2 (source gw1); a TLS passthrough'"
check "... and still serve" bash -c "test -f $(f api-v2) && test -f $(f api-dup)"
pub "$EDGE" -r -t edge/gw1/routes/api-dup -n
pub "$EDGE" -r -t edge/gw1/routes/api-v2 -n
check "deleting the last HTTPS route frees the name for passthrough" wait_for 5 status_is "$EDGE" gw1 routes zz-pass applied
check "its file appears" wait_for 5 test -f "$(f zz-pass)"
check "other routes untouched" bash -c "test -f $(f db)"
check "all files still pass the schema" schema_ok "$DYN"/*.yml
t_done
