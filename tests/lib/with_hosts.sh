#!/bin/sh
# with_hosts.sh HOSTS COMMAND...: runs COMMAND with HOSTS bind-mounted over /etc/hosts.
# Call it inside a private mount namespace (unshare -m), so nothing outside sees the mount.
hosts=$1; shift
mount --bind "$hosts" /etc/hosts || exit 1
exec "$@"
