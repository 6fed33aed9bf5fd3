# A fleet for tests and benchmarks: one central mosquitto and two regional ones bridged
# to it with broker-config/bridge-regional.conf (its TLS and account lines left out: plain
# MQTT inside the test), and N real agents, each in its own network namespace with its own
# nftables table and directories, half behind each regional broker. Source after lib.sh.
#
# Addresses: the central broker 10.90.9.1 (on its loopback), reached by regional broker rK
# over its own link 10.90.K.0/24; rK serves its agents on 10.9K.0.1; agent i behind rK
# has 10.9K.x.y.

FLEET_CENTRAL=10.90.9.1

# fleet_broker NS NAME LISTEN...: a plain mosquitto listening on each address; sets FLEET_PID
fleet_broker() {
	local ns=$1 name=$2 conf=$T_TMP/$2.conf a; shift 2
	: > "$conf"
	for a in "$@"; do echo "listener 1883 $a" >> "$conf"; done
	cat >> "$conf" <<-CONF
	allow_anonymous true
	max_queued_messages 100000
	max_inflight_messages 20
	set_tcp_nodelay true
	max_connections -1
	CONF
	[ -f "$T_TMP/$name.bridge" ] && cat "$T_TMP/$name.bridge" >> "$conf"
	ip netns exec "$ns" mosquitto -c "$conf" >> "$T_TMP/$name.log" 2>&1 &
	FLEET_PID=$!
	T_PIDS+=("$FLEET_PID")
	wait_for 10 ip netns exec "$ns" bash -c "exec 3<>/dev/tcp/$1/1883" 2>/dev/null
}

# fleet_bridge_conf NAME HOST: bridge-regional.conf for regional broker NAME, without TLS
# and credentials, to the central broker; its notification topic names HOST
fleet_bridge_conf() {
	sed -e '/^bridge_cafile\|^bridge_tls_version\|^bridge_insecure\|^remote_username\|^remote_password/d' \
	    -e "s|^connection .*|connection $1|" \
	    -e "s|^address .*|address $FLEET_CENTRAL:1883|" \
	    -e "s|^remote_clientid .*|remote_clientid $1|" \
	    -e "s|^local_clientid .*|local_clientid $1-bridge|" \
	    -e "s|^notification_topic .*|notification_topic edge/_bridges/$2|" \
	    -e "s|^keepalive_interval .*|keepalive_interval ${FLEET_KEEPALIVE:-30}|" \
	    -e "s|^restart_timeout .*|restart_timeout 1 3|" \
	    "$ROOT/broker-config/bridge-regional.conf" > "$T_TMP/$1.bridge"
}

# fleet_up N: brokers and N agents (node ids n001...), group "fleet"; sets FLEET_C (central
# namespace), FLEET_R1/FLEET_R2 and FLEET_NODES / FLEET_NS (node -> namespace).
declare -A FLEET_NS
FLEET_NODES=()
fleet_up() {
	local n=$1 i k ns node a lan
	FLEET_C=$(netns_new fc); FLEET_R1=$(netns_new fr1); FLEET_R2=$(netns_new fr2)
	ip -n "$FLEET_C" addr add "$FLEET_CENTRAL/32" dev lo
	for k in 1 2; do
		ns=$FLEET_R1; [ $k = 2 ] && ns=$FLEET_R2
		veth_link "$FLEET_C" "r$k" "10.90.$k.1/24" "$ns" uplink "10.90.$k.2/24" || return 1
		ip -n "$ns" route add "$FLEET_CENTRAL/32" via "10.90.$k.1"
		ip -n "$ns" link add lan type bridge && ip -n "$ns" link set lan up
		ip -n "$ns" addr add "10.9$k.0.1/16" dev lan
		fleet_bridge_conf "r$k" "10.9$k.0.1"
	done
	fleet_broker "$FLEET_C" central "$FLEET_CENTRAL" || return 1
	fleet_broker "$FLEET_R1" r1 10.91.0.1 || return 1
	fleet_broker "$FLEET_R2" r2 10.92.0.1 || return 1
	for ((i = 1; i <= n; i++)); do
		node=$(printf 'n%03d' "$i")
		k=$(( (i - 1) % 2 + 1 ))
		lan=$FLEET_R1; [ $k = 2 ] && lan=$FLEET_R2
		ns=$(netns_new "$node") || return 1
		a="10.9$k.$(( i / 200 + 1 )).$(( i % 200 + 1 ))"
		ip link add "fa$$_$i" type veth peer name "fb$$_$i" || return 1
		ip link set "fa$$_$i" netns "$ns" name eth0
		ip link set "fb$$_$i" netns "$lan"
		ip -n "$lan" link set "fb$$_$i" master lan up
		ip -n "$ns" addr add "$a/16" dev eth0
		ip -n "$ns" link set eth0 up
		FLEET_NS[$node]=$ns
		FLEET_NODES+=("$node")
		FLEET_BROKER[$node]="10.9$k.0.1"
	done
}
declare -A FLEET_BROKER

# fleet_agents: starts every agent (quietly: LOG_LEVEL=warn unless set)
fleet_agents() {
	local node
	for node in "${FLEET_NODES[@]}"; do
		agent_start "${FLEET_NS[$node]}" "$node" MQTT_URL="mqtt://${FLEET_BROKER[$node]}:1883" \
			EDGE_GROUPS=fleet ALLOWED_TARGETS=10.50.0.0/24 WG_IFACE="wgf$node" WG_CONF= \
			COEXIST=off METRICS_INTERVAL_S=0 LOG_LEVEL="${FLEET_LOG:-warn}"
	done
}

# csub TOPIC [ARGS]: mosquitto_sub at the central broker
csub() { local t=$1; shift; ip netns exec "$FLEET_C" mosquitto_sub -h "$FLEET_CENTRAL" -t "$t" "$@"; }
cpub() { ip netns exec "$FLEET_C" mosquitto_pub -h "$FLEET_CENTRAL" -q 1 "$@"; }

# fleet_count_state ID STATE: how many nodes' statuses of forward ID at the central broker
# are STATE (retained snapshot)
fleet_count_state() {
	csub "edge/+/status/forwards/$1" --retained-only -W 2 -F '%p' 2>/dev/null |
		grep -c "\"state\":\"$2\""
}
# fleet_synced: how many node statuses at the central broker say online and synced
fleet_synced() {
	csub 'edge/+/status' --retained-only -W 2 -F '%p' 2>/dev/null |
		grep '"state":"online"' | grep -c '"synced":true'
}
