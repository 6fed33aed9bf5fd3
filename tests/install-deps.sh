#!/usr/bin/env bash
# Installs every Debian package the build, the demo and the tests need.
# Idempotent: does nothing when all are present.
# install-deps.sh GROUP...: only those groups (build, runtime, broker), for deploy/Dockerfile.
# install-deps.sh --list GROUP...: prints those groups' packages and installs nothing.
set -euo pipefail
pkgs=(build-essential pkg-config make gcc
      libmosquitto-dev libnftables-dev libmnl-dev libjson-c-dev libyaml-dev
      libcurl4-openssl-dev libssl-dev
      mosquitto mosquitto-clients nftables iproute2 iptables util-linux libcap2-bin
      wireguard-go wireguard-tools
      qemu-system-x86 busybox-static kmod linux-image-amd64 cpio
      python3 python3-jsonschema python3-yaml gnuplot-nox
      socat haproxy curl procps inotify-tools valgrind clang libclang-rt-14-dev openssl iputils-ping
      docker-compose docker.io debootstrap prometheus lintian ejabberd erlang-base)
declare -A groups=(
	[build]="build-essential pkg-config make gcc libmosquitto-dev libnftables-dev libmnl-dev
		 libjson-c-dev libyaml-dev libcurl4-openssl-dev libssl-dev"
	[runtime]="libmosquitto1 libnftables1 libmnl0 libjson-c5 libyaml-0-2 libcurl4 libssl3
		   ca-certificates nftables wireguard-go wireguard-tools libcap2-bin"
	[broker]="mosquitto mosquitto-clients"
)
list=
[ "${1:-}" = --list ] && { list=1; shift; }
if [ $# -gt 0 ]; then
	pkgs=()
	for g in "$@"; do
		[ -n "${groups[$g]:-}" ] || { echo "install-deps: unknown group $g (accepted: ${!groups[*]})" >&2; exit 2; }
		read -ra more -d '' <<<"${groups[$g]}" || true
		pkgs+=("${more[@]}")
	done
fi
[ -z "$list" ] || { echo "${pkgs[*]}"; exit 0; }
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: need root to install: ${missing[*]}" >&2
	exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# server packages (ejabberd, mosquitto) must not start their services: the tests run
# their own; a policy-rc.d already present (container images have one) is left as it is
rcd=/usr/sbin/policy-rc.d
if [ ! -e "$rcd" ]; then
	trap 'rm -f "$rcd"' EXIT
	printf '#!/bin/sh\nexit 101\n' > "$rcd" && chmod 755 "$rcd"
fi
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian starts a system mosquitto on :1883; tests run their own brokers.
if command -v systemctl >/dev/null 2>&1; then
	systemctl disable --now mosquitto >/dev/null 2>&1 || true
fi
