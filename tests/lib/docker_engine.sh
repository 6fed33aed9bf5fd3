# A real Docker engine (Debian's docker.io) for one test, isolated (source after lib.sh):
# dockerd runs inside a network namespace of the test, with its own data-root, exec-root,
# pidfile and socket, so its bridge, its iptables chains and its FORWARD policy live in
# that namespace and the host's (and the other tests') are untouched. Stopped by its PID.
# Sets DOCKER_HOST for docker and docker-compose; `dk` is Debian's CLI (20.10, the
# engine's own version), whatever else is on PATH.
DK=/usr/bin/docker

dk() { "$DK" "$@"; }

# engine_skip_reason: why no engine can run here (empty when one can)
engine_skip_reason() {
	command -v dockerd >/dev/null || { echo "dockerd not installed (docker.io, tests/install-deps.sh)"; return; }
	[ -x "$DK" ] || { echo "$DK missing (docker.io)"; return; }
	[ "$(id -u)" -eq 0 ] || echo "needs root"
}

# engine_start NS [legacy]: dockerd in NS; with "legacy" its iptables is iptables-legacy
# (a PATH where `iptables` is the legacy binary, as update-alternatives would make it).
# Sets ENGINE_PID and DOCKER_HOST; the data-root is in the test's temporary directory.
engine_start() {
	local ns=$1 variant=${2:-nft} d=$T_TMP/engine-$1 path=$PATH
	ENGINE_RUN=/run/ea-dk-$$-${#ENGINE_PIDS[@]}
	ENGINE_RUNS+=("$ENGINE_RUN")
	mkdir -p "$d/data" "$d/bin" "$ENGINE_RUN"
	if [ "$variant" = legacy ]; then
		for t in iptables iptables-save iptables-restore ip6tables ip6tables-save ip6tables-restore; do
			ln -sf "/usr/sbin/${t/iptables/iptables-legacy}" "$d/bin/$t"
		done
		path=$d/bin:$PATH
	fi
	nsenter --net="/run/netns/$ns" env PATH="$path" dockerd --data-root "$d/data" --exec-root "$ENGINE_RUN/exec" \
		--pidfile "$ENGINE_RUN/dockerd.pid" -H "unix://$ENGINE_RUN/docker.sock" \
		--storage-driver overlay2 > "$d/dockerd.log" 2>&1 &
	ENGINE_PID=$!
	ENGINE_PIDS+=("$ENGINE_PID")
	T_PIDS+=("$ENGINE_PID")
	export DOCKER_HOST=unix://$ENGINE_RUN/docker.sock
	ENGINE_LOG=$d/dockerd.log
	wait_for 60 dk info >/dev/null 2>&1
}
ENGINE_PIDS=()
ENGINE_RUNS=()

# engine_stop: SIGTERM to dockerd (it stops its containers and containerd), then waits
engine_stop() {
	[ -n "${ENGINE_PID:-}" ] || return 0
	kill "$ENGINE_PID" 2>/dev/null
	wait_for 30 bash -c "! kill -0 $ENGINE_PID 2>/dev/null" || kill -9 "$ENGINE_PID" 2>/dev/null
	wait "$ENGINE_PID" 2>/dev/null
	ENGINE_PID=
	engine_unmount "$ENGINE_RUN"
}

# engine_unmount DIR: what dockerd left mounted under DIR in the host's mount namespace
# (its own network namespace, bind-mounted there, would keep the test's namespace alive)
engine_unmount() {
	awk -v d="$1" 'index($2, d) == 1 {print $2}' /proc/mounts | sort -r | xargs -r umount -l
}

# engine_import_busybox TAG: a static busybox as an image (the smallest real container)
engine_import_busybox() {
	local r=$T_TMP/busybox-root
	mkdir -p "$r/bin" "$r/www"
	cp /bin/busybox "$r/bin/busybox"
	for a in sh httpd nc echo cat sleep ip hostname; do ln -sf busybox "$r/bin/$a"; done
	tar -C "$r" -c . | dk import - "$1" >/dev/null
}

# engine_import_debian TAG...: build/debian12-rootfs.tar (tests/lib/debian_rootfs.sh) as
# these images
engine_import_debian() {
	local t
	dk import "$ROOTFS_FULL" "$1" >/dev/null || return 1
	t=$1; shift
	for n in "$@"; do dk tag "$t" "$n" || return 1; done
}

# engine_cleanup: stops every engine this test started (also on exit)
engine_cleanup() {
	for p in "${ENGINE_PIDS[@]}"; do
		ENGINE_PID=$p
		kill -0 "$p" 2>/dev/null && engine_stop
	done
	for d in "${ENGINE_RUNS[@]}"; do
		engine_unmount "$d"
		rm -rf "$d"
	done
	engine_unmount "$T_TMP/engine-"     # container roots, if dockerd could not stop them
}
