# The production broker for tests: broker-config/mosquitto.conf with only its file paths
# rewritten into a test directory, a test CA from make-test-ca.sh and accounts from
# make-node-credentials.sh. Source after lib.sh (prod_broker_init and prod_account need
# only ROOT: a test that runs the broker outside a namespace can use just those two).

PB_CONF=$ROOT/broker-config/mosquitto.conf

# prod_broker_init DIR NAME|IP...: CA and broker certificate for the names and the config,
# in DIR; the first prod_account creates the password and ACL files there, as in production.
# Sets PB_DIR and PB_CHANGED (how many config lines differ from the production file: the 5
# paths, plus the 2 listeners when PB_PORTS="PLAIN TLS" asks for other ports, both then on
# 127.0.0.1: for a broker outside a namespace).
prod_broker_init() {
	PB_DIR=$1; shift
	local ports=(${PB_PORTS:-1883 8883})
	mkdir -p "$PB_DIR/db" || return 1
	bash "$ROOT/broker-config/make-test-ca.sh" "$PB_DIR/ca" "$@" >/dev/null || return 1
	sed -e "s|^listener 1883 127\.0\.0\.1\$|listener ${ports[0]} 127.0.0.1|" \
	    -e "${PB_PORTS:+s|^listener 8883\$|listener ${ports[1]} 127.0.0.1|}" \
	    -e "s|^password_file .*|password_file $PB_DIR/passwd|" \
	    -e "s|^acl_file .*|acl_file $PB_DIR/acl|" \
	    -e "s|^certfile .*|certfile $PB_DIR/ca/broker.crt|" \
	    -e "s|^keyfile .*|keyfile $PB_DIR/ca/broker.key|" \
	    -e "s|^persistence_location .*|persistence_location $PB_DIR/db/|" \
	    "$PB_CONF" > "$PB_DIR/mosquitto.conf"
	PB_CHANGED=$(diff "$PB_CONF" "$PB_DIR/mosquitto.conf" | grep -c '^>')
	# mosquitto started as root drops to the mosquitto user before it reads the key
	if [ "$(id -u)" -eq 0 ] && id mosquitto >/dev/null 2>&1; then
		chown mosquitto "$PB_DIR/db"
		chgrp mosquitto "$PB_DIR/ca/broker.key" && chmod 640 "$PB_DIR/ca/broker.key"
	fi
}

# prod_account [-c|-b] USER [GROUP...|HOST]: a node account (-c: controller-class, -b: a
# regional broker's bridge, for HOST); the password
# is in $PB_DIR/USER.password.
prod_account() {
	local user=$1
	case $user in -c|-b) user=$2 ;; esac
	bash "$ROOT/broker-config/make-node-credentials.sh" -p "$PB_DIR/passwd" -a "$PB_DIR/acl" \
		-s "$PB_DIR/$user.password" "$@" 2>>"$PB_DIR/accounts.log" >/dev/null
}

# prod_broker_start NS: runs the broker in NS (listeners 127.0.0.1:1883 and *:8883);
# sets PB_NS and BROKER_PID. prod_broker_reload: SIGHUP (accounts and ACLs re-read).
prod_broker_start() {
	PB_NS=$1
	ip netns exec "$PB_NS" mosquitto -c "$PB_DIR/mosquitto.conf" >> "$PB_DIR/broker.log" 2>&1 &
	BROKER_PID=$!
	T_PIDS+=("$BROKER_PID")
	wait_for 5 port_open "$PB_NS" 8883 && wait_for 5 port_open "$PB_NS" 1883
}
prod_broker_reload() { kill -HUP "$BROKER_PID"; sleep 0.3; }

# mq USER TOOL ARG...: mosquitto_pub/mosquitto_sub in the broker's namespace as USER, over
# TLS to 127.0.0.1:8883 with the test CA. USER "-" connects without credentials.
mq() {
	local user=$1 tool=$2; shift 2
	local cred=()
	[ "$user" = - ] || cred=(-u "$user" -P "$(cat "$PB_DIR/$user.password")")
	ip netns exec "$PB_NS" "$tool" -h 127.0.0.1 -p 8883 --cafile "$PB_DIR/ca/ca.crt" "${cred[@]}" "$@"
}

# hosts_wrapper NAME IP: prints an AGENT_WRAPPER that runs the agent with NAME resolving
# to IP (its own /etc/hosts, bind-mounted in a private mount namespace).
hosts_wrapper() {
	local f=$T_TMP/hosts-$1-$2
	printf '127.0.0.1 localhost\n%s %s\n' "$2" "$1" > "$f"
	echo "unshare -m --propagation private $ROOT/tests/lib/with_hosts.sh $f"
}
