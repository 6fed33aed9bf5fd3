# ejabberd (Debian's package) as an MQTT broker for tests: one node per network namespace,
# joined into one cluster through Erlang distribution. Source after lib.sh.
# Each node has its own directory (config, ejabberdctl.cfg, mnesia spool, logs) owned by
# the ejabberd user, as ejabberdctl runs the node as that user; all share one cookie.

EJD_COOKIE="edge-test-$$-$RANDOM"

# ejd_init DIR NAME IP: config for node NAME@IP listening for MQTT on IP:1883 (logins
# required, every topic allowed, every matching retained message replayed: by default a
# node returns at most 1,000 to a subscription). Nodes sharing a namespace share its epmd,
# which keys nodes by NAME: give each its own.
ejd_init() {
	local dir=$1 name=$2 ip=$3
	mkdir -p "$dir/spool" "$dir/logs"
	cat > "$dir/ejabberd.yml" <<-YML
	hosts: [localhost]
	loglevel: info
	log_rotate_count: 0
	listen:
	  - port: 1883
	    ip: "$ip"
	    module: mod_mqtt
	    backlog: 1000
	modules:
	  mod_mqtt:
	    match_retained_limit: infinity
	    max_queue: 100000
	    access_publish:
	      "#": [{allow: all}]
	    access_subscribe:
	      "#": [{allow: all}]
	YML
	cat > "$dir/ejabberdctl.cfg" <<-CFG
	ERLANG_NODE=$name@$ip
	INET_DIST_INTERFACE=$ip
	ERL_OPTIONS="-setcookie $EJD_COOKIE -env ERL_CRASH_DUMP_BYTES 0"
	EJABBERD_PID_PATH=$dir/ejabberd.pid
	CFG
	chown -R ejabberd:ejabberd "$dir"
}

# ejd_ctl NS DIR ARGS...: ejabberdctl for the node of DIR, run in NS
ejd_ctl() {
	local ns=$1 dir=$2; shift 2
	ip netns exec "$ns" ejabberdctl --config "$dir/ejabberd.yml" --ctl-config "$dir/ejabberdctl.cfg" \
		--spool "$dir/spool" --logs "$dir/logs" "$@"
}

# ejd_start NS DIR: starts the node in NS (foreground, in the background); sets EJD_PID
ejd_start() {
	local ns=$1 dir=$2
	ejd_ctl "$ns" "$dir" foreground >> "$dir/console.log" 2>&1 &
	EJD_PID=$!
	T_PIDS+=("$EJD_PID")
	wait_for 60 ejd_ctl_ok "$ns" "$dir" status
}
ejd_ctl_ok() { ejd_ctl "$@" >/dev/null 2>&1; }

# ejd_kill DIR: kills the node's Erlang VM outright (kill -9, no clean stop): the
# ejabberd-owned process whose command line names the node's own spool directory
ejd_kill() {
	local p
	for p in $(pgrep -u ejabberd); do
		{ tr '\0' ' ' < "/proc/$p/cmdline"; } 2>/dev/null | grep -qF -- "$1/spool" && kill -9 "$p"
	done
	return 0
}
