# Helpers shared by the Docker-coexistence tests (source after lib.sh; they use EDGE, IPT
# (iptables-nft or iptables-legacy) and OURS (the agent's rule as `iptables -S` prints it).

# iptables-save of the variant's backend, without timestamps and counters
ipt_save() { ip netns exec "$EDGE" "$IPT-save" | grep -v '^#' | sed -E 's/\[[0-9]+:[0-9]+\]/[0:0]/'; }
ours_count() { ip netns exec "$EDGE" "$IPT" -S DOCKER-USER 2>/dev/null | grep -cE -- "^$OURS\$"; }
has_ours() { [ "$(ours_count)" -ge 1 ]; }
# eventually NAME COMMAND...: PASS once the command succeeds (the 20 s bound only keeps a
# failure from hanging; how long it took is never checked: timing belongs in bench/)
eventually() { local name=$1; shift; check "$name" wait_for 20 "$@"; }
passes() { [ "$(probe tcp 9080 "$1")" = "backend tcp 10.50.0.1 $1" ] &&
	   [ "$(probe udp 9053 "$1")" = "backend udp 10.50.0.1 $1" ]; }
blocked() { ! probe tcp 9080 x >/dev/null 2>&1; }
table_back() { nft_list "$EDGE" | grep -q 'chain forward_mark'; }
