#!/usr/bin/env bash
# The core scenario as a user sees it: a real mosquitto, the agent, real nftables in
# namespaces, real TCP/UDP from a client through a forward to a backend, Traefik files,
# status topics, bad input, group precedence and deletes.
source "$(dirname "$0")/../lib/lib.sh"
require_root agent_e2e

edge_topology

broker_start "$EDGE" 1883 || { fail broker_start; t_done; }
agent_start "$EDGE" gw1 ALLOWED_TARGETS=10.50.0.0/24 EDGE_GROUPS=fleet,eu TRAEFIK_CERTRESOLVER=le \
	METRICS_INTERVAL_S=1 METRICS_LISTEN=127.0.0.1:9108
DYN=$T_TMP/gw1/dynamic

check "node status online and synced" wait_for 10 node_synced "$EDGE" gw1
check "nft table created with maps" bash -c "ip netns exec $EDGE nft list table inet edge_agent | grep -q 'map fwd_tcp'"
check "ip_forward enabled in the edge namespace" \
	test "$(ip netns exec "$EDGE" cat /proc/sys/net/ipv4/ip_forward)" = 1

# --- forwards: TCP and UDP through the edge to the backend
pub "$EDGE" -r -t edge/gw1/forwards/web -m '{"public_port": 8080, "target_ip": "10.50.0.12", "target_port": 80, "proto": "tcp"}'
pub "$EDGE" -r -t edge/gw1/forwards/dns -m '{"forward_id": "dns", "public_port": 5353, "target_ip": "10.50.0.12", "target_port": 80, "proto": "udp"}'
check "forward web applied" wait_for 5 status_is "$EDGE" gw1 forwards web applied
check "forward dns applied" wait_for 5 status_is "$EDGE" gw1 forwards dns applied
list=$(nft_list "$EDGE")
check "nft tcp element" grep -q '8080 : 10.50.0.12 . 80' <<<"$list"
check "nft udp element" grep -q '5353 : 10.50.0.12 . 80' <<<"$list"
reply=$(probe tcp 8080 hi)
check "TCP through the forward reaches the backend (masqueraded)" test "$reply" = "backend tcp 10.50.0.1 hi"
reply=$(probe udp 5353 ping)
check "UDP through the forward reaches the backend" test "$reply" = "backend udp 10.50.0.1 ping"
m=$(ip netns exec "$EDGE" mosquitto_sub -t edge/gw1/metrics -C 1 -W 5)
check "metrics published on the bus with per-forward counters" /usr/bin/python3 -c "
import json,sys; d=json.loads(sys.argv[1]); f=d['forwards']
assert f['web']['packets'] > 0 and f['web']['bytes'] > 0 and f['dns']['packets'] > 0, f
assert d['objects']['forwards']['applied'] == 2 and d['applies']['count'] > 0" "$m"
ip netns exec "$EDGE" curl -s --max-time 3 http://127.0.0.1:9108/metrics > "$T_TMP/prom.txt"
check "Prometheus endpoint: per-forward counter" grep -qE '^edge_forward_packets_total[{]node="gw1",id="web"[}] [1-9]' "$T_TMP/prom.txt"
check "Prometheus endpoint: typed metrics" grep -q '^# TYPE edge_forward_bytes_total counter' "$T_TMP/prom.txt"
check "object status carries source and time" bash -c \
	"retained $EDGE edge/gw1/status/forwards/web | grep -q '\"source\":\"gw1\".*\"updated_at\":\"20'"

# --- routes: one Traefik file per route, schema-valid
pub "$EDGE" -r -t edge/gw1/routes/vm-123 -m '{"route_id": "vm-123", "hostname": "vm-123.example.com", "target_url": "http://10.50.0.12:8080"}'
pub "$EDGE" -r -t edge/gw1/routes/plain -m '{"hostname": "plain.example.com", "target_url": "https://10.50.0.12", "certresolver": null}'
check "route applied" wait_for 5 status_is "$EDGE" gw1 routes vm-123 applied
check "route plain applied" wait_for 5 status_is "$EDGE" gw1 routes plain applied
check "route file written" test -f "$DYN/edge-agent.gw1.vm-123.yml"
check "route file has rule, target, default resolver" bash -c \
	"grep -q 'Host(\`vm-123.example.com\`)' $DYN/edge-agent.gw1.vm-123.yml && grep -q 'http://10.50.0.12:8080' $DYN/edge-agent.gw1.vm-123.yml && grep -q 'certResolver: \"le\"' $DYN/edge-agent.gw1.vm-123.yml"
check "route without resolver has tls {}" grep -q 'tls: {}' "$DYN/edge-agent.gw1.plain.yml"
check "route files pass the Traefik v3 schema" /usr/bin/python3 "$ROOT/tests/lib/check_traefik.py" "$DYN"/*.yml
check "no temp files left (the directory, and the agent's unwatched temp subdirectory)" bash -c \
	"! ls -A $DYN | grep -v -e '\.yml$' -e '^\.edge-agent-tmp$' && [ -z \"\$(ls -A $DYN/.edge-agent-tmp)\" ]"

# --- bad input: rejected with a precise error, nothing written, the rest keeps serving
pub "$EDGE" -r -t edge/gw1/forwards/ssh -m '{"public_port": 22, "target_ip": "10.50.0.12", "target_port": 22}'
check "reserved port rejected" wait_for 5 status_is "$EDGE" gw1 forwards ssh rejected
err=$(json_field "$(retained "$EDGE" edge/gw1/status/forwards/ssh)" error)
check "reserved port error names field, value and accepted" \
	test "$err" = "forward ssh: public_port 22 is reserved (reserved: 22, 80, 443, 1883, 51820)"
pub "$EDGE" -r -t edge/gw1/forwards/out -m '{"public_port": 9000, "target_ip": "8.8.8.8", "target_port": 53}'
check "target outside ALLOWED_TARGETS rejected" wait_for 5 status_is "$EDGE" gw1 forwards out rejected
pub "$EDGE" -r -t edge/gw1/routes/evil -m '{"hostname": "{{ env \"SECRET\" }}.example.com", "target_url": "http://10.50.0.12"}'
check "template injection rejected" wait_for 5 status_is "$EDGE" gw1 routes evil rejected
check "no file for the rejected route" test ! -e "$DYN/edge-agent.gw1.evil.yml"
pub "$EDGE" -r -t edge/gw1/routes/junk -m 'not json'
check "malformed JSON rejected" wait_for 5 status_is "$EDGE" gw1 routes junk rejected
ip netns exec "$EDGE" mosquitto_sub -t edge/gw1/errors -C 2 -W 10 > "$T_TMP/errors.txt" 2>/dev/null &
ERRSUB=$!; sleep 0.3
pub "$EDGE" -t edge/gw1/routes/web/extra -m '{}'
pub "$EDGE" -r -t edge/gw1/forwards/Bad_ID -m '{"public_port": 9001, "target_ip": "10.50.0.12", "target_port": 1}'
wait "$ERRSUB"
check "bad id reported on the errors topic" grep -q '"error":"forward \\"Bad_ID\\": id does not match \[a-z0-9\]\[a-z0-9_-\]{0,62}"' "$T_TMP/errors.txt"
check "too-deep topic reported on the errors topic" grep -q 'edge/gw1/routes/web/extra' "$T_TMP/errors.txt"
check "nft has no element for rejected forwards" bash -c "! nft_list $EDGE | grep -qE '(^|[ {,])(22|9000|9001) :'"
reply=$(probe tcp 8080 still)
check "the good forward keeps serving" test "$reply" = "backend tcp 10.50.0.1 still"

# --- a bad update keeps the previous version serving
pub "$EDGE" -r -t edge/gw1/forwards/web -m '{"public_port": 8080, "target_ip": "10.50.0.12", "target_port": "80"}'
check "bad update rejected" wait_for 5 status_is "$EDGE" gw1 forwards web rejected
check "bad update says it serves the previous version" bash -c \
	"retained $EDGE edge/gw1/status/forwards/web | grep -q '\"serving_previous\":true'"
reply=$(probe tcp 8080 prev)
check "previous version still forwards" test "$reply" = "backend tcp 10.50.0.1 prev"
pub "$EDGE" -r -t edge/gw1/forwards/web -m '{"public_port": 8080, "target_ip": "10.50.0.12", "target_port": 80}'
check "fixed update applied again" wait_for 5 status_is "$EDGE" gw1 forwards web applied

# --- groups: node over group, first group over later ones, port conflicts name the holder
pub "$EDGE" -r -t edge/fleet/forwards/web -m '{"public_port": 8081, "target_ip": "10.50.0.12", "target_port": 80}'
pub "$EDGE" -r -t edge/fleet/forwards/grp -m '{"public_port": 8082, "target_ip": "10.50.0.12", "target_port": 80}'
pub "$EDGE" -r -t edge/eu/forwards/grp -m '{"public_port": 8083, "target_ip": "10.50.0.12", "target_port": 80}'
pub "$EDGE" -r -t edge/eu/forwards/clash -m '{"public_port": 8080, "target_ip": "10.50.0.12", "target_port": 80}'
check "group forward applied with its source" wait_for 5 bash -c \
	"retained $EDGE edge/gw1/status/forwards/grp | grep -q '\"state\":\"applied\",\"source\":\"fleet\"'"
list=$(nft_list "$EDGE")
check "first group wins over later group" bash -c "grep -q '8082 : 10.50.0.12 . 80' <<<'$list' && ! grep -q '8083 :' <<<'$list'"
check "node object wins over group object" bash -c "! grep -q '8081 :' <<<'$list'"
check "port conflict rejected" wait_for 5 status_is "$EDGE" gw1 forwards clash rejected
err=$(json_field "$(retained "$EDGE" edge/gw1/status/forwards/clash)" error)
check "conflict error names the holder" \
	test "$err" = "forward clash: public_port 8080/tcp is held by forward web (source gw1)"
pub "$EDGE" -r -t edge/gw1/forwards/web -n
check "deleting the holder frees the port for the group's forward" wait_for 5 bash -c \
	"retained $EDGE edge/gw1/status/forwards/web | grep -q '\"source\":\"fleet\"' && nft_list $EDGE | grep -q '8081 : 10.50.0.12 . 80'"
check "the waiting forward takes the freed port" wait_for 5 status_is "$EDGE" gw1 forwards clash applied

# --- deletes clear status, rules and files
pub "$EDGE" -r -t edge/gw1/routes/vm-123 -n
pub "$EDGE" -r -t edge/gw1/forwards/dns -n
check "deleted route status cleared" wait_for 5 status_gone "$EDGE" gw1 routes vm-123
check "deleted route file removed" wait_for 5 test ! -e "$DYN/edge-agent.gw1.vm-123.yml"
check "deleted forward status cleared" wait_for 5 status_gone "$EDGE" gw1 forwards dns
check "deleted forward element removed" bash -c "! nft_list $EDGE | grep -q '5353 :'"
check "UDP no longer forwarded" bash -c "! probe udp 5353 x"
check "a file the agent did not create is untouched" bash -c "echo keep > $DYN/mine.yml; sleep 0.5; test \"\$(cat $DYN/mine.yml)\" = keep"

st=$(retained "$EDGE" edge/gw1/status)
check "node status counts" bash -c "grep -q '\"forwards\":{\"applied\":3,\"rejected\":2' <<<'$st'"
check "agent still running" kill -0 "$AGENT_PID"

kill -TERM "$AGENT_PID"; wait "$AGENT_PID"
check "clean shutdown publishes offline" bash -c "retained $EDGE edge/gw1/status | grep -q '\"state\":\"offline\"'"
check "rules stay in place after shutdown" bash -c "nft_list $EDGE | grep -q '8082 : 10.50.0.12 . 80'"
check "agent log has no sanitizer or crash reports" bash -c "! grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error|Segmentation' $T_TMP/gw1.log"
[ "$T_FAILED" = 0 ] || tail -40 "$T_TMP/gw1.log"
t_done
