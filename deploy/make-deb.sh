#!/usr/bin/env bash
# make-deb.sh [BUILD_DIR]: builds BUILD_DIR/edge-agent_<version>_<arch>.deb from what
# `make install PREFIX=/usr` installs (binaries stripped, the unit in /lib/systemd/system
# as bookworm's systemd expects of packages), with deploy/debian/ for the control data.
# The version is VERSION's, as the built binary reports it (`edge-agent --version`).
# passwd: the postinst creates the user the unit runs as (edge-agent-user.sh).
# Depends come from dpkg-shlibdeps on the binaries. Run by `make deb`.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:-build}
D=deploy/debian
version=$("$B/edge-agent" --version | awk '{print $2}')
[[ $version =~ ^[0-9][A-Za-z0-9.+~-]*$ ]] || { echo "make-deb: bad version '$version' from $B/edge-agent --version" >&2; exit 1; }
arch=$(dpkg --print-architecture)
# staged outside BUILD_DIR: the Makefile reads every *.d under it as dependency files
W=$(mktemp -d /tmp/edge-agent-deb.XXXXXX)
trap 'rm -rf "$W"' EXIT
stage=$W/edge-agent
mkdir -p "$stage/DEBIAN"

make -s install DESTDIR="$stage" PREFIX=/usr UNITDIR=/lib/systemd/system B="$B" >/dev/null
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$stage/usr/bin/edge-agent" "$stage/usr/bin/edgectl"
# DATA_DIR of the unit (systemd's StateDirectory makes it too; a manual run needs it)
install -d -m 700 "$stage/var/lib/edge-agent"
doc=$stage/usr/share/doc/edge-agent
install -d "$doc"
install -m 644 "$D/copyright" "$D/README.Debian" "$doc/"
{
	echo "edge-agent ($version) unstable; urgency=medium"
	echo
	echo "  * Built from $(git describe --always --dirty 2>/dev/null || echo 'a source tree without git')."
	echo
	echo " -- edge-agent maintainers <maintainers@users.noreply.b-seed-94e4a8ef.example>  $(date -R -d "@${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}")"
} | gzip -9n > "$doc/changelog.gz"     # a native package: changelog.gz

# ${shlibs:Depends}: dpkg-shlibdeps wants a debian/control beside it
mkdir -p "$W/src/debian"
printf 'Source: edge-agent\n\nPackage: edge-agent\nArchitecture: any\n' > "$W/src/debian/control"
depends=$(cd "$W/src" && dpkg-shlibdeps -O "$stage/usr/bin/edge-agent" "$stage/usr/bin/edgectl" |
	sed -n 's/^shlibs:Depends=//p')
[ -n "$depends" ] || { echo "make-deb: dpkg-shlibdeps found no dependencies" >&2; exit 1; }
# libcurl is loaded (dlopen, agent/join_curl.c) only while the agent joins: not linked
depends="$depends, libcurl4"
size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
sed -e "s|@VERSION@|$version|" -e "s|@ARCH@|$arch|" -e "s|@SIZE@|$size|" -e "s|@DEPENDS@|$depends|" \
	"$D/control.in" > "$stage/DEBIAN/control"
install -m 755 "$D/postinst" "$D/prerm" "$D/postrm" "$stage/DEBIAN/"
(cd "$stage" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum) > "$stage/DEBIAN/md5sums"
chmod 644 "$stage/DEBIAN/md5sums" "$stage/DEBIAN/control"
out=$B/edge-agent_${version}_${arch}.deb
dpkg-deb --root-owner-group -Zxz --build "$stage" "$out" >/dev/null
echo "$out"
