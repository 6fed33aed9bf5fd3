#!/usr/bin/env bash
# Deployment files without a Docker engine: compose.yaml through `docker-compose config`
# and what it must name, the Dockerfile's inputs, the systemd unit through
# `systemd-analyze`, `make install`/`uninstall` into a temporary DESTDIR, the env example
# through the agent's own parser, and the healthcheck command against a running agent.
source "$(dirname "$0")/../lib/lib.sh"
cd "$ROOT"
py() { /usr/bin/python3 -c "$@"; }
W=$T_TMP/deploy
mkdir -p "$W"
grep -v '^#' deploy/edge-agent.env.example | grep . > "$W/env"

# --- compose ------------------------------------------------------------------------
if ! command -v docker-compose >/dev/null; then
	skip "compose config" "docker-compose not installed (tests/install-deps.sh installs it)"
elif ! EDGE_AGENT_ENV=$W/env docker-compose -f compose.yaml --profile broker config \
		> "$W/compose.yaml" 2> "$W/compose.err"; then
	fail "compose config" "$(cat "$W/compose.err")"
else
	pass "compose config: docker-compose accepts compose.yaml"
	check "compose: what it must name" py '
import sys, yaml
c = yaml.safe_load(open(sys.argv[1]))
s = c["services"]
assert set(s) == {"traefik", "edge-agent", "mosquitto"}, set(s)
t, a, m = s["traefik"], s["edge-agent"], s["mosquitto"]
for name, svc in s.items():
    assert svc["network_mode"] == "host", name
    assert svc["restart"] == "unless-stopped", name
    assert svc["healthcheck"]["test"][0] == "CMD", name

assert t["image"].startswith("traefik:v3"), t["image"]
cmd = t["command"]
for flag in ("--providers.file.directory=/etc/traefik/dynamic", "--providers.file.watch=true",
             "--entrypoints.web.address=:80", "--entrypoints.websecure.address=:443",
             "--certificatesresolvers.le.acme.storage=/acme/acme.json"):
    assert flag in cmd, flag
def mount(svc, target):
    for v in svc["volumes"]:
        if isinstance(v, dict) and v["target"] == target:
            return v
        if isinstance(v, str) and v.split(":")[1] == target:
            return {"type": "volume" if not v.startswith("/") else "bind", "source": v.split(":")[0],
                    "read_only": v.endswith(":ro")}
    raise AssertionError("no mount at " + target)
td, ad = mount(t, "/etc/traefik/dynamic"), mount(a, "/etc/traefik/dynamic")
assert td["type"] == ad["type"] == "bind" and td["source"] == ad["source"], (td, ad)
assert td.get("read_only") and not ad.get("read_only"), (td, ad)
assert not td["source"].endswith(".yml"), "the dynamic mount must be a directory"
assert mount(t, "/acme")["source"] == "acme"

assert a["build"]["dockerfile"] == "deploy/Dockerfile" and a["build"]["target"] == "runtime", a["build"]
assert a["cap_add"] == ["NET_ADMIN"] and a["cap_drop"] == ["ALL"], (a["cap_add"], a["cap_drop"])
assert "/dev/net/tun:/dev/net/tun" in a["devices"], a["devices"]
assert a["read_only"] is True and "/run:uid=201,gid=201,mode=0755" in a["tmpfs"], a
# the image user gets CAP_NET_ADMIN from a file capability, which no-new-privileges voids
assert "no-new-privileges:true" not in a.get("security_opt", []), a
assert mount(a, "/data")["source"] == "agent-data"
assert mount(a, "/etc/edge-agent")["read_only"], "secrets read-only"
e = a["environment"]
assert e["DATA_DIR"] == "/data" and e["TRAEFIK_DYNAMIC_DIR"] == "/etc/traefik/dynamic", e
assert e["NODE_ID"] == "gw1", "env_file values must reach the container"
assert a["healthcheck"]["test"] == ["CMD", "edge-agent", "health"], a["healthcheck"]
assert a["stop_signal"] == "SIGTERM"

assert m["profiles"] == ["broker"], m.get("profiles")
assert m["build"]["target"] == "broker"
conf = "/usr/share/edge-agent/mosquitto.conf"
assert m["command"] == ["mosquitto", "-c", conf], m["command"]
assert mount(m, conf)["source"].endswith("/broker-config/mosquitto.conf"), "runs the tracked file"
assert mount(m, "/var/lib/mosquitto")["source"] == "broker-data"
etc = mount(m, "/etc/mosquitto")
assert etc["type"] == "bind" and etc.get("read_only"), etc
targets = [v["target"] if isinstance(v, dict) else v.split(":")[1] for v in m["volumes"]]
for line in open(sys.argv[2]):
    key, _, val = line.strip().partition(" ")
    if key in ("password_file", "acl_file", "certfile", "keyfile", "cafile", "capath",
               "persistence_location", "include_dir"):
        assert any(val.startswith(t.rstrip("/") + "/") for t in targets), (key, val, targets)
assert set(c["volumes"]) == {"agent-data", "acme", "broker-data"}
' "$W/compose.yaml" broker-config/mosquitto.conf
	check "compose: the broker only with --profile broker" py '
import sys, yaml
s = yaml.safe_load(open(sys.argv[1]))["services"]
assert s["mosquitto"]["profiles"] == ["broker"]
assert "profiles" not in s["traefik"] and "profiles" not in s["edge-agent"]' "$W/compose.yaml"
	EDGE_AGENT_ENV=$W/missing docker-compose -f compose.yaml config > /dev/null 2> "$W/err"
	check "compose: a missing env file is an error naming it" grep -q "$W/missing" "$W/err"
fi

# --- Dockerfile (no engine here: check what it builds from) -------------------------
check "Dockerfile: every stage on debian:12-slim" \
	test -z "$(grep '^FROM' deploy/Dockerfile | grep -vE '^FROM (debian:12-slim AS [a-z]+|runtime)$')"
check "Dockerfile: stages build, runtime, broker" \
	bash -c "for s in build runtime broker; do grep -qE \"^FROM debian:12-slim AS \$s\$\" deploy/Dockerfile || exit 1; done"
check "Dockerfile: packages through tests/install-deps.sh groups" \
	bash -c "grep -c 'bash /tmp/install-deps.sh \(build\|runtime\|broker\)' deploy/Dockerfile | grep -qx 3"
check "Dockerfile: the agent runs as edge-agent with a file capability, no setuid left" bash -c \
	"grep -qx 'USER edge-agent' deploy/Dockerfile && grep -q 'setcap cap_net_admin=p /usr/local/bin/edge-agent' deploy/Dockerfile && grep -q 'perm /6000 -exec chmod a-s' deploy/Dockerfile"
check "Dockerfile: every COPY source exists" bash -c '
for src in $(awk "/^COPY/ && !/--from/ {for (i = 2; i < NF; i++) print \$i}" deploy/Dockerfile); do
	[ -e "$src" ] || { echo "missing $src"; exit 1; }
done'
check "Dockerfile: the context keeps what it copies" bash -c '
for src in Makefile agent/ edgectl/ deploy/ broker-config/ tests/install-deps.sh; do
	grep -qxF "!$src" deploy/Dockerfile.dockerignore || { echo "ignored: $src"; exit 1; }
done'
check "Dockerfile: healthcheck is edge-agent health" grep -q 'CMD \["edge-agent", "health"\]' deploy/Dockerfile
check "install-deps: unknown group refused" bash -c "! bash tests/install-deps.sh nosuchgroup 2>/dev/null"
if apt-cache show libmosquitto1 >/dev/null 2>&1; then
	pkgs=$(sed -n '/^declare -A groups/,/^)/{/^declare/d;p}' tests/install-deps.sh | tr -d '"' |
		sed 's/.*]=//; s/^)//' | tr ' \t' '\n\n' | grep -E '^[a-z0-9.+-]+$')
	policy=$(apt-cache policy $pkgs 2>/dev/null)
	missing=$(for p in $pkgs; do
		awk -v p="$p:" '$0 == p {f = 1; next} f && /Candidate:/ {print $2; exit}' <<<"$policy" |
			grep -qv '(none)' || echo "$p"
	done)
	check "install-deps: every group package exists in Debian${missing:+ (not: $missing)}" test -z "$missing"
else
	skip "install-deps groups" "apt-cache has no package lists (apt-get update)"
fi

# the runtime stage gets no compiler: every library the binaries link is in "runtime"
runtime=" $(sed -n '/^\t\[runtime\]=/,/"$/p' tests/install-deps.sh | tr -d '"' | sed 's/.*]=//' | tr -s ' \t\n' ' ') "
if objdump -p "$AGENT" 2>/dev/null | grep -q 'NEEDED.*lib[at]san'; then
	skip "install-deps runtime group" "the binaries are a sanitizer build (make SANITIZE=1): its runtime is not for the release image"
elif command -v objdump >/dev/null && [ -x "$AGENT" ] && [ -x "${EDGECTL:-build/edgectl}" ]; then
	unlisted=$(for b in "$AGENT" "${EDGECTL:-build/edgectl}"; do objdump -p "$b" | awk '/NEEDED/ {print $2}'; done |
		sort -u | while read -r lib; do
			path=$(ldconfig -p | awk -v l="$lib" '$1 == l && /x86-64/ {print $NF; exit}')
			pkg=$( (dpkg -S "$path" || dpkg -S "$(readlink -f "$path")") 2>/dev/null | head -1 | cut -d: -f1)
			case "$pkg" in libc6) ;; *) [[ "$runtime" == *" $pkg "* ]] || echo "$lib (${pkg:-no package})" ;; esac
		done)
	check "install-deps runtime group: every linked library${unlisted:+ (missing: $unlisted)}" test -z "$unlisted"
else
	skip "runtime libraries" "objdump or the built binaries missing"
fi

# --- make install / uninstall -------------------------------------------------------
D=$W/dest
if make -s install DESTDIR="$D" PREFIX=/usr > "$W/install.log" 2>&1; then
	pass "make install DESTDIR PREFIX=/usr"
	(cd "$D" && find . -type f | sort) > "$W/files"
	check "install: both binaries, executable" test -x "$D/usr/bin/edge-agent" -a -x "$D/usr/bin/edgectl"
	check "install: unit, ExecStart follows BINDIR" \
		grep -qx 'ExecStart=/usr/bin/edge-agent' "$D/usr/lib/systemd/system/edge-agent.service"
	check "install: unit documentation follows SHAREDIR" \
		grep -q 'file:///usr/share/edge-agent/README.md' "$D/usr/lib/systemd/system/edge-agent.service"
	check "install: sysctl for ip_forward" grep -qx 'net.ipv4.ip_forward = 1' "$D/usr/lib/sysctl.d/50-edge-agent.conf"
	check "install: env example and broker config" \
		test -f "$D/usr/share/edge-agent/edge-agent.env.example" -a -f "$D/usr/share/edge-agent/broker-config/mosquitto.conf"
	check "install: nothing in /etc, nothing outside PREFIX" bash -c "! grep -v '^\./usr/' $W/files"
	check "install: installed binaries run" bash -c "$D/usr/bin/edgectl --version | grep -q '^edgectl ' && NODE_ID=x $D/usr/bin/edge-agent --help | grep -q NODE_ID"
	make -s uninstall DESTDIR="$D" PREFIX=/usr > /dev/null 2>&1
	check "make uninstall removes every installed file" test -z "$(find "$D" -type f)"
else
	fail "make install DESTDIR PREFIX=/usr" "$(tail -5 "$W/install.log")"
fi

# --- the systemd unit ---------------------------------------------------------------
U=deploy/edge-agent.service
check "unit: CAP_NET_ADMIN only" grep -qx 'CapabilityBoundingSet=CAP_NET_ADMIN' $U
check "unit: no CAP_NET_RAW anywhere" bash -c "! grep -v '^#' $U | grep -q NET_RAW"
for line in 'User=edge-agent' 'AmbientCapabilities=CAP_NET_ADMIN' 'Environment=WG_CONF=/var/lib/edge-agent/wireguard.conf' \
	'ProtectSystem=strict' 'ReadWritePaths=/etc/traefik/dynamic' \
	'RuntimeDirectory=wireguard' 'StateDirectory=edge-agent' 'Restart=on-failure' \
	'EnvironmentFile=/etc/edge-agent/edge-agent.env' 'DeviceAllow=/dev/net/tun rw' 'NoNewPrivileges=yes' \
	'KillMode=process'; do
	check "unit: $line" grep -qxF "$line" $U
done
if ! command -v systemd-analyze >/dev/null; then
	skip "systemd-analyze verify" "systemd-analyze not installed (package systemd)"
else
	P=$W/prefix
	if make -s install PREFIX="$P" > "$W/install2.log" 2>&1; then
		# ExecStart must exist for verify: install into a real temporary PREFIX
		if systemd-analyze verify "$P/lib/systemd/system/edge-agent.service" > "$W/verify" 2>&1; then
			check "systemd-analyze verify: no warnings" test ! -s "$W/verify"
		else
			fail "systemd-analyze verify" "$(cat "$W/verify")"
		fi
		if systemd-analyze security --offline=true "$P/lib/systemd/system/edge-agent.service" \
			> "$W/security" 2>&1; then
			level=$(grep -o 'exposure level for edge-agent.service: [0-9.]*' "$W/security" | grep -o '[0-9.]*$')
			check "systemd-analyze security: exposure $level <= 3.0" \
				py 'import sys; sys.exit(0 if float(sys.argv[1]) <= 3.0 else 1)' "${level:-99}"
		else
			skip "systemd-analyze security" "--offline not supported: $(head -1 "$W/security")"
		fi
	else
		fail "make install PREFIX=tmp" "$(tail -5 "$W/install2.log")"
	fi
fi

# --- the env example parses with the agent's own parser ------------------------------
if [ -x "$AGENT" ]; then
	env -i PATH="$PATH" $(cat "$W/env") "$AGENT" --help > /dev/null 2> "$W/err"
	check "env example: accepted by edge-agent's configuration" test $? -eq 0 -a ! -s "$W/err"
fi

# --- the healthcheck command, against a running agent --------------------------------
if [ "$(id -u)" -ne 0 ] || [ ! -x "$AGENT" ]; then
	skip "edge-agent health" "needs root (namespaces) and build/edge-agent"
else
	NS=$(netns_new dep)
	broker_start "$NS"
	agent_start "$NS" gw1
	health() { ip netns exec "$NS" env DATA_DIR="$T_TMP/gw1/data" "$AGENT" health > "$W/health" 2>&1; }
	healthy() { health; }
	degraded() { health; [ $? -eq 1 ]; }
	check "health: 0 once connected and synced" wait_for 10 healthy
	kill "$BROKER_PID"; wait "$BROKER_PID" 2>/dev/null
	check "health: 1 (degraded) with the broker gone" wait_for 40 degraded
	kill "$AGENT_PID"; wait "$AGENT_PID" 2>/dev/null
	health; rc=$?
	check "health: 2 once the agent stopped" test "$rc" -eq 2
fi

t_done
