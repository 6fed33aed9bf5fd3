#!/usr/bin/env bash
# Benchmarks: the agent beside the earlier design (one iptables process per rule, a linear
# chain), every figure repeated, then bench/report.py writes RESULTS.md and the plots.
# Usage: bench/run.sh [--smoke] [--out DIR]
#   --smoke   small N everywhere, one repetition (CI: proves the code still runs)
#   --out     where RESULTS.md and the PNGs go (default: bench/)
# Everything runs in network namespaces this script creates; the host is untouched.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# A private mount namespace: the agents' directories go on a file system of our own (below),
# and the namespaces' mounts stay invisible to everyone else.
if [ -z "${EB_MOUNTNS:-}" ] && command -v unshare >/dev/null; then
	EB_MOUNTNS=1 exec unshare -m --propagation private bash "$0" "$@"
fi
OUT=$ROOT/bench
SMOKE=0
while [ $# -gt 0 ]; do
	case $1 in
	--smoke) SMOKE=1 ;;
	--out) OUT=$2; shift ;;
	*) echo "usage: bench/run.sh [--smoke] [--out DIR]" >&2; exit 2 ;;
	esac
	shift
done

# Sizes; each can be overridden from the environment (e.g. CONVERGE_N="1000" while developing).
# CONVERGE_N: the scale run (each size CONVERGE_REPS times, sizes above 10,000 once);
# UPDATE_N: objects of each kind present during the update runs and the warm restart;
# SETUPS: set-ups measured beside the main one (stock broker, root file system): tuned,
# aedes, cluster (about 15 s in the smoke run, its ejabberd nodes started once).
if [ "$SMOKE" = 1 ]; then
	: "${CONVERGE_N:=50 200}" "${CONVERGE_REPS:=1}" "${BASE_N:=20 50}" "${BASE_REPS:=1}"
	: "${UPDATE_N:=200}" "${UPDATES:=30}" "${SETUP_UPDATES:=30}"
	: "${PLANE_N:=1 100 500}" "${PLANE_CONNECTS:=200}" "${PLANE_REPS:=1}"
	: "${FANOUT_K:=3 6}" "${FANOUT_REPS:=2}" "${TRAEFIK_N:=200}" "${TRAEFIK_REPS:=1}" "${CORE_REPS:=1}"
	: "${SETUPS:=tuned cluster}" "${KINDS_CONNECTS:=300}" "${KINDS_REPS:=1}" "${KINDS_STREAM_S:=1}"
else
	: "${CONVERGE_N:=1000 10000 50000}" "${CONVERGE_REPS:=3}" "${BASE_N:=100 300 1000}" "${BASE_REPS:=1}"
	: "${UPDATE_N:=10000}" "${UPDATES:=1000}" "${SETUP_UPDATES:=400}"
	: "${PLANE_N:=1 1000 5000 10000 25000 50000}" "${PLANE_CONNECTS:=2000}"
	: "${PLANE_REPS:=3}" "${FANOUT_K:=50 200}" "${FANOUT_REPS:=5}" "${TRAEFIK_N:=10000}"
	: "${TRAEFIK_REPS:=3}" "${CORE_REPS:=3}"
	: "${KINDS_CONNECTS:=3000}" "${KINDS_REPS:=3}" "${KINDS_STREAM_S:=5}"
fi
: "${SETUPS:=tuned aedes cluster}"
[ "$(id -u)" = 0 ] || { echo "bench: needs root (network namespaces, nftables)" >&2; exit 77; }
for t in mosquitto nft iptables iptables-restore gnuplot cc pkg-config /usr/bin/python3; do
	command -v "$t" >/dev/null || { echo "bench: $t is missing (make deps)" >&2; exit 77; }
done
[ -x "$ROOT/build/edge-agent" ] && [ -f "$ROOT/build/libedge.a" ] ||
	{ echo "bench: build the agent first (make all)" >&2; exit 77; }

W=$(mktemp -d /tmp/edge-bench.XXXXXX); chmod 755 "$W"
D=$W/data; mkdir -p "$D" "$OUT"
PIDS=() NSS=()
# The agents' DATA_DIR and Traefik directories: on the root file system (what users get;
# this machine's is ext4 WITHOUT a journal, which other tests churn), and for the tuned
# set-up on a fresh journaled ext4 of our own (TUNED_FS). AGENT_FS=fresh moves every run there.
ROOTFS_DIR=$W/rootfs
TUNED_FS=$W/fs
mkdir -p "$ROOTFS_DIR" "$TUNED_FS"
if truncate -s 4G "$W/fs.img" && mkfs.ext4 -q -F "$W/fs.img" 2>/dev/null &&
	mount -o loop "$W/fs.img" "$TUNED_FS" 2>/dev/null; then
	TUNED_FS_NAME="ext4 (journaled, fresh, loop device)"
else
	TUNED_FS_NAME="the temp directory's file system (a private ext4 could not be mounted)"
fi
if [ "${AGENT_FS:-root}" = fresh ]; then
	A=$TUNED_FS AGENT_FS=$TUNED_FS_NAME
else
	A=$ROOTFS_DIR AGENT_FS="the root file system ($(findmnt -n -o FSTYPE --target "$W"), temp directory)"
fi
BROKER_CONF=${BROKER_CONF:-stock}
# the measuring client's broker options (host, login): the controller's; BENCH_WARM: the
# warm restart's, when the agent's retained statuses are only on its own node (cluster)
BENCH_CTL='' BENCH_WARM=''
source "$ROOT/tests/lib/ejabberd.sh"
cleanup() {
	local p n
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	sleep 0.3
	for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
	for n in "${NSS[@]}"; do
		ip netns pids "$n" 2>/dev/null | xargs -r kill -9 2>/dev/null
		ip netns del "$n" 2>/dev/null
	done
	mountpoint -q "$TUNED_FS" && umount "$TUNED_FS"
	if [ "${KEEP_TMP:-}" ]; then echo "bench: kept $W"; else rm -rf "$W"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { printf '[bench %s] %s\n' "$(date +%T)" "$*" >&2; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

# SECTIONS="converge updates" runs only those.
# --- tools: built here from bench/, the agent copied so a rebuild mid-run cannot bite ---
CFLAGS_B="-O2 -g -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Wno-format-truncation -D_GNU_SOURCE"
# a sanitizer build of the agent (make SANITIZE=1) needs the same runtime in our helpers
nm "$ROOT/build/libedge.a" 2>/dev/null | grep -q __asan_ && CFLAGS_B="$CFLAGS_B -fsanitize=address,undefined"
cc $CFLAGS_B $(pkg-config --cflags libmosquitto libmnl) -o "$W/edge-bench" "$ROOT/bench/edge_bench.c" \
	$(pkg-config --libs libmosquitto libmnl) &&
cc $CFLAGS_B -o "$W/tcp-probe" "$ROOT/bench/tcp_probe.c" &&
cc $CFLAGS_B -I"$ROOT/agent" -o "$W/traefik-bench" "$ROOT/bench/traefik_bench.c" "$ROOT/build/libedge.a" \
	$(pkg-config --libs libmosquitto libnftables libmnl json-c yaml-0.1 libcurl) &&
cc $CFLAGS_B -I"$ROOT/agent" -o "$W/core-bench" "$ROOT/bench/core_bench.c" "$ROOT/build/libedge.a" \
	$(pkg-config --libs libmosquitto libnftables libmnl json-c yaml-0.1 libcurl libcrypto) ||
	{ echo "bench: cannot build the bench tools" >&2; exit 1; }
cp "${AGENT_BIN:-$ROOT/build/edge-agent}" "$W/edge-agent"  # AGENT_BIN: compare another build
BENCH=$W/edge-bench PROBE=$W/tcp-probe AGENT=$W/edge-agent

ns_new() {  # NAME: a namespace with loopback up, removed at exit
	local ns="eb-$1-$$"
	ip netns add "$ns" || return 1
	ip -n "$ns" link set lo up
	NSS+=("$ns")
	echo "$ns"
}
ns_del() {
	local n=$1 i
	ip netns pids "$n" 2>/dev/null | xargs -r kill -9 2>/dev/null
	ip netns del "$n" 2>/dev/null
	for i in "${!NSS[@]}"; do [ "${NSS[$i]}" = "$n" ] && unset 'NSS[i]'; done
}

# broker NS [ADDR]: the broker of the current set-up, on one anonymous plain listener.
#   stock: Debian's mosquitto.conf as installed (persistence on, every other setting the
#          default: Nagle on, 1000 queued messages, 20 in flight) plus the listener;
#   tuned: the project's own broker-config/mosquitto.conf settings for queues, in-flight
#          window, Nagle and persistence (its passwords, ACLs and TLS listener left out);
#   aedes: aedes from npm (MQTT 3.1.1), loopback only;
#   cluster: node 1 of the ejabberd cluster below (logins required); cluster_join adds node 2.
broker() {
	local ns=$1 addr=${2:-127.0.0.1} dir=$W/broker-$1 i
	mkdir -p "$dir"
	id mosquitto >/dev/null 2>&1 && chown mosquitto "$dir"
	if [ "$BROKER_CONF" = cluster ]; then
		cluster_node "$ns" 1 && return 0
		echo "bench: ejabberd node 1 in $ns did not start (see $W/ejabberd-1/console.log)" >&2
		return 1
	elif [ "$BROKER_CONF" = aedes ]; then
		ip netns exec "$ns" env NODE_PATH="$AEDES_MODS" node "$ROOT/tests/lib/aedes_broker.js" 1883 \
			> "$dir.log" 2>&1 &
	else
		{
			echo "per_listener_settings false"
			echo "allow_anonymous true"
			echo "listener 1883 $addr"
			if [ "$BROKER_CONF" = tuned ]; then
				grep -E '^(persistence|persistence_file|autosave_interval|autosave_on_changes|retain_available|max_packet_size|max_queued_messages|max_queued_bytes|max_inflight_messages|queue_qos0_messages|set_tcp_nodelay|log_type) ' \
					"$ROOT/broker-config/mosquitto.conf"
			else
				echo "persistence true"
			fi
			echo "persistence_location $dir/"
		} > "$dir.conf"
		[ -n "${BROKER_EXTRA:-}" ] && printf '%b\n' "$BROKER_EXTRA" >> "$dir.conf"  # developer knob
		ip netns exec "$ns" mosquitto -c "$dir.conf" > "$dir.log" 2>&1 &
	fi
	BROKER_PID=$!
	disown "$BROKER_PID"
	PIDS+=("$BROKER_PID")
	for i in $(seq 50); do
		ip netns exec "$ns" bash -c "exec 3<>/dev/tcp/$addr/1883" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "bench: broker in $ns did not start (see $dir.log)" >&2
	return 1
}

# The clustered broker of the fleet issue (tests/integration/broker_cluster.sh): ejabberd's
# mod_mqtt as two nodes joined through Erlang distribution, both in the set-up's namespace,
# node N serving MQTT on 10.96.0.N:1883. The controller (the measuring client) works on
# node 1, the agent on node 2: every update and status crosses the cluster. Node 1 starts
# alone and is seeded; node 2 joins after: an ejabberd node replays only the retained
# messages it holds an index of (those present at its start and those published on it), so
# that is how the agent's node gets the controller's retained state.
CLUSTER_PW=pw-$$-$RANDOM
cluster_node() {  # NS N
	local ns=$1 dir=$W/ejabberd-$2 i
	ip -n "$ns" addr add "10.96.0.$2/32" dev lo 2>/dev/null
	ejd_init "$dir" "ejabberd$2" "10.96.0.$2"
	ejd_ctl "$ns" "$dir" foreground >> "$dir/console.log" 2>&1 &
	PIDS+=("$!")
	disown "$!"
	[ "$2" = 2 ] || BROKER_PID=$!
	for i in $(seq 600); do
		ejd_ctl "$ns" "$dir" status >/dev/null 2>&1 && break
		sleep 0.1
	done
	[ "$2" = 2 ] || {
		ejd_ctl "$ns" "$dir" register ctl localhost "$CLUSTER_PW" >/dev/null &&
			ejd_ctl "$ns" "$dir" register agent localhost "$CLUSTER_PW" >/dev/null
	} || return 1
	for i in $(seq 300); do
		ip netns exec "$ns" bash -c "exec 3<>/dev/tcp/10.96.0.$2/1883" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
cluster_join() {  # NS: node 2 started and joined to node 1
	local ns=$1 i
	cluster_node "$ns" 2 || return 1
	for i in $(seq 60); do
		[ "$(ejd_ctl "$ns" "$W/ejabberd-1" list_cluster 2>/dev/null | grep -c '@10\.96\.0\.[12]')" = 2 ] &&
			return 0
		ejd_ctl "$ns" "$W/ejabberd-2" join_cluster ejabberd1@10.96.0.1 >/dev/null 2>&1
		sleep 1
	done
	echo "bench: ejabberd node 2 did not join node 1 (see $W/ejabberd-2/console.log)" >&2
	return 1
}

# agent_cmd NAME [VAR=value ...]: the agent's command line, its own data and Traefik dirs;
# AGENT_BROKER: the set-up's broker settings
agent_cmd() {
	local name=$1; shift
	mkdir -p "$A/$name/data" "$A/$name/dynamic"
	echo env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin NODE_ID="$name" DATA_DIR="$A/$name/data" \
		TRAEFIK_DYNAMIC_DIR="$A/$name/dynamic" LOG_LEVEL="${AGENT_LOG_LEVEL:-warn}" WG_IFACE=wg0 \
		${AGENT_BROKER:-} "$@" ${AGENT_WRAP:-} "$AGENT"
}

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }
# rss_parts PID PREFIX: anonymous and file-backed (shared libraries) parts of the RSS, the
# proportional set size (shared pages divided among their users) and the private pages
rss_parts() {
	awk -v p="$2" '/^RssAnon:/ { print p "_anon_kb=" $2 } /^RssFile:/ { print p "_file_kb=" $2 }' \
		"/proc/$1/status" 2>/dev/null
	awk -v p="$2" '/^Pss:/ { print p "_pss_kb=" $2 } /^Private_(Clean|Dirty):/ { priv += $2 }
		END { print p "_private_kb=" priv }' "/proc/$1/smaps_rollup" 2>/dev/null
}
stop_agent() { kill "$1" 2>/dev/null; for _ in $(seq 50); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done; kill -9 "$1" 2>/dev/null; }

# --- 1, 2, 4: cold converge, update latency, warm restart, memory ---
# converge_run N TAG KEEP: one cold start, written to $D/converge-TAG.kv; the agent's memory
# is read 4 s after the last status (the cache written, the heap trimmed). KEEP=1 leaves
# ns/broker/agent for what follows (CV_NS, CV_PID, CV_NAME).
converge_run() {
	local n=$1 tag=$2 keep=$3 ns name out pid extra=
	ns=$(ns_new "cv$tag") || return 1
	broker "$ns" || return 1
	name=cv$tag
	# shellcheck disable=SC2086
	ip netns exec "$ns" "$BENCH" seed $BENCH_CTL -n "$name" -f "$n" -r "$n" > /dev/null || return 1
	[ "$BROKER_CONF" != cluster ] || cluster_join "$ns" || return 1
	out=$D/converge-$tag.kv
	# the scale runs go past the default MAX_OBJECTS: section "limit" shows that one
	"$AGENT" --help 2>&1 | grep -q MAX_OBJECTS && extra=MAX_OBJECTS=$((2 * n + 1000))
	# shellcheck disable=SC2046,SC2086
	ip netns exec "$ns" "$BENCH" converge $BENCH_CTL -n "$name" -f "$n" -r "$n" -T 180 -t edge_agent \
		-d "$A/$name/dynamic" -- $(agent_cmd "$name" $extra) > "$out" 2>> "$W/$name.log"
	pid=$(sed -n 's/^agent_pid=//p' "$out")
	[ -n "$pid" ] && PIDS+=("$pid")
	echo "n=$n" >> "$out"
	sleep 4
	echo "settled_rss_kb=$(rss_kb "$pid")" >> "$out"
	rss_parts "$pid" settled >> "$out"
	if [ "$keep" = 1 ]; then
		CV_NS=$ns CV_PID=$pid CV_NAME=$name
		return 0
	fi
	stop_agent "$pid"
	kill "$BROKER_PID" 2>/dev/null
	ns_del "$ns"
	# The agent's files stay until the end (cleanup): on ext4 without a journal, as this
	# machine's root file system is, the inodes of 10,000 files deleted in the last one to
	# five minutes make every create scan past them (recently_deleted): the next run then
	# measured 2-3 s instead of 1.
}

section_converge() {
	local n rep reps
	for n in $CONVERGE_N; do
		reps=$CONVERGE_REPS
		[ "$n" -gt 10000 ] && reps=1
		for rep in $(seq "$reps"); do
			log "converge: $n forwards + $n routes, run $rep ($BROKER_CONF broker, $AGENT_FS)"
			converge_run "$n" "$n-$rep" 0
		done
	done
}

# updates_run PREFIX COUNT: single updates against the kept agent, raw data in $D/PREFIX*
updates_run() {
	local n=$UPDATE_N
	# the converge's files and cache on disk first: the kernel writes them back within 30 s,
	# and an update's fdatasync queued behind that writeback measures the disk's backlog
	sync -f "$A/$CV_NAME/data"
	log "updates: $2 single updates with $n + $n present ($BROKER_CONF broker, $AGENT_FS)"
	# shellcheck disable=SC2086
	ip netns exec "$CV_NS" "$BENCH" updates $BENCH_CTL -n "$CV_NAME" -f "$n" -r "$n" -c "$2" -T 10 \
		-t edge_agent -d "$A/$CV_NAME/dynamic" -D "$A/$CV_NAME/data" -G 10 -o "$D/$1.txt" \
		> "$D/$1.kv" 2>> "$W/updates.log"
}

# warm_run TAG: the kept agent stopped and started again, its cache present, the broker up
# and nothing changed: time to synced, and nftables events and file writes (Traefik
# directory, DATA_DIR but health.json) seen in all and after it reached the broker.
warm_run() {
	local out=$D/warm-$1.kv
	stop_agent "$CV_PID"
	sleep 0.5
	# shellcheck disable=SC2046,SC2086
	ip netns exec "$CV_NS" "$BENCH" converge ${BENCH_WARM:-$BENCH_CTL} -n "$CV_NAME" -f "$UPDATE_N" -r "$UPDATE_N" -T 60 \
		-t edge_agent -d "$A/$CV_NAME/dynamic" -D "$A/$CV_NAME/data" -W -- $(agent_cmd "$CV_NAME") \
		> "$out" 2>> "$W/warm.log"
	CV_PID=$(sed -n 's/^agent_pid=//p' "$out")
	PIDS+=("$CV_PID")
}

section_updates() {
	local n=$UPDATE_N out=$D/memory.kv
	log "updates: converging $n + $n first"
	converge_run "$n" "upd" 1 || return 1
	echo "rss_loaded_kb=$(rss_kb "$CV_PID")" >> "$out"
	rss_parts "$CV_PID" rss_loaded >> "$out"
	echo "n_loaded=$n" >> "$out"
	updates_run updates "$UPDATES"
	sleep 1
	echo "rss_after_updates_kb=$(rss_kb "$CV_PID")" >> "$out"
	echo "rss_hwm_kb=$(awk '/^VmHWM:/ { print $2 }' "/proc/$CV_PID/status")" >> "$out"
	log "warm restart: $n + $n cached, broker up, nothing changed"
	warm_run main
	stop_agent "$CV_PID"
	kill "$BROKER_PID" 2>/dev/null
	ns_del "$CV_NS"
}

# Beside the main figures: the same converge, updates and warm restart with another broker
# or file system (tuned: the project's broker settings on a fresh journaled ext4).
setup_skipped() {  # NAME REASON: logged, and said in the report
	log "setups: $1 skipped: $2"
	printf 'setup=%s\nskipped=%s\n' "$1" "$2" > "$D/setup-$1.kv"
}
section_setups() {
	local setup saved_a=$A saved_fs=$AGENT_FS saved_b=$BROKER_CONF
	for setup in $SETUPS; do
		case $setup in
		tuned) BROKER_CONF=tuned A=$TUNED_FS AGENT_FS=$TUNED_FS_NAME ;;
		aedes)
			BROKER_CONF=aedes
			AEDES_MODS=$ROOT/build/node_modules
			if [ ! -d "$AEDES_MODS/aedes" ] && ! (mkdir -p "$ROOT/build" && cd "$ROOT/build" &&
				timeout 180 npm install --no-audit --no-fund --silent aedes@0.51 >/dev/null 2>&1); then
				setup_skipped aedes "aedes could not be installed from npm"
				continue
			fi ;;
		cluster)
			if ! command -v ejabberdctl >/dev/null || ! command -v erl >/dev/null || ! id ejabberd >/dev/null 2>&1; then
				setup_skipped cluster "ejabberd is not installed (tests/install-deps.sh)"
				continue
			fi
			BROKER_CONF=cluster
			BENCH_CTL="-H 10.96.0.1 -u ctl@localhost -w $CLUSTER_PW"
			BENCH_WARM="-H 10.96.0.2 -u ctl@localhost -w $CLUSTER_PW"
			echo "$CLUSTER_PW" > "$W/agent.password"
			# SYNC_SWEEP=off: node 2's replay lacks what was published on node 1 since it
			# started (README, brokers), as tests/integration/broker_cluster.sh runs it
			AGENT_BROKER="MQTT_URL=mqtt://10.96.0.2:1883 MQTT_USERNAME=agent@localhost
				MQTT_PASSWORD_FILE=$W/agent.password SYNC_SWEEP=off" ;;
		*) log "setups: unknown set-up $setup"; continue ;;
		esac
		echo "setup=$setup" > "$D/setup-$setup.kv"
		if [ "$setup" = cluster ]; then
			echo "broker=ejabberd $(dpkg-query -W -f='${Version}' ejabberd 2>/dev/null) mod_mqtt, 2 nodes" >> "$D/setup-$setup.kv"
		else
			echo "broker=$BROKER_CONF" >> "$D/setup-$setup.kv"
		fi
		echo "fs=$AGENT_FS" >> "$D/setup-$setup.kv"
		if converge_run "$UPDATE_N" "$setup" 1; then
			updates_run "setup-$setup-updates" "$SETUP_UPDATES"
			warm_run "$setup"
			stop_agent "$CV_PID"
			kill "$BROKER_PID" 2>/dev/null
			ns_del "$CV_NS"
		fi
		A=$saved_a AGENT_FS=$saved_fs BROKER_CONF=$saved_b BENCH_CTL='' BENCH_WARM='' AGENT_BROKER=''
	done
}

section_idle() {
	local ns pid
	ns=$(ns_new idle) || return 1
	broker "$ns" || return 1
	# shellcheck disable=SC2046
	ip netns exec "$ns" "$BENCH" converge -n idle -T 30 -- $(agent_cmd idle) > "$D/idle.kv" 2>/dev/null
	pid=$(sed -n 's/^agent_pid=//p' "$D/idle.kv")
	PIDS+=("$pid")
	sleep 1
	echo "rss_idle_kb=$(rss_kb "$pid")" >> "$D/memory.kv"
	rss_parts "$pid" rss_idle >> "$D/memory.kv"
	# the largest resident mappings: which libraries the RSS is made of
	awk '/^[0-9a-f]+-[0-9a-f]+ / { n = $6 == "" ? "[anonymous]" : $6; sub(".*/", "", n) }
	     /^Rss:/ { r[n] += $2 } END { for (n in r) print r[n], n }' "/proc/$pid/smaps" |
		sort -rn | head -12 | awk '{ printf "%s%s:%s", (NR > 1 ? "," : "rss_idle_top="), $2, $1 } END { print "" }' \
		>> "$D/memory.kv"
	echo "shared_libs=$(awk '$6 ~ /\.so/ { print $6 }' "/proc/$pid/maps" | sort -u | wc -l)" >> "$D/memory.kv"
	stop_agent "$pid"
	ns_del "$ns"
}

# Past the limit: MAX_OBJECTS (when this build has it) set to LIMIT_N, 10% more objects
# published; the first error the agent reports for one it does not take is kept.
section_limit() {
	local ns pid sub n=${LIMIT_N:-1000} half
	if ! "$AGENT" --help 2>&1 | grep -q MAX_OBJECTS; then
		echo "limit=none" > "$D/limit.kv"
		return 0
	fi
	half=$((n / 2 + n / 20))
	ns=$(ns_new limit) || return 1
	broker "$ns" || return 1
	ip netns exec "$ns" "$BENCH" seed -n limit -f "$half" -r "$half" > /dev/null || return 1
	ip netns exec "$ns" timeout 30 mosquitto_sub -t edge/limit/errors -C 1 > "$W/limit-error.txt" 2>/dev/null &
	sub=$!
	sleep 0.3
	# shellcheck disable=SC2046
	ip netns exec "$ns" $(agent_cmd limit MAX_OBJECTS="$n") >> "$W/limit.log" 2>&1 &
	pid=$!
	PIDS+=("$pid")
	wait "$sub"
	{
		echo "limit=$n"
		echo "published=$((2 * half))"
		echo "error=$(head -c 600 "$W/limit-error.txt" | tr -d '\n')"
	} > "$D/limit.kv"
	stop_agent "$pid"
	kill "$BROKER_PID" 2>/dev/null
	ns_del "$ns"
}

# The earlier design: per forward, `iptables -C || iptables -A` for the DNAT rule and the
# FORWARD accept, each one process, run here in a fresh namespace.
section_baseline() {
	local n rep ns s e i p ip tp
	for n in $BASE_N; do
		{
			for ((i = 0; i < n; i++)); do
				p=$((20000 + i)) ip=10.60.$(((i / 250) % 250)).$((i % 250 + 1)) tp=$((8000 + i % 1000))
				echo "iptables -t nat -C PREROUTING -p tcp --dport $p -j DNAT --to-destination $ip:$tp 2>/dev/null ||" \
					"iptables -t nat -A PREROUTING -p tcp --dport $p -j DNAT --to-destination $ip:$tp"
				echo "iptables -C FORWARD -p tcp -d $ip --dport $tp -j ACCEPT 2>/dev/null ||" \
					"iptables -A FORWARD -p tcp -d $ip --dport $tp -j ACCEPT"
			done
		} > "$W/baseline-$n.sh"
		for rep in $(seq "$BASE_REPS"); do
			log "baseline: $n forwards, one iptables process per rule, run $rep"
			ns=$(ns_new "base$n") || return 1
			s=$(now)
			ip netns exec "$ns" bash "$W/baseline-$n.sh"
			e=$(now)
			{
				echo "n=$n"
				echo "t_ms=$(awk -v t="$(elapsed "$s" "$e")" 'BEGIN { printf "%.0f", t * 1000 }')"
				echo "rules=$(ip netns exec "$ns" iptables -t nat -S PREROUTING | grep -c DNAT)"
			} > "$D/baseline-$n-$rep.kv"
			ns_del "$ns"
		done
	done
}

# --- 3: data plane: client -> edge (DNAT) -> backend, the tested forward 1st or N-th ---
P0=10000   # public port of forward 0; forward i listens on P0 + i (up to 55,535 forwards)
plane_setup() {
	C=$(ns_new cli) && E=$(ns_new edge) && K=$(ns_new back) || return 1
	ip -n "$E" link add pub0 type veth peer name eth0 netns "$C"
	ip -n "$E" link add wg0 type veth peer name eth0 netns "$K"
	ip -n "$C" addr add 192.0.2.2/24 dev eth0
	ip -n "$E" addr add 192.0.2.1/24 dev pub0
	ip -n "$E" addr add 10.50.0.1/24 dev wg0
	ip -n "$K" addr add 10.50.0.2/24 dev eth0
	ip -n "$C" link set eth0 up; ip -n "$E" link set pub0 up
	ip -n "$E" link set wg0 up; ip -n "$K" link set eth0 up
	ip netns exec "$E" sysctl -qw net.ipv4.ip_forward=1
	ip netns exec "$K" "$PROBE" serve 10.50.0.2 8080 & PIDS+=($!); disown $!
	ip netns exec "$K" "$PROBE" serve 10.50.0.2 8081 & PIDS+=($!); disown $!
	sleep 0.3
}

# plane_measure DESIGN N: PLANE_REPS runs each for the 1st and the N-th forward, interleaved
plane_measure() {
	local rep pos port out
	for rep in $(seq "$PLANE_REPS"); do
		for pos in first last; do
			port=$P0
			if [ "$pos" = last ]; then
				[ "$2" -gt 1 ] || continue
				port=$(($P0 + $2 - 1))
			fi
			out=$D/plane-$1-$2-$pos-$rep.kv
			{ echo "design=$1"; echo "n=$2"; echo "pos=$pos"; } > "$out"
			ip netns exec "$C" "$PROBE" connect 192.0.2.1 "$port" "$PLANE_CONNECTS" 3 >> "$out" \
				2>> "$W/plane.log" || log "plane: $1 n=$2 $pos: connect failed"
		done
	done
}

# Elements i in [from, to) of the agent's map; the last one of each N goes to the backend.
plane_elems() {
	local from=$1 to=$2 i
	for ((i = from; i < to; i += 1000)); do
		awk -v a="$i" -v b="$to" -v P0="$P0" 'BEGIN {
			e = a + 1000 < b ? a + 1000 : b
			printf "add element inet edge_agent fwd_tcp { "
			for (j = a; j < e; j++)
				printf "%s%d : 10.51.%d.%d . 8080", (j > a ? ", " : ""), P0 + j, int(j / 256) % 256, j % 256
			print " }" }'
	done
}

section_plane() {
	local n have=1 ns_b name=plane pid
	plane_setup || return 1
	# the agent's own table, made by the agent: one forward, then the agent stops (rules stay)
	broker "$E" || return 1
	ip netns exec "$E" mosquitto_pub -q 1 -r -t "edge/$name/forwards/f0" \
		-m "{\"public_port\": $P0, \"target_ip\": \"10.50.0.2\", \"target_port\": 8080}"
	# shellcheck disable=SC2046
	ip netns exec "$E" "$BENCH" converge -n "$name" -f 1 -T 30 -- $(agent_cmd "$name") > "$D/plane-agent.kv" 2>/dev/null
	pid=$(sed -n 's/^agent_pid=//p' "$D/plane-agent.kv")
	stop_agent "$pid"
	kill "$BROKER_PID" 2>/dev/null
	# a throwaway run first: the first connects after set-up pay for ARP and cold caches
	ip netns exec "$C" "$PROBE" connect 192.0.2.1 $P0 "$PLANE_CONNECTS" > /dev/null 2>&1
	for n in $PLANE_N; do
		if [ "$n" -gt "$have" ]; then
			{
				plane_elems "$have" "$((n - 1))"
				echo "add element inet edge_agent fwd_tcp { $(($P0 + n - 1)) : 10.50.0.2 . 8081 }"
			} > "$W/elems.nft"
			ip netns exec "$E" nft -f "$W/elems.nft" || log "plane: nft -f failed at n=$n"
			have=$n
		fi
		log "data plane: agent map, $n forwards"
		plane_measure agent "$n"
	done
	ip netns exec "$E" nft delete table inet edge_agent
	for n in $PLANE_N; do
		awk -v n="$n" -v P0="$P0" 'BEGIN {
			print "*nat"; print ":PREROUTING ACCEPT [0:0]"; print ":POSTROUTING ACCEPT [0:0]"
			for (i = 0; i < n; i++) {
				ip = sprintf("10.51.%d.%d", int(i / 256) % 256, i % 256); tp = 8080
				if (i == 0) ip = "10.50.0.2"
				if (i == n - 1 && n > 1) { ip = "10.50.0.2"; tp = 8081 }
				printf "-A PREROUTING -p tcp -m tcp --dport %d -j DNAT --to-destination %s:%d\n", P0 + i, ip, tp
				fwd[i] = sprintf("-A FORWARD -d %s/32 -p tcp -m tcp --dport %d -j ACCEPT", ip, tp)
			}
			print "-A POSTROUTING -o wg0 -j MASQUERADE"; print "COMMIT"
			print "*filter"; print ":FORWARD ACCEPT [0:0]"
			for (i = 0; i < n; i++) if (!(fwd[i] in seen)) { seen[fwd[i]] = 1; print fwd[i] }
			print "COMMIT" }' > "$W/rules-$n.txt"
		ip netns exec "$E" iptables-restore "$W/rules-$n.txt" || log "plane: iptables-restore failed at n=$n"
		[ "$n" = "${PLANE_N%% *}" ] &&
			ip netns exec "$C" "$PROBE" connect 192.0.2.1 $P0 "$PLANE_CONNECTS" > /dev/null 2>&1
		log "data plane: iptables chain, $n forwards"
		plane_measure iptables "$n"
	done
	ns_del "$C"; ns_del "$E"; ns_del "$K"
}

# --- 8: every kind of forward against a userspace L4 proxy (HAProxy, mode tcp) ---
# Same client, edge and backend namespaces; each kind is one forward made by the agent,
# each HAProxy frontend carries the same traffic to the same servers. Connect latency and
# rate (tcp-probe connect), one stream's throughput (tcp-probe stream), and the CPU: the
# whole machine's busy time during the run (kernel forwarding is softirq time, no process)
# and the proxy process's own.
KP=11000   # the kinds' public ports; HAProxy listens on KP + 2000 + k
cpu_busy() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 }' /proc/stat; }
proc_cpu() { [ -n "$1" ] && awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
# kinds_run NAME PORT [PROXY_PID]: one kind's figures in kinds-NAME-REP.kv; every server
# behind a kind is a sink (reads to the end, then closes), for sessions and streams alike
kinds_run() {
	local name=$1 port=$2 ppid=$3 rep out b0 b1 p0 p1 hz
	hz=$(getconf CLK_TCK)
	for rep in $(seq "$KINDS_REPS"); do
		out=$D/kinds-$name-$rep.kv
		echo "kind=$name" > "$out"
		b0=$(cpu_busy); p0=$(proc_cpu "$ppid")
		ip netns exec "$C" "$PROBE" session 192.0.2.1 "$port" "$KINDS_CONNECTS" 5 >> "$out" \
			2>> "$W/kinds.log" || log "kinds: $name: connect failed"
		b1=$(cpu_busy); p1=$(proc_cpu "$ppid")
		echo "conn_cpu_s=$(awk -v a="$b0" -v b="$b1" -v hz="$hz" 'BEGIN { printf "%.2f", (b - a) / hz }')" >> "$out"
		echo "conn_proxy_cpu_s=$(awk -v a="$p0" -v b="$p1" -v hz="$hz" 'BEGIN { printf "%.2f", (b - a) / hz }')" >> "$out"
		b0=$(cpu_busy); p0=$(proc_cpu "$ppid")
		ip netns exec "$C" "$PROBE" stream 192.0.2.1 "$port" "$KINDS_STREAM_S" >> "$out" \
			2>> "$W/kinds.log" || log "kinds: $name: stream failed"
		b1=$(cpu_busy); p1=$(proc_cpu "$ppid")
		echo "stream_cpu_s=$(awk -v a="$b0" -v b="$b1" -v hz="$hz" 'BEGIN { printf "%.2f", (b - a) / hz }')" >> "$out"
		echo "stream_proxy_cpu_s=$(awk -v a="$p0" -v b="$p1" -v hz="$hz" 'BEGIN { printf "%.2f", (b - a) / hz }')" >> "$out"
	done
}
section_kinds() {
	local name=kinds pid i t64 allow hp
	plane_setup || return 1
	# 64 backend addresses, one server on all of them; a sink for the streams; the clients'
	# addresses routed back for preserve_source
	for i in $(seq 0 63); do ip -n "$K" addr add "10.50.0.$((100 + i))/24" dev eth0; done
	ip netns exec "$K" "$PROBE" sink 0.0.0.0 9000 & PIDS+=($!); disown $!
	ip -n "$K" route add 192.0.2.0/24 via 10.50.0.1
	t64=$(for i in $(seq 0 63); do printf '%s{"ip":"10.50.0.%d","port":9000}' "$([ "$i" = 0 ] || echo ,)" $((100 + i)); done)
	allow=$(for i in $(seq 1 999); do printf '"198.18.%d.%d",' $((i / 256)) $((i % 256)); done; echo '"192.0.2.2"')
	broker "$E" || return 1
	pubk() { ip netns exec "$E" mosquitto_pub -q 1 -r -t "edge/$name/forwards/$1" -m "$2"; }
	pubk plain "{\"public_port\": $KP, \"target_ip\": \"10.50.0.2\", \"target_port\": 9000}"
	pubk allow1000 "{\"public_port\": $((KP + 1)), \"target_ip\": \"10.50.0.2\", \"target_port\": 9000, \"allow_from\": [$allow]}"
	pubk targets64 "{\"public_port\": $((KP + 2)), \"targets\": [$t64]}"
	pubk affinity64 "{\"public_port\": $((KP + 3)), \"targets\": [$t64], \"affinity\": \"source\"}"
	pubk limits "{\"public_port\": $((KP + 4)), \"target_ip\": \"10.50.0.2\", \"target_port\": 9000, \"limit\": {\"connections_per_source\": 100000, \"new_per_source\": \"1000000/second\"}}"
	pubk range1000 "{\"public_port\": $((KP + 100)), \"public_port_end\": $((KP + 1099)), \"target_ip\": \"10.50.0.2\", \"target_port\": 8001}"
	pubk preserve "{\"public_port\": $((KP + 5)), \"target_ip\": \"10.50.0.2\", \"target_port\": 9000, \"preserve_source\": true}"
	# shellcheck disable=SC2046
	ip netns exec "$E" $(agent_cmd "$name" ALLOWED_TARGETS=10.50.0.0/16) >> "$W/kinds-agent.log" 2>&1 &
	pid=$!; PIDS+=("$pid"); disown "$pid"
	for i in $(seq 100); do
		[ "$(ip netns exec "$E" mosquitto_sub -t "edge/$name/status/forwards/+" --retained-only -W 1 2>/dev/null |
			grep -c '"applied"')" -ge 7 ] && break
		sleep 0.2
	done
	# the range's last port reaches the sink: target_port 8001 + 999 = 9000
	{
		echo "global"; echo "	maxconn 4000"
		echo "defaults"; echo "	mode tcp"; echo "	timeout connect 5s"; echo "	timeout client 30s"; echo "	timeout server 30s"
		echo "frontend plain"; echo "	bind 192.0.2.1:$((KP + 2000))"; echo "	default_backend one"
		echo "frontend allow1000"; echo "	bind 192.0.2.1:$((KP + 2001))"
		echo "	tcp-request connection reject if !{ src -f $W/allow.lst }"; echo "	default_backend one"
		echo "frontend targets64"; echo "	bind 192.0.2.1:$((KP + 2002))"; echo "	default_backend many"
		echo "backend one"; echo "	server s 10.50.0.2:9000"
		echo "backend many"; echo "	balance roundrobin"
		for i in $(seq 0 63); do echo "	server s$i 10.50.0.$((100 + i)):9000"; done
	} > "$W/haproxy.cfg"
	tr -d '"' <<<"$allow" | tr ',' '\n' > "$W/allow.lst"
	hp=
	if command -v haproxy >/dev/null; then
		ip netns exec "$E" haproxy -db -f "$W/haproxy.cfg" >> "$W/haproxy.log" 2>&1 &
		hp=$!; PIDS+=("$hp"); disown "$hp"
		sleep 0.5
	else
		log "kinds: haproxy missing (tests/install-deps.sh): its rows are not measured"
	fi
	ip netns exec "$C" "$PROBE" session 192.0.2.1 $KP "$KINDS_CONNECTS" > /dev/null 2>&1   # warm-up
	log "kinds: nft forwards (plain, allow 1000, 64 targets, affinity, limits, range, preserve)"
	kinds_run nft-plain "$KP" ""
	kinds_run nft-allow1000 "$((KP + 1))" ""
	kinds_run nft-targets64 "$((KP + 2))" ""
	kinds_run nft-affinity64 "$((KP + 3))" ""
	kinds_run nft-limits "$((KP + 4))" ""
	kinds_run nft-range1000 "$((KP + 1099))" ""
	kinds_run nft-preserve "$((KP + 5))" ""
	if [ -n "$hp" ]; then
		log "kinds: HAProxy mode tcp (plain, allow 1000, 64 servers)"
		kinds_run haproxy-plain "$((KP + 2000))" "$hp"
		kinds_run haproxy-allow1000 "$((KP + 2001))" "$hp"
		kinds_run haproxy-targets64 "$((KP + 2002))" "$hp"
		echo "v_haproxy=$(haproxy -v | awk 'NR == 1 { print $3 }')" >> "$D/machine.kv"
	fi
	stop_agent "$pid"
	[ -z "$hp" ] || kill "$hp" 2>/dev/null
	ns_del "$C"; ns_del "$E"; ns_del "$K"
}

# --- 5: fleet fan-out: K agents, each in its own namespace, on one broker ---
section_fanout() {
	local k hub i ns pids
	for k in $FANOUT_K; do
		log "fan-out: starting $k agents"
		hub=$(ns_new hub$k) || return 1
		ip -n "$hub" link add br0 type bridge
		# a fixed address: otherwise the bridge takes its lowest port's, which changes as
		# ports are added, and agents that resolved the broker earlier send into the void
		ip -n "$hub" link set br0 address 02:eb:00:00:00:01
		ip -n "$hub" addr add 10.201.0.1/16 dev br0
		ip -n "$hub" link set br0 up
		broker "$hub" 10.201.0.1 || return 1
		pids=()
		for ((i = 0; i < k; i++)); do
			ns=$(ns_new "f$k-$i") || return 1
			ip link add "ebh$i-$$" type veth peer name eth0 netns "$ns"
			ip link set "ebh$i-$$" netns "$hub"
			ip -n "$hub" link set "ebh$i-$$" master br0 up
			ip -n "$ns" addr add "10.201.$((1 + i / 250)).$((1 + i % 250))/16" dev eth0
			ip -n "$ns" link set eth0 up
			# shellcheck disable=SC2046
			ip netns exec "$ns" $(agent_cmd "n$i" EDGE_GROUPS=fleet MQTT_URL=mqtt://10.201.0.1:1883) \
				>> "$W/fanout-agents.log" 2>&1 &
			pids+=($!)
			disown $!
		done
		PIDS+=("${pids[@]}")
		ip netns exec "$hub" "$BENCH" wait-synced -H 10.201.0.1 -k "$k" -T 120 > "$D/fanout-$k-ready.kv" ||
			log "fan-out: not all $k agents synced"
		sleep 3  # past every agent's first cache save and node status
		log "fan-out: $k agents, $FANOUT_REPS publishes to the group"
		ip netns exec "$hub" "$BENCH" fanout -H 10.201.0.1 -g fleet -k "$k" -R "$FANOUT_REPS" -T 30 \
			-o "$D/fanout-$k.txt" > "$D/fanout-$k.kv" 2>> "$W/fanout.log"
		echo "rss_each_kb=$(rss_kb "${pids[0]}")" >> "$D/fanout-$k.kv"
		for i in "${pids[@]}"; do kill "$i" 2>/dev/null; done
		sleep 1
		for ((i = 0; i < k; i++)); do ns_del "eb-f$k-$i-$$"; done
		ns_del "$hub"
	done
}

# --- 6: Traefik files: the commit path itself, on the disk the agent would use ---
section_traefik() {
	local rep fs
	for rep in $(seq "$TRAEFIK_REPS"); do
		for fs in rootfs freshfs; do
			log "traefik: $TRAEFIK_N route files on $fs, run $rep"
			if [ $fs = freshfs ]; then dir=$TUNED_FS/traefik-$rep; else dir=$ROOTFS_DIR/traefik-$rep; fi
			{ echo "fs=$fs"; "$W/traefik-bench" "$dir" "$TRAEFIK_N"; } > "$D/traefik-$fs-$rep.kv" 2>> "$W/traefik.log"
		done
	done
}

# --- 7: the pure core's scaling (join parse, WireGuard diff), CPU time ---
section_core() {
	local rep
	for rep in $(seq "$CORE_REPS"); do
		log "core: join parse and wireguard diff, run $rep"
		"$W/core-bench" > "$D/core-$rep.kv" 2>> "$W/core.log" || return 1
	done
}

machine() {
	{
		echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
		echo "host_cpu=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)"
		echo "host_cores=$(nproc)"
		echo "host_mem=$(free -h | awk '/^Mem:/ { print $2 }')"
		echo "host_kernel=$(uname -r)"
		echo "host_os=$(. /etc/os-release; echo "$PRETTY_NAME")"
		dev=$(df "$W" | awk 'NR == 2 { print $1 }')
		echo "host_fs=$(df -T "$W" | awk 'NR == 2 { print $2 " on " $1 }')$(ls /proc/fs/jbd2 2>/dev/null |
			grep -q "^$(basename "$dev")-" || echo ', no journal')"
		echo "agent_fs=$AGENT_FS"
		echo "tuned_fs=$TUNED_FS_NAME"
		echo "broker_conf=$BROKER_CONF"
		echo "load_start=$(cut -d' ' -f1-3 /proc/loadavg)"
		echo "v_agent=$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)"
		echo "v_mosquitto=$(dpkg-query -W -f='${Version}' mosquitto 2>/dev/null)"
		echo "v_nftables=$(nft --version | awk '{ print $2 }')"
		echo "v_libnftables=$(dpkg-query -W -f='${Version}' libnftables1 2>/dev/null)"
		echo "v_iptables=$(iptables --version | awk '{ print $2, $3 }')"
		echo "v_gnuplot=$(gnuplot --version | awk '{ print $2 }')"
		echo "smoke=$SMOKE"
		echo "plane_reps=$PLANE_REPS"
		echo "plane_connects=$PLANE_CONNECTS"
		echo "kinds_connects=$KINDS_CONNECTS"
		echo "kinds_stream_s=$KINDS_STREAM_S"
	} > "$D/machine.kv"
}

T0=$(now)
machine
FAILED=()
for s in ${SECTIONS:-idle converge updates setups limit baseline plane kinds fanout traefik core}; do
	"section_$s" || { log "section $s failed"; FAILED+=("$s"); }
done
echo "load_end=$(cut -d' ' -f1-3 /proc/loadavg)" >> "$D/machine.kv"
echo "bench_s=$(elapsed "$T0" "$(now)")" >> "$D/machine.kv"
log "report"
/usr/bin/python3 "$ROOT/bench/report.py" "$D" "$OUT" || exit 1
[ ${#FAILED[@]} -eq 0 ] || { log "failed sections: ${FAILED[*]} (KEEP_TMP=1 keeps the logs)"; exit 1; }
