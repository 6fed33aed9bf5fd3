#!/usr/bin/env bash
# A Debian package for real: `make deb` builds it (binaries, unit, sysctl, examples,
# dependencies from dpkg-shlibdeps, version from the binary), lintian finds no error, and
# `apt-get install ./edge-agent_*.deb` on a fresh debootstrapped Debian 12 (a chroot of
# build/debian12-minbase.tar; apt fetches the dependencies from the archive) installs it;
# the installed agent then runs from that root in a namespace of its own: it applies a
# forward that carries real TCP from a client to a backend. Removal and purge clean up.
source "$(dirname "$0")/../lib/lib.sh"
source "$ROOT/tests/lib/debian_rootfs.sh"
require_root deb_package
for c in dpkg-deb dpkg-shlibdeps lintian; do
	command -v $c >/dev/null || { skip deb_package "$c not installed (tests/install-deps.sh)"; exit 77; }
done
cd "$ROOT"
B=${B:-build}
if is_sanitized "$B/edge-agent"; then
	skip deb_package "the binaries are a sanitizer build (make SANITIZE=1): not what a package ships"; exit 77
fi
R=$T_TMP/root
unmount_root() { umount -R "$R/proc" "$R/sys" "$R/dev" 2>/dev/null; }
trap 'unmount_root; t_cleanup' EXIT

if ! out=$(make -s deb B="$B" 2>&1); then
	fail "make deb" "$(tail -5 <<<"$out")"; t_done
fi
DEB=$(tail -1 <<<"$out")
pass "make deb: $DEB"
version=$("$B/edge-agent" --version | awk '{print $2}')
field() { dpkg-deb -f "$DEB" "$1"; }
check "version is the binary's ($version), in the file name too" bash -c \
	"[ '$(field Version)' = '$version' ] && [[ '$DEB' == *_${version}_$(dpkg --print-architecture).deb ]]"
dpkg-deb -c "$DEB" | awk '{print $6}' | sed 's|^\./|/|' > "$T_TMP/files"
for f in /usr/bin/edge-agent /usr/bin/edgectl /lib/systemd/system/edge-agent.service \
	/usr/lib/sysctl.d/50-edge-agent.conf /usr/share/edge-agent/edge-agent.env.example \
	/usr/share/edge-agent/broker-config/mosquitto.conf /usr/share/doc/edge-agent/copyright; do
	check "package ships $f" grep -qxF "$f" "$T_TMP/files"
done
check "package ships /var/lib/edge-agent, mode 0700" bash -c "dpkg-deb -c $DEB | grep -q '^drwx------ .* ./var/lib/edge-agent/$'"
check "nothing in /etc (configuration is the operator's)" bash -c "! grep -q '^/etc/' $T_TMP/files"
deps=$(field Depends)
echo "INFO Depends: $deps"
check "Depends declares every shared library (dpkg-shlibdeps)" bash -c \
	"for p in libmosquitto1 libnftables1 libmnl0 libjson-c5 libyaml-0-2 libcurl4 libc6; do
		grep -q \"\\b\$p\\b\" <<<'$deps' || { echo missing \$p; exit 1; }; done"
check "Recommends wireguard-go (userspace WireGuard)" grep -q wireguard-go <<<"$(field Recommends)"
check "the unit's ExecStart is the packaged binary" bash -c \
	"dpkg-deb --fsys-tarfile $DEB | tar -xO ./lib/systemd/system/edge-agent.service | grep -qx 'ExecStart=/usr/bin/edge-agent'"
lintian --fail-on error "$DEB" > "$T_TMP/lintian.txt" 2>&1
rc=$?
grep -E '^[EW]:' "$T_TMP/lintian.txt" | sed 's/^/  lintian: /'
check "lintian: no errors ($(grep -c '^W:' "$T_TMP/lintian.txt") warnings)" \
	test "$rc" -eq 0 -a "$(grep -c '^E:' "$T_TMP/lintian.txt")" -eq 0

# --- a fresh Debian 12: apt-get install ./edge-agent_*.deb
if ! why=$(rootfs_ensure 2>&1); then
	skip "install on a fresh Debian 12" "no debootstrapped root: $why"; t_done
fi
mkdir -p "$R" && tar -C "$R" -xf "$ROOTFS_MINBASE"
check "the fresh root has none of the dependencies" bash -c \
	"! chroot $R dpkg-query -W libmosquitto1 libnftables1 >/dev/null 2>&1"
cp "$DEB" "$R/tmp/"
if rootfs_chroot "$R" bash -c "apt-get update -qq && apt-get install -y -qq --no-install-recommends /tmp/$(basename "$DEB")" \
	> "$T_TMP/apt.log" 2>&1; then
	pass "apt-get install ./$(basename "$DEB") on a fresh debootstrapped Debian 12"
else
	fail "apt-get install ./$(basename "$DEB")" "$(tail -5 "$T_TMP/apt.log")"; t_done
fi
check "dpkg: installed, and the dependencies came with it" bash -c \
	"chroot $R dpkg-query -W -f='\${Status}\n' edge-agent libmosquitto1 libnftables1 | grep -c 'install ok installed' | grep -qx 3"
check "installed: the user edge-agent exists and owns /etc/traefik/dynamic" bash -c \
	"chroot $R getent passwd edge-agent >/dev/null && [ \"\$(stat -c %U $R/etc/traefik/dynamic)\" = edge-agent ]"
check "installed: edge-agent --version" bash -c "chroot $R /usr/bin/edge-agent --version | grep -qx 'edge-agent $version'"
check "installed: edgectl --version" bash -c "chroot $R /usr/bin/edgectl --version | grep -q '^edgectl '"

# it runs from there: the packaged agent, in the fresh root, in an edge namespace
edge_topology
broker_start "$EDGE" 1883 || { fail broker_start; t_done; }
mkdir -p "$R/etc/traefik/dynamic"
mount -t proc proc "$R/proc"
ip netns exec "$EDGE" chroot "$R" env -i PATH=/usr/sbin:/usr/bin NODE_ID=pkg DATA_DIR=/var/lib/edge-agent \
	ALLOWED_TARGETS=10.50.0.0/24 SYNC_QUIET_MS=300 WG_CONF= /usr/bin/edge-agent > "$T_TMP/pkg.log" 2>&1 &
PKG_PID=$!
T_PIDS+=("$PKG_PID")
check "the packaged agent connects and syncs" wait_for 10 node_synced "$EDGE" pkg
pub "$EDGE" -r -t edge/pkg/forwards/web -m '{"public_port": 8080, "target_ip": "10.50.0.12", "target_port": 80}'
check "the packaged agent applies a forward" wait_for 5 status_is "$EDGE" pkg forwards web applied
reply=$(probe tcp 8080 deb)
check "TCP through the packaged agent's forward reaches the backend" test "$reply" = "backend tcp 10.50.0.1 deb"
kill "$PKG_PID"; wait "$PKG_PID" 2>/dev/null
check "its state cache (state.json or its journal) written in the root's /var/lib/edge-agent" bash -c \
	"ls $R/var/lib/edge-agent/ | grep -qE '^state\.(json|journal)\$'"
umount "$R/proc"

rootfs_chroot "$R" apt-get purge -y -qq edge-agent > "$T_TMP/purge.log" 2>&1
check "apt-get purge: the package's files and its state are gone" bash -c \
	"[ ! -e $R/usr/bin/edge-agent ] && [ ! -e $R/lib/systemd/system/edge-agent.service ] && [ ! -e $R/var/lib/edge-agent ]"
t_done
