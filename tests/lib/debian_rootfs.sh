# Debian 12 root filesystems for the deployment tests (source after lib.sh), made once per
# build directory and shared by every test that needs one (flock: one maker at a time):
#   build/debian12-minbase.tar  debootstrap --variant=minbase bookworm, untouched: a fresh
#                               Debian for the package test
#   build/debian12-rootfs.tar   the same with the package lists and, downloaded but NOT
#                               installed (/var/cache/apt/archives), the packages of
#                               tests/install-deps.sh's groups (build runtime broker) and
#                               systemd: apt-get installs them without network. The base
#                               tagged as the Dockerfile's FROM image (its RUN install-deps.sh
#                               installs for real, offline), and the systemd host's base.
# The mirror is the host's own (its apt sources): no other network is used.
ROOTFS_DIR=${ROOTFS_DIR:-$ROOT/build}
ROOTFS_MINBASE=$ROOTFS_DIR/debian12-minbase.tar
ROOTFS_FULL=$ROOTFS_DIR/debian12-rootfs.tar
ROOTFS_EXTRA="systemd systemd-sysv dbus iproute2 procps python3 curl"

# rootfs_mirror: the Debian archive URL the host's apt uses
rootfs_mirror() {
	{ grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}'
	  grep -hs '^deb ' /etc/apt/sources.list | awk '{print $2}'; } |
		grep -v -- '-security' | head -1
}

# rootfs_chroot DIR COMMAND...: runs COMMAND in DIR with /proc, /sys, /dev and the host's
# resolver (the host's network namespace: the archive is reachable)
rootfs_chroot() {
	local d=$1 rc; shift
	mount -t proc proc "$d/proc" && mount --rbind /sys "$d/sys" && mount --make-rslave "$d/sys" &&
		mount --rbind /dev "$d/dev" && mount --make-rslave "$d/dev" || return 1
	cp -L /etc/resolv.conf "$d/etc/resolv.conf" 2>/dev/null
	chroot "$d" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive "$@"
	rc=$?
	umount -R "$d/dev" "$d/sys" "$d/proc" 2>/dev/null || umount -lR "$d/dev" "$d/sys" "$d/proc"
	return $rc
}

rootfs_make_minbase() {
	local w=${TMPDIR:-/var/tmp}/edge-rootfs.$$ mirror
	mirror=$(rootfs_mirror)
	[ -n "$mirror" ] || { echo "rootfs: no Debian mirror in the host's apt sources" >&2; return 1; }
	rm -rf "$w"; mkdir -p "$w"
	echo "rootfs: debootstrap --variant=minbase bookworm from $mirror" >&2
	if ! debootstrap --variant=minbase bookworm "$w" "$mirror" > "$ROOTFS_DIR/debootstrap.log" 2>&1; then
		echo "rootfs: debootstrap failed: $(tail -3 "$ROOTFS_DIR/debootstrap.log")" >&2
		rm -rf "$w"; return 1
	fi
	tar -C "$w" --numeric-owner -cf "$ROOTFS_MINBASE.part" . && mv "$ROOTFS_MINBASE.part" "$ROOTFS_MINBASE"
	rm -rf "$w"
}

# rootfs_packages: what the full root holds, downloaded
rootfs_packages() { echo "$(bash "$ROOT/tests/install-deps.sh" --list build runtime broker) $ROOTFS_EXTRA"; }

rootfs_make_full() {
	local w=${TMPDIR:-/var/tmp}/edge-rootfs.$$ rc=0 pkgs
	pkgs=$(rootfs_packages)
	rm -rf "$w"; mkdir -p "$w"
	tar -C "$w" -xf "$ROOTFS_MINBASE" || return 1
	rootfs_chroot "$w" bash -c "apt-get update -qq && apt-get install -y -qq -d --no-install-recommends $pkgs" \
		> "$ROOTFS_DIR/rootfs-packages.log" 2>&1 || rc=$?
	rm -f "$w/etc/resolv.conf"
	if [ $rc -ne 0 ]; then
		echo "rootfs: downloading packages failed: $(tail -3 "$ROOTFS_DIR/rootfs-packages.log")" >&2
	else
		tar -C "$w" --numeric-owner -cf "$ROOTFS_FULL.part" . && mv "$ROOTFS_FULL.part" "$ROOTFS_FULL" &&
			echo "$pkgs" > "$ROOTFS_FULL.packages" || rc=1
	fi
	rm -rf "$w"
	return $rc
}

# rootfs_ensure [full]: makes build/debian12-minbase.tar (and with "full" the rootfs) if
# missing (the rootfs also when its package list changed); prints why and fails when it
# cannot (no debootstrap, no mirror).
rootfs_ensure() {
	command -v debootstrap >/dev/null || { echo "debootstrap not installed (tests/install-deps.sh)"; return 1; }
	mkdir -p "$ROOTFS_DIR"
	(
		flock 9
		[ -s "$ROOTFS_MINBASE" ] || rootfs_make_minbase || exit 1
		[ "${1:-}" != full ] || { [ -s "$ROOTFS_FULL" ] && [ "$(cat "$ROOTFS_FULL.packages" 2>/dev/null)" = "$(rootfs_packages)" ]; } ||
			rootfs_make_full || exit 1
	) 9> "$ROOTFS_DIR/rootfs.lock"
}
