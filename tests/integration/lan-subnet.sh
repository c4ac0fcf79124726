#!/usr/bin/env bash
# A peer's AllowedIPs against the subnets of the host's other interfaces (a
# LAN): the kernel takes no second IPv4 route of one table, destination and
# metric, so AllowedIPs equal to a LAN's subnet cannot go into the main table.
# wg-quick fails halfway ("RTNETLINK answers: File exists") and takes the
# interface down again; wgpolicy's plan says so before anything changes. A
# narrower prefix, an IPv6 subnet (the kernel's route has another metric)
# and the interface's own subnet go through, as under wg-quick.
#
#   [gw: lan0 198.51.100.5/24, 2001:db8:1::5/64; default via 198.51.100.1]
set -u
. "$(dirname "$0")/lib.sh"
require_root wg-quick

gw=$(netns gw)
wq=$(netns wq)
peer=$(netns peer)
A=$(ifname a)
keypair me
keypair srv
for ns in "$gw" "$wq"; do
	veth "$ns" lan0 "$peer" "l${ns: -2}"
	nsx "$ns" ip addr add 198.51.100.5/24 dev lan0
	nsx "$ns" ip addr add 2001:db8:1::5/64 dev lan0
	nsx "$ns" ip route add default via 198.51.100.1
done

# conf DIR ALLOWEDIPS: wg-quick's file for $A in DIR, Table = auto.
conf() {
	mkdir -p "$1"
	# shellcheck disable=SC2154 # keypair sets *_priv and *_pub
	printf '[Interface]\nPrivateKey = %s\nAddress = 10.77.0.2/24\n[Peer]\nPublicKey = %s\nEndpoint = 203.0.113.1:51820\nAllowedIPs = %s\n' \
		"$me_priv" "$srv_pub" "$2" >"$1/$A.conf"
	chmod 600 "$1/$A.conf"
}
state() {
	for f in -4 -6; do nsx "$gw" ip $f rule; nsx "$gw" ip $f route show table all; done
	nsx "$gw" ip -o link show
	nsx "$gw" nft list ruleset
}

# ---- equal to the LAN's subnet: refused up front --------------------------------
conf "$TMP/same" 198.51.100.0/24
before=$(state)
run nsx "$gw" "$W" plan -C "$TMP/same"
is "$status" 1 "AllowedIPs equal to the LAN's subnet: plan refuses"
like "$stderr" "take the place of 'ip -4 route add 198.51.100.0/24 dev lan0 table main proto kernel'" \
	"naming the LAN's route"
like "$stderr" "AllowedIPs hold 198.51.100.0/24.*narrow AllowedIPs, or give the interface a Table" \
	"and what to do"
run nsx "$gw" "$W" up "$TMP/same/$A.conf"
is "$status" 1 "up refuses"
is "$(state)" "$before" "nothing changed"
run nsx "$wq" env WG_QUICK_USERSPACE_IMPLEMENTATION=wireguard-go wg-quick up "$TMP/same/$A.conf"
is "$((status != 0))" 1 "wg-quick fails on the same file"
like "$stderr" "File exists" "halfway, at the route"

# ---- narrower than the LAN's subnet, or IPv6, or the interface's own: as wg-quick --
conf "$TMP/narrow" "198.51.100.128/25, 2001:db8:1::/64, 10.77.0.0/24"
run nsx "$gw" "$W" up "$TMP/narrow/$A.conf"
is "$status" 0 "a narrower prefix, the LAN's IPv6 subnet and the interface's own subnet: up"
is "$(nsx "$gw" ip -4 route show 198.51.100.128/25 | sed 's/ *$//')" "198.51.100.128/25 dev $A proto 87 scope link" \
	"the narrower prefix goes into the tunnel"
like "$(nsx "$gw" ip -6 route show 2001:db8:1::/64)" "dev $A proto 87 metric 1024" \
	"IPv6: the tunnel's route beside the LAN's, of another metric"
like "$(nsx "$gw" ip -6 route show 2001:db8:1::/64)" "dev lan0 proto kernel metric 256" \
	"which stays first"
is "$(nsx "$gw" ip -4 route show 10.77.0.0/24 | sed 's/ *$//')" "10.77.0.0/24 dev $A proto kernel scope link src 10.77.0.2" \
	"the interface's own subnet keeps the kernel's route (wg-quick adds none)"
run nsx "$gw" "$W" plan -C "$TMP/narrow"
is "$status:$stdout" "0:" "nothing left to do"
run nsx "$gw" "$W" down "$TMP/narrow/$A.conf"
is "$status" 0 "down"
is "$(state)" "$before" "the gateway is as before"

done_testing
