#!/usr/bin/env bash
# make-test-ca.sh DIR [NAME|IP ...]: a throw-away CA and a broker certificate, for tests
# and trials only (production brokers use certificates from the site's own CA).
#
# Writes DIR/ca.crt, DIR/ca.key, DIR/broker.crt and DIR/broker.key (keys mode 0600).
# The broker certificate names every NAME and IP given (default: localhost 127.0.0.1 ::1).
# A CA already in DIR is reused, so running the script again only re-issues the broker
# certificate, for example with more names. CA_DAYS (default 30) sets the lifetime.
set -euo pipefail

usage() {
	echo "usage: $0 DIR [NAME|IP ...]" >&2
	exit 2
}
[ $# -ge 1 ] || usage
dir=$1; shift
[ $# -gt 0 ] || set -- localhost 127.0.0.1 ::1
days=${CA_DAYS:-30}

san=
for n in "$@"; do
	if [[ $n =~ ^[0-9]{1,3}(\.[0-9]{1,3}){3}$ || $n =~ ^[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*$ ]]; then
		san+=${san:+,}IP:$n
	elif [[ $n =~ ^(\*\.)?[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$ ]]; then
		san+=${san:+,}DNS:$n
	else
		echo "$0: '$n' is neither a host name nor an IP address" >&2
		exit 2
	fi
done

mkdir -p "$dir"
cd "$dir"
umask 077
if [ ! -s ca.key ] || [ ! -s ca.crt ]; then
	openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout ca.key -out ca.crt -days "$days" -subj "/CN=edge-agent test CA $(date +%s)" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
fi
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	-keyout broker.key -out broker.csr -subj "/CN=$1" 2>/dev/null
printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" \
	"extendedKeyUsage=serverAuth" "subjectAltName=$san" > broker.ext
openssl x509 -req -in broker.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
	-days "$days" -extfile broker.ext -out broker.crt 2>/dev/null
rm -f broker.csr broker.ext
chmod 644 ca.crt broker.crt
echo "$dir: ca.crt, broker.crt ($san), broker.key"
