#!/usr/bin/env bash
# Limits hold (issue 11): over-count publishes are rejected on the errors topic and written
# nowhere; a 32 MiB publish never reaches the agent (MQTT 5 maximum packet size, real
# mosquitto), its memory stays bounded and it keeps serving; forwards may not take a port a
# local process serves.
source "$(dirname "$0")/../lib/lib.sh"
require_root trust_limits
edge_topology
broker_start "$EDGE" 1883 || { fail broker_start; t_done; }
fwd() { pub "$EDGE" -r -t "edge/gw1/forwards/$1" -m "{\"public_port\": $2, \"target_ip\": \"10.50.0.12\", \"target_port\": 80${3:+, \"proto\": \"$3\"}}"; }
in_table() { nft_list "$EDGE" | tr ',' '\n' | grep -q "$1 : 10.50.0.12 . 80"; }
errors_start() { ip netns exec "$EDGE" mosquitto_sub -t edge/gw1/errors > "$T_TMP/errors.jsonl" 2>/dev/null & T_PIDS+=($!); sleep 0.3; }
errors_have() { grep -qF "$1" "$T_TMP/errors.jsonl"; }
hwm_kb() { awk '/^VmHWM/ {print $2}' "/proc/$AGENT_PID/status"; }

agent_start "$EDGE" gw1 ALLOWED_TARGETS=10.50.0.0/24 MAX_OBJECTS=5 LOG_LEVEL=info
errors_start
for i in 1 2 3 4 5; do fwd f$i $((7000 + i)); done
check "five forwards applied under MAX_OBJECTS=5" wait_for 10 bash -c "node_synced $EDGE gw1 && status_is $EDGE gw1 forwards f5 applied"

# --- over-count: the sixth object is refused, nothing written, everything else serves
fwd f6 7006
pub "$EDGE" -r -t edge/gw1/routes/r1 -m '{"hostname": "r1.example.com", "target_url": "http://10.50.0.12:80"}'
check "over-count forward rejected on the errors topic" wait_for 5 errors_have 'forward f6: not accepted: the node already holds MAX_OBJECTS=5 objects (routes and forwards); delete some or raise MAX_OBJECTS'
check "over-count route rejected too" wait_for 5 errors_have 'route r1: not accepted: the node already holds MAX_OBJECTS=5'
check "the error names the topic" errors_have '"topic":"edge/gw1/forwards/f6"'
check "no rule for the over-count forward" bash -c "! nft_list $EDGE | grep -q 7006"
check "no file for the over-count route" test ! -e "$T_TMP/gw1/dynamic/edge-agent.gw1.r1.yml"
check "the five forwards still serve" bash -c "probe tcp 7003 | grep -q 'backend tcp'"
fwd f2 7102
check "an update of a held object still applies" wait_for 5 in_table 7102
pub "$EDGE" -r -t edge/gw1/forwards/f1 -n
sleep 0.5; fwd f6 7006
check "after a deletion the sixth fits" wait_for 5 status_is "$EDGE" gw1 forwards f6 applied
check "MAX_OBJECTS out of range stops the agent with the variable named" bash -c \
	"timeout 5 ip netns exec $EDGE env -i NODE_ID=x MAX_OBJECTS=0 $AGENT 2>&1 | grep -q 'MAX_OBJECTS.*1..1000000'"
kill -TERM "$AGENT_PID"; wait "$AGENT_PID" 2>/dev/null

# --- oversize: 32 MiB retained and live, against mosquitto over MQTT 5
agent_start "$EDGE" gw1 ALLOWED_TARGETS=10.50.0.0/24 LOG_LEVEL=info
check "agent synced (MQTT 5)" wait_for 10 bash -c "node_synced $EDGE gw1 && grep -q 'connected to 127.0.0.1:1883 (MQTT 5)' $T_TMP/gw1.log"
base=$(hwm_kb)
head -c $((32 << 20)) /dev/zero | tr '\0' 'x' > "$T_TMP/big"
pub "$EDGE" -r -t edge/gw1/forwards/huge -f "$T_TMP/big"
pub "$EDGE" -t edge/gw1/forwards/huge2 -f "$T_TMP/big"
fwd after 7200
check "agent keeps serving after two 32 MiB publishes" wait_for 10 status_is "$EDGE" gw1 forwards after applied
live=$(hwm_kb)
kill -TERM "$AGENT_PID"; wait "$AGENT_PID" 2>/dev/null
: > "$T_TMP/gw1.log"
agent_start "$EDGE" gw1 ALLOWED_TARGETS=10.50.0.0/24 LOG_LEVEL=info   # the retained one in the replay
check "restarted agent syncs past the retained 32 MiB message" wait_for 10 bash -c "grep -q 'retained replay complete' $T_TMP/gw1.log"
sleep 1
peak=$(hwm_kb)
echo "agent peak RSS (VmHWM): ${base} kB after start, ${live} kB after a live 32 MiB publish, ${peak} kB after a replay holding a retained one"
check "peak RSS stays far below the 32 MiB payload (live: ${live} kB)" test "$live" -lt 24576
check "peak RSS stays far below the 32 MiB payload (replay: ${peak} kB)" test "$peak" -lt 24576
check "the oversize message never reached the agent" bash -c "! grep -q 'huge' $T_TMP/gw1.log"
check "still serving" bash -c "probe tcp 7200 | grep -q 'backend tcp'"
pub "$EDGE" -r -t edge/gw1/forwards/huge -n
kill -TERM "$AGENT_PID"; wait "$AGENT_PID" 2>/dev/null

# --- local listeners: a forward may not hide a port a local process serves from outside
listen() {  # PROTO ADDR PORT
	ip netns exec "$EDGE" /usr/bin/python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET6 if ":" in sys.argv[2] else socket.AF_INET,
                  socket.SOCK_STREAM if sys.argv[1] == "tcp" else socket.SOCK_DGRAM)
s.bind((sys.argv[2], int(sys.argv[3])))
if sys.argv[1] == "tcp": s.listen()
time.sleep(600)' "$@" &
	T_PIDS+=($!); LISTEN_PID=$!
}
listen tcp 0.0.0.0 7301; L1=$LISTEN_PID
listen udp 0.0.0.0 7302
listen tcp :: 7303
listen tcp 127.0.0.1 7304
listen udp 127.0.0.53 7305
sleep 0.5
agent_start "$EDGE" gw1 ALLOWED_TARGETS=10.50.0.0/24 LOG_LEVEL=info
fwd l1 7301; fwd l2 7302 udp; fwd l3 7303; fwd l4 7304; fwd l5 7305 udp; fwd l6 7301 udp
check "TCP port with a local listener rejected" wait_for 10 bash -c "retained $EDGE edge/gw1/status/forwards/l1 | grep -qF 'forward l1: public_port 7301/tcp is in use by a local listener'"
check "UDP port with a local socket rejected" wait_for 5 bash -c "retained $EDGE edge/gw1/status/forwards/l2 | grep -qF 'public_port 7302/udp is in use by a local listener'"
check "IPv6 wildcard listener counts" wait_for 5 bash -c "retained $EDGE edge/gw1/status/forwards/l3 | grep -qF 'public_port 7303/tcp is in use'"
check "a loopback-only TCP listener is not shadowed: applied" wait_for 5 status_is "$EDGE" gw1 forwards l4 applied
check "a loopback-only UDP socket (DNS stub) is not shadowed: applied" wait_for 5 status_is "$EDGE" gw1 forwards l5 applied
check "same port, other protocol: applied" wait_for 5 status_is "$EDGE" gw1 forwards l6 applied
tcp_map() { ip netns exec "$EDGE" nft list map inet edge_agent fwd_tcp; }
udp_map() { ip netns exec "$EDGE" nft list map inet edge_agent fwd_udp; }
check "nothing written for the rejected ones" test "$(tcp_map | grep -cE '730[13] : ')$(udp_map | grep -c '7302 : ')$(udp_map | grep -c '7301 : ')" = 001
fwd b 1883
check "the broker's port stays refused (reserved)" wait_for 5 bash -c "retained $EDGE edge/gw1/status/forwards/b | grep -q 'public_port 1883 is reserved'"
kill "$L1"; wait "$L1" 2>/dev/null; sleep 1.1
fwd l1 7301
check "once the listener is gone the forward applies" wait_for 5 status_is "$EDGE" gw1 forwards l1 applied
t_done
