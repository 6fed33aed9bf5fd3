#!/bin/bash
# nft_render + nft_apply + nft_watch against the kernel, in a network namespace of its own.
set -u
cd "$(dirname "$0")/../.."
B=${B:-build}
bin=$B/tests/test_nft_kernel
ns=ea-nftk-$$

skip() { echo "SKIP nft_kernel: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root"
[ -x "$bin" ] || skip "$bin is not built (make unit)"
command -v nft >/dev/null || skip "nft is not installed"
ip netns add "$ns" 2>/dev/null || skip "cannot create a network namespace"
trap 'ip netns del "$ns" 2>/dev/null' EXIT

fail=0
# The watch as it runs in a container: the agent is PID 1 of its own PID namespace.
if ip netns exec "$ns" unshare -p -f true 2>/dev/null; then
	EDGE_TEST_NETNS=$ns ip netns exec "$ns" unshare -p -f "$bin" pidns
	case $? in
	0|77) ;;
	*) fail=1 ;;
	esac
else
	echo "SKIP nft_kernel: cannot make a PID namespace (unshare -p -f)"
fi

EDGE_TEST_NETNS=$ns ip netns exec "$ns" "$bin" run
rc=$?
case $rc in
0) ;;
77) exit 77 ;;
*) fail=1 ;;
esac

# The binary leaves three forwards applied: compare nft's own dump with what we expect.
want=$(cat <<'NFT'
table inet edge_test {
	map fwd_tcp {
		type inet_service : ipv4_addr . inet_service
		elements = { 2222 : 10.50.0.3 . 22, 8080 : 10.50.0.2 . 80 }
	}

	map fwd_udp {
		type inet_service : ipv4_addr . inet_service
		elements = { 5353 : 10.50.0.4 . 53 }
	}

	set cnt_tcp {
		type inet_service
		counter
		elements = { 2222 counter packets 0 bytes 0, 8080 counter packets 0 bytes 0 }
	}

	set cnt_udp {
		type inet_service
		counter
		elements = { 5353 counter packets 0 bytes 0 }
	}

	map gate_tcp {
		type inet_service : verdict
		flags interval
	}

	map gate_udp {
		type inet_service : verdict
		flags interval
	}

	set keep_tcp {
		type inet_service
		flags interval
	}

	set keep_udp {
		type inet_service
		flags interval
	}

	set refused_tcp {
		type inet_service
		size 65535
		flags dynamic
		counter
	}

	set refused_udp {
		type inet_service
		size 65535
		flags dynamic
		counter
	}

	chain prerouting {
		type nat hook prerouting priority dstnat; policy accept;
		meta nfproto ipv4 fib daddr type local tcp dport vmap @gate_tcp
		meta nfproto ipv4 fib daddr type local udp dport vmap @gate_udp
		meta nfproto ipv4 fib daddr type local dnat ip to tcp dport map @fwd_tcp
		meta nfproto ipv4 fib daddr type local dnat ip to udp dport map @fwd_udp
	}

	chain pst_mark {
		type filter hook prerouting priority dstnat + 10; policy accept;
		ct direction original ct status dnat meta l4proto tcp ct original proto-dst @keep_tcp meta mark set meta mark & 0xfffffea5 | 0x00000ea5
		ct direction original ct status dnat meta l4proto udp ct original proto-dst @keep_udp meta mark set meta mark & 0xfffffea5 | 0x00000ea5
	}

	chain forward {
		type filter hook forward priority filter; policy accept;
		oifname "wg0" tcp flags syn tcp option maxseg size set rt mtu
		oifname "edge-pst" tcp flags syn tcp option maxseg size set rt mtu
		ct status dnat meta l4proto tcp ct original proto-dst @cnt_tcp
		ct status dnat meta l4proto udp ct original proto-dst @cnt_udp
		ct status dnat accept
	}

	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		ct status dnat meta l4proto tcp ct original proto-dst @keep_tcp accept
		ct status dnat meta l4proto udp ct original proto-dst @keep_udp accept
		oifname "wg0" ct status dnat masquerade
	}
}
NFT
)
got=$(ip netns exec "$ns" nft list ruleset)
if [ "$got" = "$want" ]; then
	echo "PASS nft_kernel: ruleset dump is exactly our table"
else
	echo "FAIL nft_kernel: ruleset dump differs"
	diff <(echo "$want") <(echo "$got") | sed 's/^/  /'
	fail=1
fi
exit $fail
