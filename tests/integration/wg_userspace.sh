#!/bin/bash
# The userspace WireGuard backend (wireguard-go + UAPI), the diff and rtnl, in namespaces:
# edge (wg-edge) joined to back (wg-back) and third (wg-third) by veth underlays. Every
# interface is brought up and changed by our code (build/tests/test_wg_kernel apply);
# `wg` only reads. Live sessions must survive adding, removing and changing other peers.
set -u
cd "$(dirname "$0")/../.."
source tests/lib/lib.sh
T=wg_userspace
bin=$ROOT/${B:-build}/tests/test_wg_kernel

require_root "$T"
for need in wireguard-go wg socat ss; do
	command -v "$need" >/dev/null || { skip "$T" "$need is not installed"; exit 77; }
done
export WG_GO_PATH=${WG_GO_PATH:-$(command -v wireguard-go)}   # the driver, like the agent, wants it absolute
[ -x "$bin" ] || { skip "$T" "$bin is not built (make unit)"; exit 77; }
[ -c /dev/net/tun ] || { skip "$T" "no /dev/net/tun"; exit 77; }
if command -v ping >/dev/null; then PING=(ping); elif command -v busybox >/dev/null; then PING=(busybox ping)
else skip "$T" "neither ping nor busybox is installed"; exit 77; fi

# The UAPI socket directory is shared by all namespaces: names must be unique host-wide.
for ifn in wg-edge wg-back wg-third; do
	if [ -S "/var/run/wireguard/$ifn.sock" ] && socat -u OPEN:/dev/null "UNIX-CONNECT:/var/run/wireguard/$ifn.sock" 2>/dev/null; then
		skip "$T" "/var/run/wireguard/$ifn.sock is in use by another test"; exit 77
	fi
done

A=$(netns_new wgedge) && Bn=$(netns_new wgback) && C=$(netns_new wgthird) || { fail "$T: namespaces"; t_done; }
T_NS+=("$A" "$Bn" "$C")   # netns_new ran in a subshell: register them for the cleanup here
veth_link "$A" ab 192.168.77.1/24 "$Bn" ba 192.168.77.2/24
veth_link "$A" ac 192.168.78.1/24 "$C" ca 192.168.78.2/24

hex() { printf '%s' "$1" | base64 -d | od -An -tx1 | tr -d ' \n'; }
keypair() {  # sets <P>_PRIV (hex), <P>_PUB (hex), <P>_B64 (public, base64)
	local k; k=$(wg genkey)
	printf -v "$1_PRIV" '%s' "$(hex "$k")"
	printf -v "$1_B64" '%s' "$(printf '%s' "$k" | wg pubkey)"
	printf -v "$1_PUB" '%s' "$(hex "$(printf '%s' "$k" | wg pubkey)")"
}
keypair EDGE; keypair BACK; keypair THIRD
short() { printf '%s' "${1:0:8}"; }

# drv NS OUT ARGS...: our driver in NS; output in $T_TMP/OUT (never a pipe: the
# wireguard-go daemon it may start inherits stdout and stderr)
# DRV_WRAPPER (e.g. "valgrind -q --error-exitcode=9") runs the driver under a checker
drv() { local ns=$1 out=$2; shift 2; ip netns exec "$ns" ${DRV_WRAPPER:-} "$bin" "$@" > "$T_TMP/$out" 2>&1; }
delta_of() { grep '^delta:' "$T_TMP/$1"; }
edge_apply() {  # OUT ADDR PEER...
	local out=$1 addr=$2; shift 2
	drv "$A" "$out" apply userspace wg-edge "$EDGE_PRIV" 51820 "$addr" 1420 "$@"
}
PEER_BACK="pub=$BACK_PUB,ep=192.168.77.2:51821,ips=10.60.0.2/32"
PEER_BACK_WIDE="pub=$BACK_PUB,ep=192.168.77.2:51821,ips=10.60.0.2/32+10.61.0.0/24"
PEER_THIRD="pub=$THIRD_PUB,ep=192.168.78.2:51822,ips=10.60.0.3/32"

hs() { ip netns exec "$A" wg show wg-edge latest-handshakes | awk -v k="$BACK_B64" '$1 == k {print $2}'; }
rx() { ip netns exec "$A" wg show wg-edge transfer | awk -v k="$BACK_B64" '$1 == k {print $2}'; }
ping_ok() { ip netns exec "$1" "${PING[@]}" -c 1 -W 1 "$2" >/dev/null 2>&1; }
expect() { local n=$1; shift; if eval "$*"; then pass "$n"; else fail "$n"; fi; }  # NAME 'EXPR'
allowed_back() { ip netns exec "$A" wg show wg-edge allowed-ips | awk -v k="$BACK_B64" '$1 == k {$1 = ""; print substr($0, 2)}'; }
routes_ours() { ip -n "$A" route show proto 237; }
wgpid() { ip netns pids "$A" | while read -r p; do [ "$(cat /proc/$p/comm 2>/dev/null)" = wireguard-go ] && echo "$p"; done; }

# 1. bring up edge and back from nothing
edge_apply up-edge 10.60.0.1/24 "$PEER_BACK"
rc_edge=$?
drv "$Bn" up-back apply userspace wg-back "$BACK_PRIV" 51821 10.60.0.2/24 1420 \
	"pub=$EDGE_PUB,ep=192.168.77.1:51820,ips=10.60.0.0/24"
rc_back=$?
expect "$T: edge interface brought up (wireguard-go started, key, port, peer)" \
	'[ $rc_edge -eq 0 ] && [ "$(delta_of up-edge)" = "delta: private_key listen_port=51820 +$(short "$BACK_PUB")(ka=0,endpoint,allowed)" ]'
expect "$T: back interface brought up" '[ $rc_back -eq 0 ]'
expect "$T: wg reads our configuration back" '[ "$(allowed_back)" = 10.60.0.2/32 ]'
expect "$T: address set" '[ "$(ip -n $A -o -4 addr show dev wg-edge | awk "{print \$4}")" = 10.60.0.1/24 ]'
expect "$T: link up with mtu 1420" 'ip -n $A link show wg-edge | grep -q "UP.* mtu 1420 "'

if wait_for 10 ping_ok "$A" 10.60.0.2; then
	pass "$T: ping edge -> back through the tunnel"
else
	fail "$T: ping edge -> back through the tunnel"
fi

# a TCP session that stays open through every later change
ip netns exec "$Bn" socat TCP-LISTEN:7000,fork,reuseaddr EXEC:cat 2>/dev/null &
T_PIDS+=($!)
wait_for 5 bash -c "ip netns exec $Bn ss -ltn | grep -q ':7000'"
coproc TCP { ip netns exec "$A" socat - TCP:10.60.0.2:7000 2>/dev/null; }
T_PIDS+=($TCP_PID)
tcp_echo() {  # WORD: sends it over the open session, expects it back
	local line=""
	echo "$1" >&"${TCP[1]}" 2>/dev/null || return 1
	read -t 5 -r line <&"${TCP[0]}" || return 1
	[ "$line" = "$1" ]
}
check "$T: TCP session through the tunnel" tcp_echo hello-1

hs0=$(hs); rx0=$(rx); pid0=$(wgpid); idx0=$(ip -n "$A" -o link show wg-edge | cut -d: -f1)
expect "$T: handshake recorded" '[ "${hs0:-0}" -gt 0 ]'
sleep 1.1   # a rebuilt peer would handshake again in a later second

# 2. a third peer: only it is in the delta; the first peer's session is untouched
edge_apply add-third 10.60.0.1/24 "$PEER_BACK" "$PEER_THIRD"
d=$(delta_of add-third)
echo "  $d"
expect "$T: add peer: delta is only the new peer" \
	'[ "$d" = "delta: +$(short "$THIRD_PUB")(ka=0,endpoint,allowed)" ]'
drv "$C" up-third apply userspace wg-third "$THIRD_PRIV" 51822 10.60.0.3/24 1420 \
	"pub=$EDGE_PUB,ep=192.168.78.1:51820,ips=10.60.0.0/24,ka=25"
if wait_for 10 ping_ok "$A" 10.60.0.3; then pass "$T: ping edge -> third"; else fail "$T: ping edge -> third"; fi
check "$T: add peer: TCP session still open" tcp_echo hello-2
expect "$T: add peer: first peer's handshake unchanged ($hs0)" '[ "$(hs)" = "$hs0" ]'
expect "$T: add peer: first peer's counters not reset" '[ "$(rx)" -ge "$rx0" ]'
expect "$T: add peer: same wireguard-go process and interface (no rebuild)" \
	'[ "$(wgpid)" = "$pid0" ] && [ "$(ip -n "$A" -o link show wg-edge | cut -d: -f1)" = "$idx0" ]'

# 3. allowed IPs: add 10.61.0.0/24 to back, then remove it again (wireguard-go cannot
#    remove one allowed IP, the diff resends the full list with replace)
ip -n "$Bn" addr add 10.61.0.1/32 dev lo
edge_apply widen 10.60.0.1/24 "$PEER_BACK_WIDE" "$PEER_THIRD"
d=$(delta_of widen); echo "  $d"
expect "$T: allowed IPs added: delta is that peer, replace with its list" \
	'[ "$d" = "delta: ~$(short "$BACK_PUB")(ka=0,allowed)" ]'
expect "$T: allowed IPs added: wg shows both" '[ "$(allowed_back)" = "10.60.0.2/32 10.61.0.0/24" ]'
expect "$T: allowed IPs added: route 10.61.0.0/24 dev wg-edge proto 237" \
	'routes_ours | grep -q "^10.61.0.0/24 dev wg-edge scope link"'
expect "$T: no route of ours for prefixes the interface address covers" \
	'! routes_ours | grep -q "10\.60\.0"'
if wait_for 5 ping_ok "$A" 10.61.0.1; then pass "$T: ping the new allowed prefix"; else fail "$T: ping the new allowed prefix"; fi
edge_apply narrow 10.60.0.1/24 "$PEER_BACK" "$PEER_THIRD"
d=$(delta_of narrow); echo "  $d"
expect "$T: allowed IP removed: delta replaces the list" \
	'[ "$d" = "delta: ~$(short "$BACK_PUB")(ka=0,allowed)" ]'
expect "$T: allowed IP removed: wg shows only 10.60.0.2/32" '[ "$(allowed_back)" = 10.60.0.2/32 ]'
expect "$T: allowed IP removed: our route is gone" '[ -z "$(routes_ours)" ]'
check "$T: allowed IPs: TCP session still open" tcp_echo hello-3
expect "$T: allowed IPs: handshake unchanged" '[ "$(hs)" = "$hs0" ]'

# 4. remove the third peer
edge_apply remove 10.60.0.1/24 "$PEER_BACK"
d=$(delta_of remove); echo "  $d"
expect "$T: remove peer: delta is one removal" '[ "$d" = "delta: -$(short "$THIRD_PUB")" ]'
expect "$T: remove peer: gone from the device" '[ "$(ip netns exec $A wg show wg-edge peers)" = "$BACK_B64" ]'
check "$T: remove peer: TCP session still open" tcp_echo hello-4
expect "$T: remove peer: handshake unchanged" '[ "$(hs)" = "$hs0" ]'

# 5. the same desired state again: nothing sent
edge_apply again 10.60.0.1/24 "$PEER_BACK"
expect "$T: reapply: delta is empty" '[ "$(delta_of again)" = "delta: empty" ]'

# 6. the address is replaced, not added
edge_apply readdr 10.60.0.9/24 "$PEER_BACK"
expect "$T: new address replaces the old one" \
	'[ "$(ip -n $A -o -4 addr show dev wg-edge | awk "{print \$4}")" = 10.60.0.9/24 ]'
edge_apply readdr2 10.60.0.1/24 "$PEER_BACK"
check "$T: address back, session still open" tcp_echo hello-5

# 7. the shared socket directory: another namespace cannot take wg-edge
drv "$C" clash apply userspace wg-edge "$THIRD_PRIV" 51830 10.60.0.30/24 1420
rc=$?
expect "$T: a name used in another namespace is refused" \
	'[ $rc -ne 0 ] && grep -q "another namespace" "$T_TMP/clash"'

# 8. a large device over the UAPI: 1000 peers, one with 3000 allowed IPs
bulk_if=wgbulk$$
drv "$A" bulk bulk userspace "$bulk_if" 1000 3000
sed -n 's/^/  /p' "$T_TMP/bulk" | grep -Ev '^  (PASS|FAIL) |^  .?[│┌└]'
grep -E '^(PASS|FAIL) ' "$T_TMP/bulk" | sed "s/^\(PASS\|FAIL\) /\1 $T: /"
grep -q '^FAIL' "$T_TMP/bulk" && T_FAILED=1
rm -f "/var/run/wireguard/$bulk_if.sock"

t_done
