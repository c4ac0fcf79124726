#!/usr/bin/env bash
# A tunnelled source subnet still reaches its own gateway, and the gateway
# reaches it: with Example A applied, lan1 pings the gateway's LAN address,
# the gateway pings lan1, and the gateway's ICMP errors (Frag needed, Packet
# too big) reach lan1. The gateway's own packets to the LAN carry a source
# inside 10.0.1.0/24 (its LAN address), so `from 10.0.1.0/24` must not send
# them into the tunnel, nor the guard drop them.
#
#   [lan1 10.0.1.2] ── lan1 10.0.1.1 [gw: From = 10.0.1.0/24 → A] ══ A ══ [vpn0]
#
# Proof: the ping replies arrive, and vpn0 never sees a packet from the
# gateway's LAN address come out of its tunnel. Then the workaround: the LAN
# as a `Via = direct` exception in front.
#
# What makes it work: from the policy's sources to those same prefixes, the
# main table's own routes come first (suppress_prefixlength 0), and the leak
# guard lets that traffic pass.
set -u
. "$(dirname "$0")/lab.sh"
lab_start

office_policy >"$CONF/policy.conf"

count "$VPN0" gw_lan iifname "$S0" ip saddr 10.0.1.1
count "$VPN0" gw_lan6 iifname "$S0" ip6 saddr fd00:1::1

gw_wgpolicy apply
ok "tunnels up" tunnels_ready

ok "lan1 pings its gateway, 10.0.1.1" nsx "$LAN1" ping -c2 -i0.2 -W1 10.0.1.1
ok "lan1 pings its gateway, fd00:1::1" nsx "$LAN1" ping -6 -c2 -i0.2 -W1 fd00:1::1
ok "the gateway pings lan1, 10.0.1.2" nsx "$GW" ping -c2 -i0.2 -W1 10.0.1.2
ok "the gateway pings lan1, fd00:1::2" nsx "$GW" ping -6 -c2 -i0.2 -W1 fd00:1::2
# The gateway's ICMP errors come from that address too: without them, the LAN
# never learns the tunnel's smaller MTU (a path MTU black hole).
pmtu() {
	run nsx "$LAN1" ping -M do -s 1472 -c1 -W1 203.0.113.11
	# "mtu = 1420" from the gateway's error, or "mtu=1420" once lan1 has it cached.
	like "$stdout$stderr" "mtu ?[=:] ?1420" "$1lan1 gets the gateway's Frag needed (mtu 1420)"
	run nsx "$LAN1" ping -6 -M do -s 1452 -c1 -W1 2001:db8:ff::11
	like "$stdout$stderr" "mtu ?[=:] ?1420" "$1lan1 gets the gateway's Packet too big (mtu 1420)"
}
pmtu ""
unseen "vpn0 got no packet from the gateway's LAN address out of its tunnel" "$VPN0" gw_lan gw_lan6
note "the gateway routes its reply to lan1: $(nsx "$GW" ip route get 10.0.1.2 from 10.0.1.1 | head -1)"

# The workaround the man page's example shows: the LAN as a `direct` exception, first.
{
	printf '[Policy lan]\nTo = 10.0.1.0/24, fd00:1::/64\nVia = direct\n\n'
	office_policy
} >"$CONF/policy.conf"
gw_wgpolicy apply "apply with the LAN excepted first"
ok "excepted: lan1 pings its gateway, 10.0.1.1" nsx "$LAN1" ping -c2 -i0.2 -W1 10.0.1.1
ok "excepted: lan1 pings its gateway, fd00:1::1" nsx "$LAN1" ping -6 -c2 -i0.2 -W1 fd00:1::1
ok "excepted: the gateway pings lan1, 10.0.1.2" nsx "$GW" ping -c2 -i0.2 -W1 10.0.1.2
ok "excepted: the gateway pings lan1, fd00:1::2" nsx "$GW" ping -6 -c2 -i0.2 -W1 fd00:1::2
pmtu "excepted: "

done_testing
