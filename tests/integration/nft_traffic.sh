#!/bin/bash
# Real packets through the rendered table: client -> edge (DNAT, masquerade out wg0) -> backend.
# The backend has no route to the client network, so replies only come back through masquerade.
set -u
cd "$(dirname "$0")/../.."
B=${B:-build}
bin=$B/tests/test_nft_kernel
C=ea-cli-$$ E=ea-edge-$$ K=ea-back-$$
pids=()

skip() { echo "SKIP nft_traffic: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root"
[ -x "$bin" ] || skip "$bin is not built (make unit)"
command -v socat >/dev/null || skip "socat is not installed"
command -v nft >/dev/null || skip "nft is not installed"

cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "$C" "$E" "$K"; do ip netns del "$p" 2>/dev/null; done
}
trap cleanup EXIT
ip netns add "$C" 2>/dev/null && ip netns add "$E" && ip netns add "$K" ||
	skip "cannot create network namespaces"

fail=0
check() {
	local name=$1; shift
	if "$@"; then echo "PASS nft_traffic: $name"; else echo "FAIL nft_traffic: $name"; fail=1; fi
}

set -e
ip -n "$E" link add pub0 type veth peer name eth0 netns "$C"
ip -n "$E" link add wg0 type veth peer name eth0 netns "$K"
ip -n "$C" addr add 192.0.2.2/24 dev eth0
ip -n "$E" addr add 192.0.2.1/24 dev pub0
ip -n "$E" addr add 10.50.0.1/24 dev wg0
ip -n "$K" addr add 10.50.0.2/24 dev eth0
for ns in "$C" "$E" "$K"; do
	ip -n "$ns" link set lo up
	ip -n "$ns" link set dev "$( [ "$ns" = "$E" ] && echo pub0 || echo eth0)" up
done
ip -n "$E" link set wg0 mtu 1400 up
ip netns exec "$E" sysctl -qw net.ipv4.ip_forward=1
# Counts SYNs whose MSS the edge clamped to wg0's MTU (1400 - 40); the client offers 1460.
ip netns exec "$K" nft -f - <<'NFT'
table inet probe {
	chain in {
		type filter hook input priority 0;
		tcp dport 80 tcp flags syn tcp option maxseg size 1360 counter
	}
}
NFT
set +e

ip netns exec "$K" socat TCP4-LISTEN:80,bind=10.50.0.2,reuseaddr,fork \
	SYSTEM:'echo "tcp-ok from $SOCAT_PEERADDR"' &
pids+=($!)
ip netns exec "$K" socat UDP4-RECVFROM:5300,bind=10.50.0.2,fork \
	SYSTEM:'read l; echo "$l from $SOCAT_PEERADDR"' &
pids+=($!)
for _ in $(seq 50); do
	ip netns exec "$K" ss -Hltn 'sport = :80' | grep -q . &&
		ip netns exec "$K" ss -Hlun 'sport = :5300' | grep -q . && break
	sleep 0.1
done

fwd() { EDGE_TEST_NETNS=$E ip netns exec "$E" "$bin" fwd edge_agent wg0 "$@"; }
tcp() { ip netns exec "$C" timeout 5 socat -T2 - TCP4:192.0.2.1:8080 </dev/null 2>/dev/null; }
udp() { echo ping | ip netns exec "$C" timeout 5 socat -T1 - UDP4:192.0.2.1:5300 2>/dev/null; }

check "client cannot reach the backend directly" \
	test -z "$(ip netns exec "$C" timeout 3 socat -T1 - TCP4:10.50.0.2:80 </dev/null 2>/dev/null)"
check "before any forward: tcp to the edge gets nothing" test -z "$(tcp)"

check "full apply of a tcp and a udp forward" fwd full tcp/8080=10.50.0.2:80 udp/5300=10.50.0.2:5300
out=$(tcp)
echo "  tcp reply: $out"
check "tcp 192.0.2.1:8080 reaches the backend, masqueraded" test "$out" = "tcp-ok from 10.50.0.1"
out=$(udp)
echo "  udp reply: $out"
check "udp 192.0.2.1:5300 reaches the backend, masqueraded" test "$out" = "ping from 10.50.0.1"

check "SYN MSS clamped to the wg0 route MTU" \
	ip netns exec "$K" sh -c "nft list chain inet probe in | grep -q 'counter packets [1-9]'"

check "incremental delete of the tcp forward" fwd inc -tcp/8080=10.50.0.2:80
check "tcp no longer connects" test -z "$(tcp)"
check "udp still answers" test "$(udp)" = "ping from 10.50.0.1"
check "incremental delete of the udp forward" fwd inc -udp/5300=10.50.0.2:5300
check "udp no longer answers" test -z "$(udp)"
check "maps are empty" test "$(ip netns exec "$E" nft list table inet edge_agent | grep -c elements)" = 0
exit $fail
