#!/usr/bin/env bash
# Routes verified from the kernel's own replies (NLM_F_ECHO: the route as the
# kernel stored it) instead of a second dump: the routes applied are the ones
# asked for, a route beside another of the same destination still converges,
# and a route the kernel refuses fails the apply and undoes everything.
set -u
. "$(dirname "$0")/lib.sh"
require_root

ns=$(netns a)
A=$(ifname e)
keypair me
keypair p1
keypair p2
mkdir -p "$TMP/c"
# A device the routes of the foreign program below go through.
ip -n "$ns" link add fg0 type veth peer name fg1
ip -n "$ns" link set fg0 up
ip -n "$ns" link set fg1 up

# prefixes FIRST LAST: /32s and /128s, comma-separated, as AllowedIPs lists them.
prefixes() {
	local i out=
	for i in $(seq "$1" "$2"); do out+="10.62.1.$i/32, 2001:db8:62::$i/128, "; done
	printf '%s' "${out%, }"
}

# write ALLOWED1 ALLOWED2: the interface with its two peers, routes in table 1234.
addr=10.61.0.1/24
write() {
	cat > "$TMP/c/$A.conf" <<CONF
[Interface]
PrivateKey = $me_priv
Address = $addr
Table = 1234

[Peer]
PublicKey = $p1_pub
AllowedIPs = $1

[Peer]
PublicKey = $p2_pub
AllowedIPs = $2
CONF
	chmod 600 "$TMP/c/$A.conf"
}

routes() { for f in -4 -6; do nsx "$ns" ip $f route show table 1234; done; }
count() { routes | grep -c "dev $A"; }
whole() { routes; nsx "$ns" wg show "$A" allowed-ips | sort; }

# converges WHAT N: apply succeeds (its stderr kept in $applied), the kernel
# then holds N routes through the interface, and plan is empty.
converges() {
	run nsx "$ns" "$W" apply -C "$TMP/c"
	is "$status" 0 "apply of $1"
	applied=$stderr
	is "$(count)" "$2" "$1: the kernel holds $2 routes"
	run nsx "$ns" "$W" plan -C "$TMP/c"
	is "$status" 0 "$1: plan is then empty"
}

write "$(prefixes 1 40)" "$(prefixes 41 80)"
converges "160 routes" 160

# One prefix of each family moves from one peer to the other, one goes.
write "$(prefixes 1 39), 10.62.1.41/32" "$(prefixes 42 80), 10.62.1.40/32, 2001:db8:62::41/128"
converges "routes moved and removed" 159
like "$applied" "route del 2001:db8:62::40/128" "one route went"

# Another program's route to a destination of ours, at another metric: a
# delete without a metric could take either; wgpolicy's must take its own.
nsx "$ns" ip route add 10.62.1.7/32 dev fg0 table 1234 metric 50 proto static
write "$(prefixes 1 6), $(prefixes 8 39), 10.62.1.41/32" \
	"$(prefixes 42 80), 10.62.1.40/32, 2001:db8:62::41/128, 2001:db8:62::7/128"
run nsx "$ns" "$W" apply -C "$TMP/c"
is "$status" 0 "apply removing a route beside a foreign one of the same destination"
is "$(nsx "$ns" ip route show table 1234 10.62.1.7/32 | sed 's/ *$//')" \
	"10.62.1.7 dev fg0 proto static scope link metric 50" "only the foreign route is left there"
run nsx "$ns" "$W" plan -C "$TMP/c"
is "$status" 0 "plan after it: nothing to do"

# Another address: the routes are read back from the kernel (only wgpolicy's,
# filtered by the kernel), not taken from its replies.
addr=10.63.0.1/24
write "$(prefixes 1 6), $(prefixes 8 39), 10.62.1.41/32" \
	"$(prefixes 42 80), 10.62.1.40/32, 2001:db8:62::41/128, 2001:db8:62::7/128"
converges "another address" 158

# Routes added a few at a time: each is confirmed by the kernel's echo of it.
write "$(prefixes 1 6), $(prefixes 8 39), 10.62.1.41/32, 10.62.1.91/32" \
	"$(prefixes 42 80), 10.62.1.40/32, 2001:db8:62::41/128, 2001:db8:62::7/128, 2001:db8:62::91/128"
converges "two new routes" 160

# The kernel refuses IPv6 routes through a device without IPv6 (and takes
# the device's IPv6 routes away with disable_ipv6): IPv4 prefixes only,
# then an IPv4 and an IPv6 route added together. The IPv6 one is refused:
# the apply fails, and undoes the IPv4 one the kernel had echoed as stored.
v4only() {
	local i out=
	for i in $(seq "$1" "$2"); do out+="10.62.1.$i/32, "; done
	printf '%s' "${out%, }"
}
write "$(v4only 1 40)" "$(v4only 41 80)"
converges "IPv4 prefixes only" 80
nsx "$ns" sysctl -qw "net.ipv6.conf.$A.disable_ipv6=1"
before=$(whole)
write "$(v4only 1 40), 2001:db8:62::99/128" "$(v4only 41 80), 10.62.1.90/32"
run nsx "$ns" "$W" apply -C "$TMP/c"
is "$status" 1 "apply of a route the kernel refuses fails"
like "$stderr" "route add 2001:db8:62::99/128.*IPv6 is disabled" \
	"the error names the route and the kernel's reason"
like "$stderr" "undo.*route del 10.62.1.90/32" "the IPv4 route added with it is undone"
is "$(whole)" "$before" "after the failure the routes and peers are as before"

done_testing
