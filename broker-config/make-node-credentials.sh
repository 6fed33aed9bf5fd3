#!/usr/bin/env bash
# make-node-credentials.sh [-p PASSWD] [-a ACL] [-s SECRET] [-r] NODE [GROUP ...]
# make-node-credentials.sh -c [-p PASSWD] [-a ACL] [-s SECRET] [-r] USER
# make-node-credentials.sh -b [-p PASSWD] [-a ACL] [-s SECRET] [-r] USER HOST
# make-node-credentials.sh -d [-p PASSWD] [-a ACL] USER
#
# Creates or updates the broker account of edge node NODE (its username is its node id):
# its password-file entry, and its ACL block granting read access to each GROUP's routes
# and forwards (edge-agent.acl grants every node its own topics). With -c, USER is a
# controller-class account instead: desired state of every node and group, every status.
# With -b, USER is the account a regional broker's bridge uses at the central broker
# (bridge-regional.conf): it reads every desired object and confirmation, writes every
# status, error and metrics message, and its bridge state on edge/_bridges/HOST, HOST
# being the name the edges behind it use in MQTT_URL.
# Idempotent: the same arguments again leave the ACL file as it was and the password
# unchanged; other groups replace only this user's block. With -d, the account is removed
# from both files (revocation: after the reload its connections are closed).
#
#   -p PASSWD  mosquitto password file, created when missing [/etc/mosquitto/edge-agent.passwd]
#   -a ACL     ACL file in which this user's block is replaced (created from edge-agent.acl
#              when missing); without -a the block is printed on stdout
#   -s SECRET  the user's password for its client (the agent's MQTT_PASSWORD_FILE): read
#              when the file exists, else a new random one is written there, mode 0600
#              [./USER.password]. Move it to the client; never commit it.
#   -r         rotate: write a new random password to SECRET first
#
# mosquitto re-reads both files on SIGHUP (systemctl reload mosquitto).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
name_re='^[a-z0-9][a-z0-9_-]{0,62}$'
passwd=/etc/mosquitto/edge-agent.passwd
acl=
secret=
rotate=
delete=
kind=node

die() { echo "make-node-credentials: $*" >&2; exit 2; }
usage() { sed -n '2,4s/^# //p' "$0" >&2; exit 2; }

while getopts "p:a:s:rcbdh" opt; do
	case $opt in
	p) passwd=$OPTARG ;;
	a) acl=$OPTARG ;;
	s) secret=$OPTARG ;;
	r) rotate=1 ;;
	c) kind=controller ;;
	b) kind=bridge ;;
	d) delete=1 ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || usage
user=$1; shift
groups=("$@")
[ "$kind" = controller ] && [ ${#groups[@]} -gt 0 ] && die "a controller account takes no groups"
bridge_host=
if [ "$kind" = bridge ]; then
	[ ${#groups[@]} -eq 1 ] || die "a bridge account takes one HOST: the name its edges use in MQTT_URL"
	bridge_host=${groups[0]}
	groups=()
	[[ $bridge_host =~ ^[A-Za-z0-9]([A-Za-z0-9.:-]{0,251}[A-Za-z0-9])?$ ]] ||
		die "'$bridge_host' is not a host name or address (accepted: letters, digits, '.', '-', ':')"
fi
[ -n "$delete" ] && [ ${#groups[@]} -gt 0 ] && die "-d takes no groups"
for n in "$user" "${groups[@]}"; do
	[[ $n =~ $name_re ]] || die "'$n' is not a valid node or group id (accepted: [a-z0-9][a-z0-9_-]{0,62})"
done
for g in "${groups[@]}"; do
	[ "$g" != "$user" ] || die "node $user cannot be its own group"
done
command -v mosquitto_passwd >/dev/null || die "mosquitto_passwd not found (Debian: mosquitto)"
secret=${secret:-./$user.password}

block() {
	local g
	echo "# begin $kind $user"
	echo "user $user"
	if [ "$kind" = controller ]; then
		echo "topic readwrite edge/+/routes/#"
		echo "topic readwrite edge/+/forwards/#"
		echo "topic readwrite edge/+/wireguard"
		echo "topic write edge/+/confirm"
		echo "topic read edge/+/status"
		echo "topic read edge/+/status/#"
		echo "topic read edge/+/errors"
		echo "topic read \$SYS/#"
		echo "topic read edge/_bridges/#"
	fi
	if [ "$kind" = bridge ]; then
		echo "topic read edge/+/routes/#"
		echo "topic read edge/+/forwards/#"
		echo "topic read edge/+/wireguard"
		echo "topic read edge/+/confirm"
		echo "topic write edge/+/status"
		echo "topic write edge/+/status/#"
		echo "topic write edge/+/errors"
		echo "topic write edge/+/metrics"
		echo "topic write edge/_bridges/$bridge_host"
	fi
	for g in "${groups[@]}"; do
		echo "topic read edge/$g/routes/#"
		echo "topic read edge/$g/forwards/#"
	done
	echo "# end $kind $user"
}

# The ACL file with this account's block replaced by the file $1 (added at the end when
# new), or removed when $1 is empty. With kind "", blocks of any kind match.
acl_with() {
	awk -v k="$kind" -v u="$user" -v f="${1:-}" '
		function put(  l) { if (f != "") while ((getline l < f) > 0) print l; done = 1 }
		$1 == "#" && $2 == "begin" && (k == "" || $3 == k) && $4 == u { skip = 1; put() }
		!skip { print }
		$1 == "#" && $2 == "end" && (k == "" || $3 == k) && $4 == u { skip = 0 }
		END { if (!done) put() }' "$acl"
}

# Writes the ACL file from stdin, keeping its mode and owner; untouched when unchanged.
acl_write() {
	local tmp
	tmp=$(mktemp "$acl.XXXXXX")
	cat > "$tmp"
	chmod --reference="$acl" "$tmp"
	chown --reference="$acl" "$tmp" 2>/dev/null || true
	if cmp -s "$tmp" "$acl"; then rm -f "$tmp"; else mv "$tmp" "$acl"; fi
}

# Node ids, group ids and controller names share the topic level edge/<x>/: one name
# used twice would give one account another's topics (a node "eu" would read group eu).
check_names() {
	local others users g
	others=$(acl_with)
	users=$(awk '$1 == "#" && $2 == "begin" { print $4 }' <<<"$others")
	grep -qxF -- "$user" <<<"$users" && die "$user is already an account in $acl"
	grep -qxF -- "topic read edge/$user/routes/#" <<<"$others" && die "$user is already a group in $acl"
	for g in "${groups[@]}"; do
		grep -qxF -- "$g" <<<"$users" && die "group $g is already an account in $acl"
	done
	return 0
}

if [ -n "$delete" ]; then
	if [ -e "$passwd" ] && grep -q "^$user:" "$passwd"; then
		mosquitto_passwd -D "$passwd" "$user" || die "mosquitto_passwd could not remove $user"
	fi
	if [ -n "$acl" ] && [ -e "$acl" ]; then
		kind=
		acl_with | acl_write
	fi
	echo "$user: removed from $passwd${acl:+ and $acl}; reload the broker (SIGHUP) to close its connections" >&2
	exit 0
fi

if [ -n "$acl" ] && [ ! -e "$acl" ]; then
	(umask 022; cp "$here/edge-agent.acl" "$acl")
fi
[ -z "$acl" ] || check_names

if [ -n "$rotate" ] || [ ! -s "$secret" ]; then
	(umask 077; openssl rand -base64 33 | tr '+/' '-_' > "$secret.new") || die "cannot write $secret"
	mv "$secret.new" "$secret"
fi
pw=$(head -n 1 "$secret")
[ -n "$pw" ] || die "$secret: empty password"

if [ ! -e "$passwd" ]; then
	# hashes only, but the broker drops to the mosquitto user before reading it
	(umask 027; : > "$passwd") || die "cannot create $passwd"
	getent group mosquitto >/dev/null && chgrp mosquitto "$passwd"
fi
printf '%s\n%s\n' "$pw" "$pw" | mosquitto_passwd "$passwd" "$user" >/dev/null ||
	die "mosquitto_passwd could not update $user in $passwd"

if [ -z "$acl" ]; then
	block
else
	blk=$(mktemp)
	block > "$blk"
	acl_with "$blk" | acl_write
	rm -f "$blk"
fi
echo "$kind $user: password in $secret, entry in $passwd${acl:+, block in $acl}; reload the broker (SIGHUP)" >&2
