# A throw-away CA and a server certificate for one IP, for HTTPS test controllers.
# pki_server DIR IP: writes DIR/ca.pem, DIR/srv.pem and DIR/srv.key; non-zero on failure.
pki_server() {
	local d=$1 ip=$2
	mkdir -p "$d" || return 1
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-subj /CN=edge-test-ca -keyout "$d/ca.key" -out "$d/ca.pem" 2>/dev/null &&
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$ip" \
		-keyout "$d/srv.key" -out "$d/srv.csr" 2>/dev/null &&
	printf 'subjectAltName=IP:%s\nextendedKeyUsage=serverAuth\n' "$ip" > "$d/ext" &&
	openssl x509 -req -in "$d/srv.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial \
		-days 2 -extfile "$d/ext" -out "$d/srv.pem" 2>/dev/null
}
