#!/usr/bin/env bash
# A fleet of FLEET_N (20) real agents, each in its own namespace, half behind each of two
# regional mosquittos bridged to a central one (broker-config/bridge-regional.conf). The
# controller (edgectl, at the central broker) publishes to group "fleet" and waits for
# every node (--all); one regional bridge goes down: the central fleet view says its
# nodes are unreachable and edgectl reports them at once instead of timing out; objects
# are added, changed and deleted meanwhile; when the bridge returns every node converges.
# The full-size run (200 agents, latencies) is bench/fleet.sh.
source "$(dirname "$0")/../lib/lib.sh"
source "$ROOT/tests/lib/fleet.sh"
require_root fleet_scale
require_tools fleet_scale mosquitto mosquitto_pub mosquitto_sub nft
CTL=${EDGECTL:-$ROOT/build/edgectl}
require_built fleet_scale "$AGENT" "$CTL"
N=${FLEET_N:-20}
HALF=$((N / 2))

FLEET_KEEPALIVE=3 fleet_up "$N" || { fail "fleet namespaces and brokers" "$(tail -3 "$T_TMP"/*.log)"; t_done; }
fleet_agents
all_synced() { [ "$(fleet_synced)" = "$N" ]; }
check "$N agents online and synced, as seen at the central broker" wait_for 90 all_synced
bridge_is() { [ "$(csub "edge/_bridges/$1" --retained-only -C 1 -W 2 2>/dev/null)" = "$2" ]; }
check "both bridges up (notifications at the central broker)" bash -c \
	"$(declare -f bridge_is csub); FLEET_C=$FLEET_C FLEET_CENTRAL=$FLEET_CENTRAL; bridge_is 10.91.0.1 1 && bridge_is 10.92.0.1 1"

# ctl ARGS...: edgectl at the central broker; sets RC, OUT, ERR
ctl() {
	ip netns exec "$FLEET_C" "$CTL" --mqtt-url "mqtt://$FLEET_CENTRAL:1883" "$@" > "$T_TMP/out" 2> "$T_TMP/err"
	RC=$?; OUT=$(cat "$T_TMP/out"); ERR=$(cat "$T_TMP/err")
}
# on_all PORT: every node serves PORT; none_has PORT: no node does
on_all() { local n; for n in "${FLEET_NODES[@]}"; do nft_list "${FLEET_NS[$n]}" | grep -q "$1 : 10.50.0.12 . 80" || return 1; done; }
none_has() { local n; for n in "${FLEET_NODES[@]}"; do nft_list "${FLEET_NS[$n]}" | grep -q "$1 : " && return 1; done; return 0; }

ctl forward put fleet web --port 20001 --to 10.50.0.12:80 --all --timeout 30
check "group put --all: applied on $N of $N, exit 0" bash -c "[ $RC = 0 ] && grep -q 'applied on $N of $N node(s) of group fleet' <<<'$OUT'"
check "every node serves it" on_all 20001
ctl forward put fleet old --port 20003 --to 10.50.0.12:80 --min "$N" --timeout 30
check "group put --min $N: exit 0" test "$RC" = 0
ctl status
check "status: every node online, synced, with the broker it uses" bash -c \
	"grep -q '^$N node(s): $N online, 0 unreachable, 0 offline or invalid; $N synced; 0 with errors' <<<'$OUT' &&
	 grep -qE '^n001 +online +yes +mqtt://10.91.0.1:1883 ' <<<'$OUT' && grep -qE '^n002 +online +yes +mqtt://10.92.0.1:1883 ' <<<'$OUT'"

# ---- regional broker 1 cut off from the central one
ip -n "$FLEET_C" link set r1 down
check "outage: the central broker holds bridge 1's will (\"0\")" wait_for 20 bridge_is 10.91.0.1 0
ctl status
check "outage: the fleet view says its $HALF nodes are unreachable" bash -c \
	"grep -q '^$N node(s): $((N - HALF)) online, $HALF unreachable' <<<'$OUT' && grep -qE '^n001 +unreachable ' <<<'$OUT'"
ctl forward put fleet web --port 20011 --to 10.50.0.12:80 --all --timeout 30
check "outage: put --all answers at once: $((N - HALF)) applied, the unreachable named, exit 3" bash -c \
	"[ $RC = 3 ] && grep -q 'applied on $((N - HALF)) of $N' <<<'$OUT' && grep -q '^unreachable (the bridge from their broker is down.*n001' <<<'$ERR'"
ctl ls
check "outage: ls counts the nodes behind the bridge as unreachable" bash -c \
	"grep -qE '^forward +web +fleet +$N +$((N - HALF)) +0 +0 +0 +$HALF$' <<<'$OUT'"
ctl forward put n001 own --port 20020 --to 10.50.0.12:80 --timeout 30
check "outage: put to an unreachable node says so at once, exit 3" bash -c \
	"[ $RC = 3 ] && grep -q 'node n001 is unreachable: the bridge from its broker 10.91.0.1' <<<'$ERR'"
ctl forward put fleet add1 --port 20002 --to 10.50.0.12:80 --no-wait
ctl forward rm fleet old --no-wait
check "outage: nodes behind bridge 1 keep serving what they had" bash -c \
	"$(declare -f nft_list); nft_list ${FLEET_NS[n001]} | grep -q '20001 : ' && nft_list ${FLEET_NS[n001]} | grep -q '20003 : '"

# ---- the bridge returns: every node converges
ip -n "$FLEET_C" link set r1 up
check "bridge 1 back (\"1\")" wait_for 30 bridge_is 10.91.0.1 1
check "converged: every node serves the changed port" wait_for 60 on_all 20011
check "converged: every node serves the added object" wait_for 30 on_all 20002
check "converged: no node serves the old port or the deleted object" wait_for 30 bash -c \
	"$(declare -f none_has nft_list); $(declare -p FLEET_NODES FLEET_NS); none_has 20001 && none_has 20003"
# the statuses come up through the bridge after the data plane: ls until they all have
ls_all_applied() {
	ctl ls
	grep -qE "^forward +web +fleet +$N +$N +0 +0 +0 +0$" <<<"$OUT" &&
		grep -qE "^forward +add1 +fleet +$N +$N " <<<"$OUT" && ! grep -qE '^forward +old ' <<<"$OUT"
}
check "ls: the fleet's objects, each applied on all $N nodes" wait_for 30 ls_all_applied
ls_all_applied || printf '%s\n' "$OUT" | sed 's/^/  ls: /'
ctl status
check "after: $N online, 0 unreachable, $N synced" bash -c \
	"grep -q '^$N node(s): $N online, 0 unreachable, 0 offline or invalid; $N synced; 0 with errors' <<<'$OUT'"
t_done
