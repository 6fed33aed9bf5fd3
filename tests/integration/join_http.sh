#!/usr/bin/env bash
# Joining the mesh for real: join.c (through tests/unit/test_join_kernel's poll loop) against
# tests/controller/controller.py over HTTPS on the loopback of a namespace of its own.
# Idempotence across re-joins and a controller restart, peers, key rotation, every error
# text, the timeouts, a 9,999-peer answer, and the driver under valgrind and ASan.
source "$(dirname "$0")/../lib/lib.sh"
require_root join_http
cd "$ROOT"
B=${B:-build}
BIN=$B/tests/test_join_kernel
ASAN_BIN=${ASAN_BIN:-build-asan/tests/test_join_kernel}
CTL=tests/controller/controller.py
TOKEN=s3cret-token
PORT=8443
if [ ! -x "$BIN" ]; then skip join_http "$BIN is not built (make unit)"; exit 77; fi
if [ ! -x /usr/bin/python3 ]; then skip join_http "/usr/bin/python3 is missing"; exit 77; fi
NS=$(netns_new join) || { skip join_http "cannot create a network namespace"; exit 77; }

# HTTPS with a CA of our own when openssl can make one, plain HTTP otherwise.
TLS_ARGS=() CA_ARG=() URL=http://127.0.0.1:$PORT
if command -v openssl >/dev/null; then
	d=$T_TMP/pki
	mkdir -p "$d"
	if openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-subj /CN=edge-test-ca -keyout "$d/ca.key" -out "$d/ca.pem" 2>/dev/null &&
	   openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=127.0.0.1 \
		-keyout "$d/srv.key" -out "$d/srv.csr" 2>/dev/null &&
	   printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > "$d/ext" &&
	   openssl x509 -req -in "$d/srv.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial \
		-days 2 -extfile "$d/ext" -out "$d/srv.pem" 2>/dev/null; then
		TLS_ARGS=(--tls-cert "$d/srv.pem" --tls-key "$d/srv.key")
		CA_ARG=(ca="$d/ca.pem")
		URL=https://127.0.0.1:$PORT
	fi
fi
[ -n "${CA_ARG[*]}" ] || skip "join_http: TLS" "openssl could not make a test CA; testing over plain HTTP"

ctl_start() {  # extra controller flags...
	ip netns exec "$NS" /usr/bin/python3 "$CTL" --listen 127.0.0.1:$PORT --token "$TOKEN" \
		--state "$T_TMP/ctl-state.json" "${TLS_ARGS[@]}" "$@" >> "$T_TMP/ctl.log" 2>&1 &
	CTL_PID=$!
	T_PIDS+=("$CTL_PID")
	wait_for 5 port_open "$NS" $PORT
}
ctl_stop() { kill "$CTL_PID" 2>/dev/null; wait "$CTL_PID" 2>/dev/null; }

# drive NAME NODE [TOKEN] [key=value...]: one join; output in $T_TMP/NAME.out
drive() {
	local name=$1 node=$2 token=$TOKEN
	shift 2
	case "${1:-}" in *=*|'') ;; *) token=$1; shift ;; esac
	mkdir -p "$T_TMP/$node"
	ip netns exec "$NS" ${WRAP:-} "$BIN" join "$T_TMP/$node" "${JOIN_URL:-$URL}" "$token" "$node" \
		"${CA_ARG[@]}" "$@" > "$T_TMP/$name.out" 2> "$T_TMP/$name.err"
}
line() { grep "^$2" "$T_TMP/$1.out" | head -1; }
addr_of() { line "$1" OK | sed -n 's/.* address=\([^ ]*\) .*/\1/p'; }
key_of() { line "$1" KEY | cut -d' ' -f2; }
expect_line() {  # test-name run prefix expected-line
	local got
	got=$(line "$2" "$3")
	if [ "$got" = "$4" ]; then pass "$1"; else fail "$1" "got '$got', want '$4'"; fi
}
expect_match() {  # test-name run extended-regex (matched against the run's whole output)
	if grep -qE "$3" "$T_TMP/$2.out"; then pass "$1"; else fail "$1" "got '$(line "$2" ERR)'"; fi
}
clean() {  # run: no sanitizer or valgrind report in its stderr
	! grep -qE '==[0-9]+==|Sanitizer|runtime error' "$T_TMP/$1.err"
}
mode() { stat -c %a "$1" 2>/dev/null; }

ip netns exec "$NS" "$BIN" args || fail "join_start argument checks"
ctl_start || { fail "controller starts"; cat "$T_TMP/ctl.log"; t_done; }
pass "controller starts ($URL)"

# --- first node, files, interop with wireguard-tools
drive a1 node-a endpoint=192.0.2.1:51820 conf="$T_TMP/node-a/wireguard/wg-a.conf"
expect_line "first join: 10.50.0.2/24, no peers" a1 OK "OK address=10.50.0.2/24 listen_port=51820 mtu=1420 peers=0"
expect_line "join.json reloads equal" a1 CACHE "CACHE equal"
check "wg.key is 0600" [ "$(mode "$T_TMP/node-a/wg.key")" = 600 ]
check "join.json is 0600" [ "$(mode "$T_TMP/node-a/join.json")" = 600 ]
check "wg-quick file is 0600" [ "$(mode "$T_TMP/node-a/wireguard/wg-a.conf")" = 600 ]
check "join.json is canonical" [ "$(cat "$T_TMP/node-a/join.json")" = \
	'{"address":"10.50.0.2/24","listen_port":51820,"mtu":1420,"peers":[]}' ]
if command -v wg >/dev/null; then
	check "wg pubkey derives the same public key" \
		[ "$(wg pubkey < "$T_TMP/node-a/wg.key")" = "$(key_of a1)" ]
else
	skip "join_http: wg pubkey" "wireguard-tools is not installed"
fi
if command -v wg-quick >/dev/null; then
	check "wg-quick strip reads the file" \
		bash -c "wg-quick strip '$T_TMP/node-a/wireguard/wg-a.conf' | grep -q '^PrivateKey = $(head -c 44 "$T_TMP/node-a/wg.key")'"
else
	skip "join_http: wg-quick strip" "wireguard-tools is not installed"
fi

# --- idempotence
drive a2 node-a endpoint=192.0.2.1:51820
check "re-join: same address" [ "$(addr_of a2)" = 10.50.0.2/24 ]
check "re-join: same key" [ "$(key_of a2)" = "$(key_of a1)" ]

# --- second node sees the first, and the first sees the second
drive b1 node-b
expect_line "second node: 10.50.0.3/24 and one peer" b1 OK "OK address=10.50.0.3/24 listen_port=51820 mtu=1420 peers=1"
expect_line "second node sees the first with its endpoint" b1 PEER \
	"PEER $(key_of a1) endpoint=192.0.2.1:51820 keepalive=25 allowed=10.50.0.2/32"
drive a3 node-a endpoint=192.0.2.1:51820
expect_line "first node now sees the second" a3 PEER \
	"PEER $(key_of b1) endpoint=- keepalive=25 allowed=10.50.0.3/32"

# --- controller restart: allocations persist
ctl_stop
ctl_start || fail "controller restarts"
drive b2 node-b
drive a4 node-a endpoint=192.0.2.1:51820
check "after a controller restart: same addresses" \
	[ "$(addr_of a4) $(addr_of b2)" = "10.50.0.2/24 10.50.0.3/24" ]

# --- key rotation and a stolen key
rm "$T_TMP/node-a/wg.key"
drive a5 node-a endpoint=192.0.2.1:51820
check "new key for node-a: same address" \
	[ "$(addr_of a5)" = 10.50.0.2/24 -a "$(key_of a5)" != "$(key_of a1)" ]
drive b3 node-b
check "node-b sees node-a's new key" grep -q "^PEER $(key_of a5) " "$T_TMP/b3.out"
mkdir -p "$T_TMP/node-c"
cp "$T_TMP/node-a/wg.key" "$T_TMP/node-c/wg.key"
drive c1 node-c
expect_line "a key registered to another node: 409" c1 ERR \
	'ERR 17 join: controller answered 409 Conflict: "public_key is registered to node \"node-a\""'

# --- refusals and failures, with their exact texts
drive t1 node-a wrong-token
expect_line "wrong token: 401" t1 ERR 'ERR 13 join: controller answered 401 Unauthorized: "invalid join token"'
for m in 500 garbage 401; do
	ctl_stop
	ctl_start --fail-mode $m || fail "controller starts with --fail-mode $m"
	drive f$m node-a
done
expect_line "controller error: 500" f500 ERR \
	'ERR 11 join: controller answered 500 Internal Server Error: "internal error (fail-mode 500)"'
expect_line "garbage answer" fgarbage ERR \
	'ERR 74 join: controller sent an invalid response: wireguard: payload is not valid JSON: unexpected character at offset 0'
expect_line "fail-mode 401" f401 ERR \
	'ERR 13 join: controller answered 401 Unauthorized: "join token refused (fail-mode 401)"'

ctl_stop
ctl_start --fail-mode slow || fail "controller starts with --fail-mode slow"
drive s1 node-a timeout=1500
expect_match "slow controller: timeout error" s1 \
	"^ERR 110 join: POST $URL/join failed: Operation timed out after [0-9]+ milliseconds with 0 bytes received\$"
wakeups=$(line s1 LOOP | sed 's/^LOOP wakeups=//')
check "join_start leaves the request to the poll loop (${wakeups} wake-ups)" [ "$wakeups" -ge 1 ]
check "the poll loop sleeps while waiting (${wakeups} wake-ups)" [ "$wakeups" -lt 30 ]
drive s2 node-a
check "default total timeout: the join gives up (ETIMEDOUT)" [ "$(line s2 ERR | cut -d' ' -f2)" = 110 ]
ctl_stop

JOIN_URL=http://127.0.0.1:1 drive r1 node-a
expect_match "nothing listening: connection refused" r1 \
	"^ERR 111 join: POST http://127.0.0.1:1/join failed: Failed to connect to 127.0.0.1 port 1 after [0-9]+ ms: Couldn't connect to server\$"
if [ -n "${CA_ARG[*]}" ]; then
	ctl_start || fail "controller restarts"
	ca=("${CA_ARG[@]}")
	CA_ARG=()
	drive v1 node-a
	CA_ARG=("${ca[@]}")
	expect_match "TLS: an unknown CA is refused" v1 \
		"^ERR 71 join: POST $URL/join failed: SSL certificate problem: "
	ctl_stop
fi

# --- a big mesh: 9,999 registered nodes; one more joins and gets all of them
/usr/bin/python3 - "$T_TMP/big-state.json" <<'PY'
import base64, ipaddress, json, os, sys
net = ipaddress.ip_network("10.60.0.0/16")
hosts = net.hosts(); next(hosts)
nodes = {f"n{i}": {"address": str(next(hosts)), "endpoint": None,
                   "public_key": base64.b64encode(os.urandom(32)).decode()} for i in range(9999)}
json.dump({"pool": str(net), "nodes": nodes}, open(sys.argv[1], "w"))
PY
cp "$T_TMP/big-state.json" "$T_TMP/big-state2.json"
ip netns exec "$NS" /usr/bin/python3 "$CTL" --listen 127.0.0.1:8444 --token "$TOKEN" \
	--state "$T_TMP/big-state.json" --pool 10.60.0.0/16 --keepalive 0 "${TLS_ARGS[@]}" >> "$T_TMP/ctl.log" 2>&1 &
T_PIDS+=($!)
ip netns exec "$NS" /usr/bin/python3 "$CTL" --listen 127.0.0.1:8445 --token "$TOKEN" \
	--state "$T_TMP/big-state2.json" --pool 10.60.0.0/16 "${TLS_ARGS[@]}" >> "$T_TMP/ctl.log" 2>&1 &
T_PIDS+=($!)
wait_for 10 port_open "$NS" 8444 && wait_for 10 port_open "$NS" 8445
JOIN_URL=${URL%:*}:8444 drive big1 node-big
expect_line "9,999 peers in one answer" big1 OK "OK address=10.60.39.17/16 listen_port=51820 mtu=1420 peers=9999"
JOIN_URL=${URL%:*}:8445 drive big2 node-big2
expect_line "an answer over 1 MiB is refused" big2 ERR \
	"ERR 27 join: POST ${URL%:*}:8445/join: the response is over 1048576 bytes"

# --- memory: the driver under valgrind and ASan, on a success and on a refusal
ctl_start || fail "controller restarts"
if is_sanitized "$BIN"; then
	skip "join_http: valgrind" "$BIN is a sanitizer build (make SANITIZE=1)"
elif command -v valgrind >/dev/null; then
	vg="valgrind -q --error-exitcode=9 --leak-check=full --errors-for-leak-kinds=definite"
	WRAP=$vg drive vg1 node-a
	if [ "$(addr_of vg1)" = 10.50.0.2/24 ] && clean vg1; then pass "valgrind: a join is clean"
	else head -30 "$T_TMP/vg1.err"; fail "valgrind: a join is clean"; fi
	WRAP=$vg drive vg2 node-a wrong-token
	if grep -q '^ERR 13 ' "$T_TMP/vg2.out" && clean vg2; then pass "valgrind: a refused join is clean"
	else head -30 "$T_TMP/vg2.err"; fail "valgrind: a refused join is clean"; fi
else
	skip "join_http: valgrind" "valgrind is not installed"
fi
[ -x "$ASAN_BIN" ] || (cd "$ROOT" && make -s SANITIZE=1 B=build-asan "$ASAN_BIN" >/dev/null 2>&1)
if [ -x "$ASAN_BIN" ]; then
	export ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
	BIN=$ASAN_BIN drive as1 node-a
	BIN=$ASAN_BIN drive as2 node-a wrong-token
	if [ "$(addr_of as1)" = 10.50.0.2/24 ] && grep -q '^ERR 13 ' "$T_TMP/as2.out" && clean as1 && clean as2; then
		pass "ASan/UBSan: a join and a refusal are clean"
	else
		head -30 "$T_TMP/as1.err" "$T_TMP/as2.err"; fail "ASan/UBSan: a join and a refusal are clean"
	fi
else
	skip "join_http: ASan" "$ASAN_BIN is not built (make SANITIZE=1 B=build-asan unit)"
fi
t_done
