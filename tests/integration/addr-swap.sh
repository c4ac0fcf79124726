#!/usr/bin/env bash
# Replacing an interface's address within its subnet (10.99.0.1/16 ->
# 10.99.0.2/16), with promote_secondaries 0 (a new namespace's default) and 1
# (Debian's): the new address goes in first, as the old one's secondary, and
# deleting the old primary must neither take the new one with it nor, leaving
# the device without IPv4, flush the routes through it. Also a failed apply
# of such a change, undone, every IPv4 address dropped while the routes
# through the device stay, and the daemon reloading a change.
#
#   [cl: wgpolicy, full tunnel C] --veth 192.0.2.0/24-- [sv: wgpolicy, S]
#     10.99.0.1/16 10.99.0.7/16 fd99::1/64 == tunnel == 10.99.255.254/16 fd99::fe/64
set -u
. "$(dirname "$0")/lab.sh"
. "$(dirname "$0")/daemon-lib.sh"
require_root ping nft

keypair cli
keypair srv

# client_conf ADDRESSES [EXTRA]: the client's file, a full tunnel to the server.
# failing_dns CMD...: CMD with a resolvconf that refuses everything first in PATH.
mkdir -p "$TMP/failbin"
printf '#!/bin/sh\necho "resolvconf: refused" >&2\nexit 1\n' >"$TMP/failbin/resolvconf"
chmod +x "$TMP/failbin/resolvconf"
failing_dns() { PATH="$TMP/failbin:$PATH" "$@"; }

client_conf() {
	cat >"$TMP/cl$r/$C.conf" <<-CONF
	[Interface]
	PrivateKey = $cli_priv
	Address = $1
	${3:-}
	[Peer]
	PublicKey = $srv_pub
	Endpoint = 192.0.2.1:51820
	AllowedIPs = 0.0.0.0/0, ::/0
	PersistentKeepalive = 1
	${2:-}
	CONF
	chmod 600 "$TMP/cl$r/$C.conf"
}

# Everything an address change could disturb; addresses as a set (see the report on primaries).
whole() {
	for f in -4 -6; do nsx "$cl" ip $f rule show; nsx "$cl" ip $f route show table all; done |
		grep -v -E ' proto kernel|^local |^multicast |^anycast |^broadcast '
	nsx "$cl" ip -o addr show dev "$C" | awk '$4 !~ /^fe80/ {print $4}' | sort
	nsx "$cl" nft list ruleset | grep -v -E 'ip6? daddr (10\.99|fd99)|comment "wgpolicy:'
}
addrs() { nsx "$cl" ip -o addr show dev "$C" | awk '$4 !~ /^fe80/ {print $4}' | sort | tr '\n' ' '; }
tunnel_works() { # tunnel_works SRC4 SRC6: both families through the tunnel, from these sources
	wait_for 10 nsx "$cl" ping -c1 -W1 -I "$1" 10.99.255.254 &&
		wait_for 10 nsx "$cl" ping -6 -c1 -W1 -I "$2" fd99::fe
}

for r in 0 1; do
	note "---- promote_secondaries=$r in the client's namespace"
	cl=$(netns cl$r)
	sv=$(netns sv$r)
	veth "$cl" up0 "$sv" up0
	nsx "$cl" ip addr add 192.0.2.2/24 dev up0
	nsx "$sv" ip addr add 192.0.2.1/24 dev up0
	nsx "$cl" sysctl -qw net.ipv4.conf.all.promote_secondaries=$r \
		net.ipv4.conf.default.promote_secondaries=$r
	# The second round's name has a dot, which a sysctl's name writes as '/'.
	C=$(ifname "c$([ $r = 1 ] && echo .)") S=$(ifname s$r)
	mkdir -p "$TMP/cl$r" "$TMP/sv$r"
	cat >"$TMP/sv$r/$S.conf" <<-CONF
	[Interface]
	PrivateKey = $srv_priv
	ListenPort = 51820
	Address = 10.99.255.254/16, fd99::fe/64
	[Peer]
	PublicKey = $cli_pub
	AllowedIPs = 10.99.0.0/24, fd99::/120
	CONF
	chmod 600 "$TMP/sv$r/$S.conf"
	client_conf "10.99.0.1/16, 10.99.0.7/16, fd99::1/64"
	run nsx "$sv" "$W" apply -C "$TMP/sv$r"
	is "$status" 0 "server: apply"
	run nsx "$cl" "$W" plan -C "$TMP/cl$r"
	has "$stdout" "sysctl -w net.ipv4.conf.${C//./\/}.promote_secondaries=1" \
		"the plan sets promote_secondaries on the interface"
	run nsx "$cl" "$W" apply -C "$TMP/cl$r"
	is "$status" 0 "client: apply"
	ok "ping through the tunnel from 10.99.0.1 and fd99::1" tunnel_works 10.99.0.1 fd99::1
	before=$(whole)

	# The change: the first address of the subnet, and the IPv6 one, replaced.
	client_conf "10.99.0.2/16, 10.99.0.7/16, fd99::2/64"
	run nsx "$cl" "$W" plan -C "$TMP/cl$r"
	is "$status" 2 "plan of the new addresses: changes (exit 2)"
	is "$(printf '%s\n' "$stdout" | grep address)" "$(printf '%s\n' \
		"ip -4 address add 10.99.0.2/16 dev $C" "ip -6 address add fd99::2/64 dev $C" \
		"ip -4 address del 10.99.0.1/16 dev $C" "ip -6 address del fd99::1/64 dev $C")" \
		"the plan adds the new addresses, then deletes the old ones"
	run nsx "$cl" "$W" apply -C "$TMP/cl$r"
	is "$status" 0 "apply of the address change succeeds"
	[ "$status" -eq 0 ] || printf '%s\n' "$stderr" | sed 's/^/# /'
	is "$(addrs)" "10.99.0.2/16 10.99.0.7/16 fd99::2/64 " "the device has the new addresses and kept 10.99.0.7"
	after=$(whole)
	is "$(printf '%s\n' "$after" | grep -v -E '^(10\.99|fd99)')" \
		"$(printf '%s\n' "$before" | grep -v -E '^(10\.99|fd99)')" \
		"rules, routes (full tunnel's table 51820 too) and nftables as before"
	ok "ping through the tunnel from 10.99.0.2 and fd99::2" tunnel_works 10.99.0.2 fd99::2
	run nsx "$cl" "$W" plan -C "$TMP/cl$r"
	is "$status" 0 "plan after the change: nothing to do"
	is "$stdout" "" "and it prints nothing"

	# A change of the same kind that fails late (the resolver, the last step, refuses
	# the tunnel's DNS) is undone: addresses, routes, all.
	before=$(whole)
	client_conf "10.99.0.3/16, 10.99.0.7/16, fd99::3/64" "" "DNS = 10.99.0.1"
	run failing_dns nsx "$cl" "$W" apply -C "$TMP/cl$r"
	is "$status" 1 "a failing apply of an address change fails"
	like "$stderr" "undo\) ip -4 address del 10.99.0.3/16" "it undoes the address it added"
	is "$(whole)" "$before" "and the namespace is as before"
	ok "ping through the tunnel after the undo" tunnel_works 10.99.0.2 fd99::2
done

# Every IPv4 address dropped, the routes through the device kept (the full tunnel's
# 0.0.0.0/0): the kernel flushes them with the last address, so the plan takes them
# out before it and puts them back after it. First failing late: undone, as before.
before=$(whole)
client_conf "fd99::2/64" "" "DNS = 10.99.0.1"
run failing_dns nsx "$cl" "$W" apply -C "$TMP/cl$r"
is "$status" 1 "a failing apply dropping the IPv4 addresses fails"
is "$(whole)" "$before" "and the namespace is as before, IPv4 routes through the device too"
client_conf "fd99::2/64"
run nsx "$cl" "$W" plan -C "$TMP/cl$r"
is "$(printf '%s\n' "$stdout" | grep -E 'ip -4 (route|address)')" "$(printf '%s\n' \
	"ip -4 route del 0.0.0.0/0 dev $C table 51820 proto 87" \
	"ip -4 address del 10.99.0.2/16 dev $C" "ip -4 address del 10.99.0.7/16 dev $C" \
	"ip -4 route add 0.0.0.0/0 dev $C table 51820 proto 87")" \
	"the plan takes the IPv4 route out before the addresses go and back after"
run nsx "$cl" "$W" apply -C "$TMP/cl$r"
is "$status" 0 "apply dropping the IPv4 addresses succeeds"
[ "$status" -eq 0 ] || printf '%s\n' "$stderr" | sed 's/^/# /'
is "$(addrs)" "fd99::2/64 " "the device has no IPv4 address left"
is "$(whole | grep -v -E '^(10\.99|fd99)')" "$(printf '%s\n' "$before" | grep -v -E '^(10\.99|fd99)')" \
	"rules, routes (0.0.0.0/0 in table 51820 too) and nftables as before"
ok "ping6 through the tunnel" wait_for 10 nsx "$cl" ping -6 -c1 -W1 fd99::fe
run nsx "$cl" "$W" plan -C "$TMP/cl$r"
is "$stdout" "" "plan after dropping them is empty"

# The daemon, where promote_secondaries was 0: a reload with the changed Address is
# one more round, the same plan.
r=0 cl=wgp$ID-cl0 C=$(ifname c)
client_conf "10.99.0.4/16, 10.99.0.7/16, fd99::4/64"
cp "$TMP/cl$r/$C.conf" "$TMP/cl$r/$C.conf.want"
client_conf "10.99.0.2/16, 10.99.0.7/16, fd99::2/64"
daemon_start "$cl" "$TMP/cl$r"
before=$(whole)
mv "$TMP/cl$r/$C.conf.want" "$TMP/cl$r/$C.conf"
run nsx "$cl" "$W" reload
is "$status" 0 "daemon: reload of the changed Address"
ok "the daemon put the new addresses on" wait_for 10 sh -c \
	"[ \"\$(ip netns exec $cl ip -o addr show dev $C | grep -c -E '10.99.0.4/16|fd99::4/64')\" = 2 ]"
is "$(addrs)" "10.99.0.4/16 10.99.0.7/16 fd99::4/64 " "daemon: the old ones are gone, 10.99.0.7 kept"
is "$(whole | grep -v -E '^(10\.99|fd99)')" "$(printf '%s\n' "$before" | grep -v -E '^(10\.99|fd99)')" \
	"daemon: rules, routes and nftables as before"
ok "daemon: ping through the tunnel from the new addresses" tunnel_works 10.99.0.4 fd99::4
unlike "$(cat "$LOG")" "changes left|undone" "daemon: no round failed"
run nsx "$cl" "$W" plan -C "$TMP/cl$r"
is "$stdout" "" "daemon: plan after the reload is empty"
daemon_stop

done_testing
