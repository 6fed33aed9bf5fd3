#!/bin/bash
# The kernel WireGuard backend (generic netlink) for real: this host's kernel has no
# wireguard module, so boot Debian's kernel under qemu (TCG) with an initramfs holding
# busybox, wireguard.ko and its dependencies, iproute2 (namespaces, veth only) and our
# driver. Inside: two namespaces joined by a veth, a wireguard interface in each brought
# up by our genl backend + rtnl, a completed handshake (ping), then diffs that must not
# touch the live peer, and a device big enough that set and get span many messages.
# Then the real agent (build/edge-agent, its libraries and loader) with WG_BACKEND=kernel
# and a DATA_DIR made here (wg.key, cached join.json), no controller and no broker: first
# without nfnetlink/nf_tables, then with the nftables modules loaded, against a peer the
# driver configures (tests/vm/agent_in_vm.sh runs that part inside the VM).
set -u
cd "$(dirname "$0")/../.."
source tests/lib/lib.sh
T=wg_kernel_vm
bin=$ROOT/${B:-build}/tests/test_wg_kernel
agent=$ROOT/${B:-build}/edge-agent
t_start=$SECONDS

require_root "$T"
pkgs=(qemu-system-x86 busybox-static kmod linux-image-amd64 nftables wireguard-tools cpio)
have_all() {
	command -v qemu-system-x86_64 >/dev/null && [ -x /bin/busybox ] &&
		command -v modprobe >/dev/null && ls /boot/vmlinuz-* >/dev/null 2>&1 &&
		command -v nft >/dev/null && command -v wg >/dev/null && command -v cpio >/dev/null
}
if ! have_all; then
	echo "  installing ${pkgs[*]}"
	export DEBIAN_FRONTEND=noninteractive
	{ apt-get update -qq && apt-get install -y -qq --no-install-recommends "${pkgs[@]}"; } \
		> "$T_TMP/apt.log" 2>&1
fi
command -v qemu-system-x86_64 >/dev/null ||
	{ skip "$T" "qemu-system-x86_64 is not installed and could not be installed"; exit 77; }
qemu-system-x86_64 -accel help 2>/dev/null | grep -qx tcg ||
	{ skip "$T" "qemu cannot run here (no TCG accelerator)"; exit 77; }
[ -x /bin/busybox ] || { fail "$T: busybox-static is missing"; t_done; }
for need in wg cpio ldd nft; do
	command -v "$need" >/dev/null || { fail "$T: $need is missing"; t_done; }
done
if [ ! -x "$bin" ]; then
	make -s "${B:-build}/tests/test_wg_kernel" >/dev/null 2>&1 || { fail "$T: cannot build $bin"; t_done; }
fi
if [ ! -x "$agent" ]; then
	make -s "${B:-build}/edge-agent" >/dev/null 2>&1 || { fail "$T: cannot build $agent"; t_done; }
fi

# The newest kernel image whose modules include wireguard.
kver=""
for img in $(ls -v /boot/vmlinuz-* 2>/dev/null); do
	v=${img#/boot/vmlinuz-}
	modprobe -S "$v" --show-depends wireguard >/dev/null 2>&1 && kver=$v
done
[ -n "$kver" ] || { fail "$T: no /boot/vmlinuz-* with a wireguard module in /lib/modules"; t_done; }
echo "  kernel $kver"

# --- the initramfs ---
root=$T_TMP/root
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,lib,lib64,proc,sys,dev,run,tmp,mods,etc,var}
ln -s ../run "$root/var/run"
cp /bin/busybox "$root/bin/busybox"
ln -s busybox "$root/bin/sh"

copy_with_libs() {  # FILE DEST
	cp -L "$1" "$root$2"
	ldd "$1" | grep -o '/[^ ]*' | while read -r lib; do
		mkdir -p "$root$(dirname "$lib")"
		[ -e "$root$lib" ] || cp -L "$lib" "$root$lib"
	done
}
copy_with_libs "$bin" /drv
copy_with_libs "$(command -v ip)" /usr/sbin/ip
copy_with_libs "$(command -v wg)" /usr/bin/wg
copy_with_libs "$agent" /edge-agent
echo "  agent: $(ldd "$agent" | grep -c '/') shared objects with the loader: $(ldd "$agent" | grep -o '/lib64/ld-[^ ]*')"
copy_with_libs "$(command -v nft)" /usr/sbin/nft

# add_modules ORDER MODULE...: each module and its dependencies, decompressed, in load
# order, into $root/mods/ORDER (once across all order files); built-in ones are listed
# in $root/mods/ORDER.builtin
add_modules() {
	local order=$root/mods/$1 m; shift
	: > "$order"; : > "$order.builtin"
	for m in "$@"; do
		modprobe -S "$kver" --show-depends "$m" > "$T_TMP/deps" 2>&1 ||
			{ fail "$T: module $m: $(head -1 "$T_TMP/deps")"; continue; }
		awk '$1 == "builtin" {print $2}' "$T_TMP/deps" >> "$order.builtin"
		awk '$1 == "insmod" {print $2}' "$T_TMP/deps" | while read -r ko; do
			base=$(basename "$ko"); base=${base%.xz}; base=${base%.zst}; base=${base%.gz}
			cat "$root"/mods/order* 2>/dev/null | grep -qx "$base" && continue
			case $ko in
			*.xz) xz -dc "$ko" > "$root/mods/$base" ;;
			*.zst) zstd -qdc "$ko" > "$root/mods/$base" ;;
			*.gz) gzip -dc "$ko" > "$root/mods/$base" ;;
			*) cp "$ko" "$root/mods/$base" ;;
			esac
			echo "$base" >> "$order"
		done
	done
}
add_modules order wireguard veth vxlan
echo "  modules: $(tr '\n' ' ' < "$root/mods/order")"
# what the agent's table needs: tables, nat chains, dnat/masquerade, ct, fib (rt, exthdr,
# lookup, meta are part of nf_tables itself)
add_modules order.nft nf_tables nft_chain_nat nft_nat nft_masq nft_ct nft_fib_inet
echo "  nftables on $kver: modules $(tr '\n' ' ' < "$root/mods/order.nft")"
echo "  nftables on $kver: built in: $(sort -u "$root/mods/order.nft.builtin" | tr '\n' ' ' | grep . || echo '(none of these)')"
[ -f "/boot/config-$kver" ] && echo "  nftables on $kver: $(grep -E '^CONFIG_(NF_TABLES|NF_TABLES_INET|NF_NAT|NF_NAT_MASQUERADE|NFT_NAT|NFT_MASQ|NFT_CT|NFT_FIB_INET)=' "/boot/config-$kver" | tr '\n' ' ')"

hex() { printf '%s' "$1" | base64 -d | od -An -tx1 | tr -d ' \n'; }
{
	for who in A B C; do
		k=$(wg genkey)
		echo "${who}_PRIV=$(hex "$k")"
		echo "${who}_PUB=$(hex "$(printf '%s' "$k" | wg pubkey)")"
	done
} > "$root/keys.env"

# the agent's DATA_DIR (copied into a tmpfs in the VM) and the keys the VM checks with
ag_key=$(wg genkey); ag_pub=$(printf '%s' "$ag_key" | wg pubkey)
peer_key=$(wg genkey); peer_pub=$(printf '%s' "$peer_key" | wg pubkey)
mkdir -m 700 "$root/agent-data"
(umask 077
 printf '%s\n' "$ag_key" > "$root/agent-data/wg.key"
 printf '{"address":"10.60.0.1/24","listen_port":51820,"mtu":1380,"peers":[{"public_key":"%s","endpoint":"192.168.95.2:51821","allowed_ips":["10.60.0.2/32","10.61.0.0/24"],"persistent_keepalive":25}]}\n' \
	"$peer_pub" > "$root/agent-data/join.json")
{
	echo "AG_PRIV='$ag_key'"
	echo "AG_PUB_HEX=$(hex "$ag_pub")"
	echo "PEER_PRIV_HEX=$(hex "$peer_key")"
	echo "PEER_PUB='$peer_pub'"
	echo "PEER_PUB_HEX=$(hex "$peer_pub")"
} > "$root/agent.env"
cp tests/vm/agent_in_vm.sh "$root/agent_in_vm.sh"

cat > "$root/init" <<'INIT'
#!/bin/sh
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
/bin/busybox --install -s /bin
ip() { /usr/sbin/ip "$@"; }     # iproute2, not busybox's applet (the shell prefers applets)
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs run /run
mount -t tmpfs tmp /tmp
. /keys.env
T=wg_kernel_vm
pass() { echo "PASS $T: $1"; }
fail() { echo "FAIL $T: $1"; }
expect() { n=$1; shift; if eval "$*"; then pass "$n"; else fail "$n"; fi; }
up() { cut -d' ' -f1 /proc/uptime; }
echo "VM-START $(up)"
ok=1
for m in $(cat /mods/order); do insmod /mods/$m || ok=0; done
expect "wireguard and its dependencies load ($(cat /mods/order | wc -l) modules)" '[ $ok = 1 ]'
ip link set lo up
expect "auto picks the kernel backend" '[ "$(/drv pick auto)" = kernel ]'

ip netns add a; ip netns add b
ip -n a link set lo up; ip -n b link set lo up
ip link add va netns a type veth peer name vb netns b
ip -n a addr add 192.168.90.1/24 dev va; ip -n a link set va up
ip -n b addr add 192.168.90.2/24 dev vb; ip -n b link set vb up
ip -n b addr add 10.91.0.1/32 dev lo

PB="pub=$B_PUB,ep=192.168.90.2:51821,ips=10.90.0.2/32"
PB_WIDE="pub=$B_PUB,ep=192.168.90.2:51821,ips=10.90.0.2/32+10.91.0.0/24"
PC="pub=$C_PUB,ep=192.168.90.3:51822,ips=10.90.0.3/32"
sb=$(echo "$B_PUB" | cut -c1-8); sc=$(echo "$C_PUB" | cut -c1-8)
apply_a() { ip netns exec a /drv apply kernel wg-a "$A_PRIV" 51820 10.90.0.1/24 1420 "$@" > /tmp/out 2>&1; r=$?; cat /tmp/out | sed 's/^/  a: /'; return $r; }
delta() { grep '^delta:' /tmp/out; }
peer_b() { ip netns exec a /drv show kernel wg-a | grep "^peer $sb"; }
field() { echo "$1" | tr ' ' '\n' | grep "^$2=" | cut -d= -f2; }

t0=$(up)
apply_a "$PB"
expect "a: interface created and configured over genl" '[ $r = 0 ] && [ "$(delta)" = "delta: private_key listen_port=51820 +$sb(ka=0,endpoint,allowed)" ]'
ip netns exec b /drv apply kernel wg-b "$B_PRIV" 51821 10.90.0.2/24 1420 \
	"pub=$A_PUB,ep=192.168.90.1:51820,ips=10.90.0.0/24" 2>&1 | sed 's/^/  b: /'
expect "b: interface created and configured" 'ip -n b link show wg-b | grep -q "UP.* mtu 1420 "'
expect "the link kind is wireguard" 'ip -n a -d link show wg-a | grep -q "wireguard"'
expect "wg(8) reads back what genl set" 'ip netns exec a wg show wg-a allowed-ips | grep -q "10.90.0.2/32"'
i=0; while ! ip netns exec a ping -c 1 -W 1 10.90.0.2 >/dev/null 2>&1 && [ $i -lt 10 ]; do i=$((i + 1)); done
expect "ping through the kernel tunnel (handshake completed)" 'ip netns exec a ping -c 1 -W 1 10.90.0.2 >/dev/null 2>&1'
echo "  tunnel up $(echo "$(up) $t0" | awk '{printf "%.2f", $1 - $2}') s after the first apply"
pb0=$(peer_b); hs0=$(field "$pb0" handshake); rx0=$(field "$pb0" rx)
expect "genl get reports the handshake ($hs0) and traffic (rx $rx0)" '[ "${hs0:-0}" -gt 0 ] && [ "${rx0:-0}" -gt 0 ]'
sleep 1

apply_a "$PB"
expect "reapply: delta is empty" '[ "$(delta)" = "delta: empty" ]'
apply_a "$PB" "$PC"
expect "add peer: delta is only the new peer" '[ "$(delta)" = "delta: +$sc(ka=0,endpoint,allowed)" ]'
pb1=$(peer_b)
expect "add peer: live peer's handshake unchanged, counters not reset" '[ "$(field "$pb1" handshake)" = "$hs0" ] && [ "$(field "$pb1" rx)" -ge "$rx0" ]'
apply_a "$PB_WIDE" "$PC"
expect "allowed IPs added: delta replaces that peer's list" '[ "$(delta)" = "delta: ~$sb(ka=0,allowed)" ]'
expect "allowed IPs added: route proto 237" 'ip -n a route show proto 237 | grep -q "^10.91.0.0/24 dev wg-a"'
expect "ping the new allowed prefix" 'ip netns exec a ping -c 1 -W 2 10.91.0.1 >/dev/null 2>&1'
apply_a "$PB" "$PC"
expect "allowed IP removed: list replaced, route gone" '[ "$(delta)" = "delta: ~$sb(ka=0,allowed)" ] && [ -z "$(ip -n a route show proto 237)" ] && [ "$(field "$(peer_b)" allowed)" = 10.90.0.2/32 ]'
apply_a "$PB"
expect "remove peer: delta is one removal" '[ "$(delta)" = "delta: -$sc" ]'
pb2=$(peer_b)
expect "after all changes: handshake unchanged, tunnel still up" '[ "$(field "$pb2" handshake)" = "$hs0" ] && ip netns exec a ping -c 1 -W 1 10.90.0.2 >/dev/null 2>&1'

ip netns exec a /drv bulk kernel wg-bulk 1000 3000 > /tmp/bulk 2>&1
grep -v '^PASS\|^FAIL' /tmp/bulk | sed 's/^/  /'
sed -n 's/^\(PASS\|FAIL\) /\1 wg_kernel_vm: /p' /tmp/bulk
ip netns exec a /drv show kernel wg-bulk | head -1 | sed 's/^/  /'
echo "VM-DRIVER-DONE $(up)"

. /agent_in_vm.sh
echo "VM-DONE $(up)"
poweroff -f
INIT
chmod 755 "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet) > "$T_TMP/initrd.cpio" ||
	{ fail "$T: cannot build the initramfs"; t_done; }
echo "  initramfs $(du -h "$T_TMP/initrd.cpio" | cut -f1), prepared in $((SECONDS - t_start)) s"

# --- the VM ---
# serial_log FILE: the console without CRs into FILE; the host's clock at each VM-* marker
# into FILE.host (the guest's clock under TCG is not wall time)
serial_log() {
	local t0=${EPOCHREALTIME/./} l
	: > "$1.host"
	while IFS= read -r l; do
		l=${l%$'\r'}
		printf '%s\n' "$l"
		case $l in VM-*)
			echo "${l%% *} $(( (${EPOCHREALTIME/./} - t0) / 100000 ))" >> "$1.host" ;;
		esac
	done > "$1"
}
vm_start=$SECONDS
timeout 200 qemu-system-x86_64 -accel tcg -cpu max -m 512 -smp 1 -no-reboot \
	-display none -serial stdio -monitor none -net none \
	-kernel "/boot/vmlinuz-$kver" -initrd "$T_TMP/initrd.cpio" \
	-append "console=ttyS0 quiet loglevel=3 panic=-1" \
	< /dev/null 2> "$T_TMP/qemu.err" | serial_log "$T_TMP/vm.log"
rc=${PIPESTATUS[0]}
vm_secs=$((SECONDS - vm_start))

if ! grep -q '^VM-START' "$T_TMP/vm.log"; then
	if [ -s "$T_TMP/qemu.err" ] && ! grep -q 'Linux version\|Run /init' "$T_TMP/vm.log"; then
		skip "$T" "qemu cannot run: $(head -c 300 "$T_TMP/qemu.err")"
		exit 77
	fi
	fail "$T: the VM did not reach /init (qemu exit $rc)"
	tail -20 "$T_TMP/vm.log" | sed 's/^/  vm: /'
	t_done
fi
grep -E '^  ' "$T_TMP/vm.log"
grep -E '^(PASS|FAIL|SKIP) ' "$T_TMP/vm.log"
grep -q '^FAIL ' "$T_TMP/vm.log" && T_FAILED=1
if grep -qE 'Sanitizer|runtime error' "$T_TMP/vm.log"; then   # B=build-asan
	fail "$T: sanitizer report in the VM"
	grep -E -A5 'Sanitizer|runtime error' "$T_TMP/vm.log" | head -30 | sed 's/^/  vm: /'
fi
if grep -q '^VM-DONE' "$T_TMP/vm.log"; then
	s=$(awk '/^VM-START/ {a = $2} /^VM-DONE/ {b = $2} END {printf "%.1f s in the VM (boot to /init %.1f s)", b - a, a}' "$T_TMP/vm.log")
	pass "$T: VM run finished: $vm_secs s of qemu, $s"
	awk -v end="$vm_secs" '{t[$1] = $2 / 10} END {
		printf "  host clock: qemu start to /init %.1f s, driver checks %.1f s, agent checks %.1f s, poweroff %.1f s\n",
			t["VM-START"], t["VM-DRIVER-DONE"] - t["VM-START"], t["VM-DONE"] - t["VM-DRIVER-DONE"],
			end - t["VM-DONE"]}' "$T_TMP/vm.log.host"
else
	fail "$T: the VM did not finish (qemu exit $rc after $vm_secs s)"
	tail -20 "$T_TMP/vm.log" | sed 's/^/  vm: /'
fi
echo "  total $((SECONDS - t_start)) s"
t_done
