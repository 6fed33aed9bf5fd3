#!/bin/sh
# edge-agent-user.sh [TRAEFIK_DIR]: the system user the unit runs the agent as, the
# Traefik directory given to it (default /etc/traefik/dynamic), and /etc/edge-agent for its
# settings (root's, readable by the group edge-agent: put the MQTT password and CA files
# there mode 640 root:edge-agent; the env file may stay 600, systemd reads it). Idempotent;
# run as root by `make install` (without DESTDIR) and by the Debian package's postinst.
set -e
dir=${1:-/etc/traefik/dynamic}
getent group edge-agent >/dev/null || groupadd --system edge-agent
getent passwd edge-agent >/dev/null ||
	useradd --system --gid edge-agent --home-dir /var/lib/edge-agent --no-create-home \
		--shell /usr/sbin/nologin --comment "edge-agent (MQTT to nftables and Traefik)" edge-agent
install -d -o edge-agent -g edge-agent -m 0755 "$dir"
[ -d /etc/edge-agent ] || install -d -o root -g edge-agent -m 0750 /etc/edge-agent
