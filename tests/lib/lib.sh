# Shared helpers for integration tests: result lines, namespaces, a broker, the agent.
# Every test runs in namespaces it creates (the host is untouched) and cleans up on exit.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd); export ROOT
AGENT=${AGENT:-$ROOT/build/edge-agent}
T_FAILED=0
T_TMP=$(mktemp -d /tmp/edge-test.XXXXXX); chmod 755 "$T_TMP"
T_NS=()
T_PIDS=()

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1${2:+: $2}"; T_FAILED=1; }
skip() { echo "SKIP $1: $2"; }
check() {  # name, command...: PASS if the command succeeds
	local name=$1; shift
	if "$@"; then pass "$name"; else fail "$name"; fi
}

t_cleanup() {
	local p n
	for p in "${T_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	sleep 0.2
	for p in "${T_PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
	# netns_new runs in $(...) subshells: find this test's namespaces by their suffix
	for n in "${T_NS[@]}" $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E -- "-$$\$"); do
		ip netns pids "$n" 2>/dev/null | xargs -r kill -9 2>/dev/null; ip netns del "$n" 2>/dev/null
	done
	if [ "${KEEP_TMP:-}" ]; then echo "kept $T_TMP"; else rm -rf "$T_TMP"; fi
}
trap t_cleanup EXIT

t_done() { exit "$T_FAILED"; }

require_root() {
	if [ "$(id -u)" -ne 0 ]; then skip "$1" "needs root for network namespaces"; exit 77; fi
}

# require_tools TEST TOOL...: skips the test (exit 77) naming the first missing tool
require_tools() {
	local name=$1 t; shift
	for t in "$@"; do
		command -v "$t" >/dev/null || { skip "$name" "$t not installed (tests/install-deps.sh)"; exit 77; }
	done
}
# require_built TEST FILE...: skips the test unless every program is built
require_built() {
	local name=$1 f; shift
	for f in "$@"; do
		[ -x "$f" ] || { skip "$name" "$f not built (make all)"; exit 77; }
	done
}

# netns_new NAME: a fresh namespace with loopback up; the name gets a unique suffix.
netns_new() {
	local ns="ea-$1-$$"
	ip netns add "$ns" || return 1
	ip -n "$ns" link set lo up
	T_NS+=("$ns")
	echo "$ns"
}

# veth_link NS_A IF_A ADDR_A NS_B IF_B ADDR_B
T_VETH=0
veth_link() {
	local a="va$$_$T_VETH" b="vb$$_$T_VETH"
	T_VETH=$((T_VETH + 1))
	ip link add "$a" type veth peer name "$b" || return 1
	ip link set "$a" netns "$1" name "$2"
	ip link set "$b" netns "$4" name "$5"
	ip -n "$1" addr add "$3" dev "$2"; ip -n "$1" link set "$2" up
	ip -n "$4" addr add "$6" dev "$5"; ip -n "$4" link set "$5" up
}

# broker_start NS [PORT] [PERSIST_DIR]: mosquitto on loopback of NS; sets BROKER_PID.
broker_start() {
	local ns=$1 port=${2:-1883} pdir=${3:-} conf
	conf=$T_TMP/mosquitto-$port.conf
	{
		echo "listener $port 127.0.0.1"
		echo "allow_anonymous true"
		echo "max_queued_messages 100000"
		if [ -n "$pdir" ]; then
			# mosquitto started as root drops to the mosquitto user
			id mosquitto >/dev/null 2>&1 && chown mosquitto "$pdir"
			echo "persistence true"; echo "persistence_location $pdir/"; echo "autosave_interval 1"
		fi
	} > "$conf"
	ip netns exec "$ns" mosquitto -c "$conf" >> "$T_TMP/mosquitto-$port.log" 2>&1 &
	BROKER_PID=$!
	T_PIDS+=("$BROKER_PID")
	wait_for 5 ip netns exec "$ns" mosquitto_sub -p "$port" -t x -C 1 -W 1 -E >/dev/null 2>&1 ||
		wait_for 5 port_open "$ns" "$port"
}

port_open() { ip netns exec "$1" bash -c "exec 3<>/dev/tcp/127.0.0.1/$2" 2>/dev/null; }

# agent_start NS NAME [VAR=value ...]: runs the agent in NS; sets AGENT_PID; log in $T_TMP/NAME.log
agent_start() {
	local ns=$1 name=$2; shift 2
	mkdir -p "$T_TMP/$name/data" "$T_TMP/$name/dynamic"
	ip netns exec "$ns" env -i PATH="$PATH" NODE_ID="$name" \
		DATA_DIR="$T_TMP/$name/data" TRAEFIK_DYNAMIC_DIR="$T_TMP/$name/dynamic" \
		SYNC_QUIET_MS=300 LOG_LEVEL=debug "$@" \
		${AGENT_WRAPPER:-} "$AGENT" >> "$T_TMP/$name.log" 2>&1 &
	AGENT_PID=$!
	T_PIDS+=("$AGENT_PID")
}

# wait_for SECONDS COMMAND...: polls every 0.1 s until the command succeeds.
wait_for() {
	local end=$((SECONDS + $1)); shift
	while ! "$@"; do
		[ $SECONDS -ge $end ] && return 1
		sleep 0.1
	done
}

pub() { local ns=$1; shift; ip netns exec "$ns" mosquitto_pub -q 1 "$@"; }
# seed_three NS NODE TARGET_IP: retained forwards f1..f3 (public ports 9001..9003) and routes
# r1..r3 (r<i>.example.com) to TARGET_IP:80; succeeds once all are applied and NODE synced.
seed_three() {
	local ns=$1 node=$2 ip=$3 i
	for i in 1 2 3; do
		pub "$ns" -r -t "edge/$node/forwards/f$i" -m "{\"public_port\": 900$i, \"target_ip\": \"$ip\", \"target_port\": 80}"
		pub "$ns" -r -t "edge/$node/routes/r$i" -m "{\"hostname\": \"r$i.example.com\", \"target_url\": \"http://$ip:80\"}"
	done
	wait_for 10 bash -c "node_synced $ns $node && status_is $ns $node forwards f3 applied && status_is $ns $node routes r3 applied"
}
# retained NS TOPIC: prints the retained payload (empty if none)
retained() { ip netns exec "$1" mosquitto_sub -t "$2" -C 1 -W 1 --retained-only 2>/dev/null; }
# json_field JSON KEY: prints a top-level field (strings unquoted)
json_field() { /usr/bin/python3 -c 'import json,sys; d=json.loads(sys.argv[1]); v=d.get(sys.argv[2]); print(v if not isinstance(v,(dict,list,bool)) else json.dumps(v))' "$1" "$2" 2>/dev/null; }
# status_is NS NODE KIND ID STATE
status_is() { [ "$(json_field "$(retained "$1" "edge/$2/status/$3/$4")" state)" = "$5" ]; }
status_gone() { [ -z "$(retained "$1" "edge/$2/status/$3/$4")" ]; }
node_synced() { [ "$(json_field "$(retained "$1" "edge/$2/status")" synced)" = "true" ]; }
nft_list() { ip netns exec "$1" nft list table inet "${2:-edge_agent}" 2>/dev/null; }
export -f retained nft_list json_field status_is status_gone node_synced

# edge_topology: client (192.0.2.2) -> edge (pub0 192.0.2.1, wg0 10.50.0.1) -> backend
# (10.50.0.12, echo server on :80 answering TCP and UDP). Sets EDGE, CLIENT, BACK.
# The backend has NO route to the client network: replies only work through masquerade.
edge_topology() {
	EDGE=$(netns_new edge); CLIENT=$(netns_new client); BACK=$(netns_new back)
	veth_link "$CLIENT" eth0 192.0.2.2/24 "$EDGE" pub0 192.0.2.1/24
	veth_link "$EDGE" wg0 10.50.0.1/24 "$BACK" eth0 10.50.0.12/24
	ip -n "$CLIENT" route add default via 192.0.2.1
	ip netns exec "$BACK" /usr/bin/python3 "$ROOT/tests/lib/echo_server.py" backend 80 &
	T_PIDS+=($!)
	export EDGE CLIENT BACK
}
# probe PROTO PORT [MESSAGE]: from the client to the edge's public address
probe() { ip netns exec "$CLIENT" /usr/bin/python3 "$ROOT/tests/lib/probe.py" "$1" 192.0.2.1 "$2" "${3:-x}"; }
export -f probe

# is_sanitized FILE: built with ASan (make SANITIZE=1), so valgrind cannot run it
is_sanitized() { objdump -p "$1" 2>/dev/null | grep -q 'NEEDED.*libasan'; }
