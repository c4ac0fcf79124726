#!/usr/bin/env bash
# A tunnel's MTU follows the path to its endpoint (no MTU: wg-quick's rule,
# MTU = auto: minus the real overhead). When another tunnel of the same
# configuration will carry that path (a full tunnel takes every packet without
# its mark, as wg-quick's does), the path is that tunnel: apply must size the
# MTU by the path after it, not before, or the next apply changes it again.
#
#   [gw: A full tunnel, B split tunnel (wireguard-go)] eth0 --- [up]
#   B's endpoint beyond the default route: inside A. On the LAN: beside it.
set -u
. "$(dirname "$0")/lib.sh"
require_root wg-quick

gw=$(netns gw)
up=$(netns up)
ref=$(netns ref)
refup=$(netns refup)
A=$(ifname a)
B=$(ifname b)
# wg-quick's own, in ref: /var/run/wireguard is shared, so other names.
QA=$(ifname qa)
QB=$(ifname qb)
keypair me
keypair srv
for pair in "$gw $up" "$ref $refup"; do
	set -- $pair
	veth "$1" eth0 "$2" eth0
	nsx "$1" ip addr add 192.0.2.1/24 dev eth0
	nsx "$2" ip addr add 192.0.2.2/24 dev eth0
	nsx "$1" ip route add default via 192.0.2.2
done
mkdir -p "$TMP/c"
# conf IFACE ADDRESS ALLOWEDIPS ENDPOINT MTU-LINE: a wg-quick file in $TMP/c
conf() {
	# shellcheck disable=SC2154 # keypair sets *_priv and *_pub
	printf '[Interface]\nPrivateKey = %s\nAddress = %s\n%s\n[Peer]\nPublicKey = %s\nEndpoint = %s:51820\nAllowedIPs = %s\n' \
		"$me_priv" "$2" "$5" "$srv_pub" "$4" "$3" >"$TMP/c/$1.conf"
	chmod 600 "$TMP/c/$1.conf"
}
mtu() { nsx "$1" cat "/sys/class/net/$2/mtu"; }
settled() { # DESC: apply, then nothing left to plan
	run nsx "$gw" "$W" apply -C "$TMP/c"
	is "$status" 0 "$1: apply"
	run nsx "$gw" "$W" plan -C "$TMP/c"
	is "$status:$stdout" "0:" "$1: the next plan has nothing to do"
}

# Without MTU: wg-quick's rule. wg-quick up A, then B: B's endpoint route is A.
conf "$A" 10.9.0.2/32 0.0.0.0/0 192.0.2.2 ""
conf "$B" 10.8.0.2/32 10.8.0.0/24 198.51.100.7 ""
mkdir -p "$TMP/q"
cp -p "$TMP/c/$A.conf" "$TMP/q/$QA.conf"
cp -p "$TMP/c/$B.conf" "$TMP/q/$QB.conf"
quick_up "A" "$ref" "$TMP/q/$QA.conf"
quick_up "B" "$ref" "$TMP/q/$QB.conf"
settled "A full, B inside it, no MTU"
is "$(mtu "$gw" "$A") $(mtu "$gw" "$B")" "$(mtu "$ref" "$QA") $(mtu "$ref" "$QB")" \
	"the MTUs wg-quick gives A then B"
is "$(mtu "$gw" "$B")" 1340 "B: A's 1420 minus 80"
nsx "$ref" wg-quick down "$TMP/q/$QB.conf" >/dev/null 2>&1
nsx "$ref" wg-quick down "$TMP/q/$QA.conf" >/dev/null 2>&1

# MTU = auto: B's packets are IPv4 inside A's IPv4: 1500 - 60 - 60.
conf "$A" 10.9.0.2/32 0.0.0.0/0 192.0.2.2 "MTU = auto"
conf "$B" 10.8.0.2/32 10.8.0.0/24 198.51.100.7 "MTU = auto"
settled "MTU = auto"
is "$(mtu "$gw" "$A") $(mtu "$gw" "$B")" "1440 1380" "A 1500 - 60, B inside A 1440 - 60"
routed_via() { nsx "$gw" ip route get "$1" | grep -q "dev $2 "; }
ok "the kernel does send B's endpoint packets into A" routed_via 198.51.100.7 "$A"

# B's endpoint on the LAN: main's own route takes it before A (suppress_prefixlength 0).
conf "$B" 10.8.0.2/32 10.8.0.0/24 192.0.2.7 "MTU = auto"
settled "B's endpoint on the LAN"
is "$(mtu "$gw" "$B")" 1440 "B beside A: 1500 - 60"

# A leaves the configuration: B's path is the uplink again, in the same apply.
conf "$B" 10.8.0.2/32 10.8.0.0/24 198.51.100.7 "MTU = auto"
settled "B inside A again"
is "$(mtu "$gw" "$B")" 1380 "B inside A"
rm "$TMP/c/$A.conf"
settled "A removed"
is "$(mtu "$gw" "$B")" 1440 "B on the uplink: 1500 - 60"

run nsx "$gw" "$W" down -C "$TMP/c"
is "$status" 0 "down"
done_testing
