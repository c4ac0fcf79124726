#!/usr/bin/env bash
# Uplink pinning: the gateway has two uplinks, up0 (the main table's default
# route, to the internet namespace) and up1 (a second ISP, isp2, with a
# default route of a worse metric). Tunnel A has `Underlay = up1`: its
# encrypted packets leave by up1 whatever the main table's default says,
# while everything else still goes by up0.
#
#   [lan1] ── [gw: From 10.0.1.0/24 → A] ─ up0 ──────────── [inet] ── [vpn0]
#   [lan2] ──┘     └────────────────────── up1 ── [isp2] ──┘
#                  A: ══════════════════ (by up1 only) ═══════════════ vpn0
#
#  gw up1 192.0.2.66/28 ─── isp2 192.0.2.65/28 | isp2 192.0.2.82/28 ─── inet 192.0.2.81/28
#  (inet routes 192.0.2.64/28 back by isp2; no NAT on this way)
#
# Proof: isp2 counts A's UDP to vpn0 from up1's address, inet counts what
# came by up0 (no UDP to vpn0's endpoint at all, lan2's flow and the
# gateway's own pings in clear), vpn0 sees the gateway at up1's address and
# lan1's flow out of its tunnel. With up1 down, A's packets stop rather than
# take up0; up1 back without its default route, apply warns and holds A back;
# with the route back and applied again, A works again, still by up1. The
# daemon does the same by itself when up1 goes down and comes back.
set -u
. "$(dirname "$0")/lab.sh"
lab_start

isp2_up() {
	ISP2=$(netns isp2) || return 1
	veth "$GW" up1 "$ISP2" gw && veth "$ISP2" inet "$INET" isp2 &&
		addr "$GW" up1 192.0.2.66/28 2001:db8:300::2/64 &&
		addr "$ISP2" gw 192.0.2.65/28 2001:db8:300::1/64 &&
		addr "$ISP2" inet 192.0.2.82/28 2001:db8:301::2/64 &&
		addr "$INET" isp2 192.0.2.81/28 2001:db8:301::1/64 &&
		defroute "$ISP2" 192.0.2.81 2001:db8:301::1 && forwarding "$ISP2" && lab_table "$ISP2" &&
		nsx "$INET" ip route add 192.0.2.64/28 via 192.0.2.82 &&
		nsx "$INET" ip -6 route add 2001:db8:300::/64 via 2001:db8:301::2 || return 1
	backup_default
}
# A second uplink's default route, behind the first (what DHCP on both gives).
backup_default() {
	nsx "$GW" ip route add default via 192.0.2.65 dev up1 metric 200 &&
		nsx "$GW" ip -6 route add default via 2001:db8:300::1 dev up1 metric 200
}
if ! isp2_up >"$TMP/isp2.log" 2>&1; then
	echo "Bail out! the second uplink did not come up:"
	sed 's/^/# /' "$TMP/isp2.log"
	exit 1
fi

sed -i "s/^\[Interface\]/&\nUnderlay = up1/; s/^\[Peer\]/&\nPersistentKeepalive = 25/" "$CONF/$A.conf"
office_policy >"$CONF/policy.conf"

count "$ISP2" wg_to_vpn0 iifname gw ip saddr 192.0.2.66 ip daddr 192.0.2.2 udp dport 51820
count "$ISP2" any_clear iifname gw ip daddr 203.0.113.0/24
count "$INET" wg_to_vpn0 iifname gw ip daddr 192.0.2.2 udp dport 51820
count "$INET" lan1_clear iifname gw ip daddr 203.0.113.31
count "$INET" lan1_clear6 iifname gw ip6 daddr 2001:db8:ff::31
count "$INET" lan2 iifname gw ip saddr 198.51.100.2 ip daddr 203.0.113.32 tcp dport 80
count "$INET" gw_ping iifname gw ip saddr 198.51.100.2 ip daddr 192.0.2.2 icmp type echo-request
count "$VPN0" lan1 iifname "$S0" ip saddr 10.0.1.2 ip daddr 203.0.113.31 tcp dport 80
count "$VPN0" lan1_6 iifname "$S0" ip6 saddr fd00:1::2 ip6 daddr 2001:db8:ff::31 tcp dport 80

note "[gw] $(nsx "$GW" ip route show default | tr '\n' ';')"
gw_wgpolicy apply
ok "tunnel A up (vpn0's tunnel address answers)" wait_for 10 nsx "$GW" ping -c1 -W1 10.8.0.1
run nsx "$GW" "$W" plan -C "$CONF"
is "$status" 0 "plan right after apply: nothing to change"

echoes "lan1 → 203.0.113.31:80 through A: echoed" "$LAN1" 203.0.113.31 80
echoes "lan1 → [2001:db8:ff::31]:80 through A: echoed" "$LAN1" 2001:db8:ff::31 80
echoes "lan2 → 203.0.113.32:80 direct: echoed" "$LAN2" 203.0.113.32 80
ok "the gateway itself pings vpn0's endpoint" nsx "$GW" ping -c2 -i0.2 -W2 192.0.2.2
seen "vpn0 got lan1's IPv4 flow out of its tunnel" "$VPN0" lan1
seen "vpn0 got lan1's IPv6 flow out of its tunnel" "$VPN0" lan1_6
seen "isp2 carried A's WireGuard from up1's address" "$ISP2" wg_to_vpn0 6
unseen "up0 carried no UDP to vpn0's endpoint" "$INET" wg_to_vpn0
unseen "up0 carried none of lan1's flows in clear" "$INET" lan1_clear lan1_clear6
unseen "isp2 carried nothing in clear" "$ISP2" any_clear
seen "lan2 went direct by up0, the main table's default" "$INET" lan2
is "$(packets "$INET" gw_ping)" 2 "the gateway's own pings to vpn0's endpoint went by up0"

gw_pub=$(nsx "$GW" wg show "$A" public-key)
endpoint=$(nsx "$VPN0" wg show "$S0" endpoints | awk -v k="$gw_pub" '$1 == k { print $2 }')
note "vpn0's endpoint for the gateway: $endpoint"
like "$endpoint" '^192\.0\.2\.66:[0-9]+$' "vpn0 sees the gateway at up1's address"

# up1 fails: A's packets have nowhere to go, and must not fall back to up0.
pp "$GW" ip link set up1 down
count "$INET" during_down iifname gw ip daddr 192.0.2.2 udp dport 51820
note "lan1 pings through A with up1 down: $(nsx "$LAN1" ping -c5 -i0.2 -W1 203.0.113.31 | grep -o '[0-9]* received')"
unseen "up1 down: A's packets did not take up0" "$INET" during_down wg_to_vpn0

# A link that goes down loses its IPv6 addresses and every route by it, its
# default route too: until that is back, up1 has no known gateway, and apply
# keeps A held back rather than ask up1's network for vpn0's address.
pp "$GW" ip link set up1 up
addr "$GW" up1 2001:db8:300::2/64
gw_wgpolicy apply "up1 back without its default route: apply"
like "$stderr" "warning: Underlay up1: no default route by up1" "apply warns that up1 has no gateway"
is "$(nsx "$GW" ip route show table all proto 87 dev up1)" "" "A's table has no route by up1"
before=$(packets "$ISP2" wg_to_vpn0)
note "lan1 pings through A without up1's gateway: $(nsx "$LAN1" ping -c3 -i0.2 -W1 203.0.113.31 | grep -o '[0-9]* received')"
is "$(packets "$ISP2" wg_to_vpn0)" "$before" "isp2 got none of A's packets meanwhile"
unseen "nor did up0" "$INET" during_down wg_to_vpn0

pp "$GW" ip route add default via 192.0.2.65 dev up1 metric 200
gw_wgpolicy apply "up1's default route back: apply"
unlike "$stderr" "warning: Underlay" "no warning once up1 has a gateway again"
ok "lan1 pings through A again" wait_for 10 nsx "$LAN1" ping -c1 -W1 203.0.113.31
ok "isp2 carries A's WireGuard again" test "$(packets "$ISP2" wg_to_vpn0)" -gt "$before"
unseen "still not one packet to vpn0's endpoint by up0" "$INET" during_down wg_to_vpn0

# The same with the daemon, which follows up1 by itself: no apply.
nsx "$GW" "$W" daemon -C "$CONF" >"$TMP/daemon.log" 2>&1 &
PIDS+=($!)
ok "the daemon runs" wait_for 10 nsx "$GW" "$W" status
pp "$GW" ip link set up1 down
before=$(packets "$ISP2" wg_to_vpn0)
note "lan1 pings through A with up1 down: $(nsx "$LAN1" ping -c5 -i0.2 -W1 203.0.113.31 | grep -o '[0-9]* received')"
is "$(packets "$ISP2" wg_to_vpn0)" "$before" "daemon, up1 down: isp2 got none of A's packets"
unseen "daemon, up1 down: nor did up0" "$INET" during_down wg_to_vpn0
pp "$GW" ip link set up1 up
addr "$GW" up1 2001:db8:300::2/64 && backup_default
ok "daemon, up1 and its default route back: lan1 pings through A" \
	wait_for 10 nsx "$LAN1" ping -c1 -W1 203.0.113.31
ok "isp2 carries A's WireGuard again" test "$(packets "$ISP2" wg_to_vpn0)" -gt "$before"
unseen "not one packet to vpn0's endpoint by up0, from start to end" "$INET" during_down wg_to_vpn0
ok "the daemon warned while up1 had no gateway" grep -q "warning: Underlay up1" "$TMP/daemon.log"

done_testing
