#!/usr/bin/env bash
# MSS clamping: a TCP SYN from the LAN (MTU 1500, so MSS 1460 / 1440) that
# the gateway sends into tunnel A (MTU 1420) comes out at the server with
# the MSS the tunnel's MTU allows: 1380 for IPv4, 1360 for IPv6.
#
#   [lan1: mtu 1500] ── [gw: From 10.0.1.0/24 → A, MSSClamp] ══ A (mtu 1420) ══ [vpn0]
#
# Proof: the gateway counts lan1's SYNs with MSS 1460/1440 on arrival, vpn0
# counts them coming out of its tunnel with 1380/1360 and none with the
# original value. Twice: with the kill switch's leak guard, whose
# postrouting chain clamps; with `KillSwitch = routes`, an egress hook of
# the tunnel.
set -u
. "$(dirname "$0")/lab.sh"
lab_start

office_policy >"$CONF/policy.conf"

syn=(tcp flags "&" "(syn | ack)" "==" syn)
count "$GW" syn_in iifname lan1 ip saddr 10.0.1.2 "${syn[@]}" tcp option maxseg size 1460
count "$GW" syn_in6 iifname lan1 ip6 saddr fd00:1::2 "${syn[@]}" tcp option maxseg size 1440
count "$VPN0" clamped iifname "$S0" ip saddr 10.0.1.2 "${syn[@]}" tcp option maxseg size 1380
count "$VPN0" clamped6 iifname "$S0" ip6 saddr fd00:1::2 "${syn[@]}" tcp option maxseg size 1360
count "$VPN0" syn iifname "$S0" ip saddr 10.0.1.2 "${syn[@]}"
count "$VPN0" syn6 iifname "$S0" ip6 saddr fd00:1::2 "${syn[@]}"

gw_wgpolicy apply
ok "tunnels up" tunnels_ready
is "$(nsx "$GW" cat "/sys/class/net/$A/mtu")" 1420 "tunnel A's MTU is 1420"

# clamped_syns N HOW: the Nth SYN of each family was clamped on its way.
clamped_syns() {
	echoes "lan1 → 203.0.113.80:443 through A: echoed ($2)" "$LAN1" 203.0.113.80 443
	echoes "lan1 → [2001:db8:ff::80]:443 through A: echoed ($2)" "$LAN1" 2001:db8:ff::80 443
	is "$(packets "$GW" syn_in)/$(packets "$GW" syn_in6)" "$1/$1" \
		"lan1 sent $1 SYN each with MSS 1460 / 1440 ($2)"
	is "$(packets "$VPN0" syn)/$(packets "$VPN0" syn6)" "$1/$1" "vpn0 got them out of its tunnel ($2)"
	is "$(packets "$VPN0" clamped)" "$1" "the IPv4 SYNs came out with MSS 1380 ($2)"
	is "$(packets "$VPN0" clamped6)" "$1" "the IPv6 SYNs came out with MSS 1360 ($2)"
}

clamped_syns 1 "the guard's chain"
like "$(nsx "$GW" nft list chain inet wgpolicy guard)" "oifname \"$A\" tcp option maxseg size > 1380" \
	"the clamp is in the guard's postrouting chain"
is "$(nsx "$GW" nft list tables | grep -c netdev)" 0 "and no egress hook"

office_policy "KillSwitch = routes" >"$CONF/policy.conf"
gw_wgpolicy apply
like "$(nsx "$GW" nft list table netdev wgpolicy)" "hook egress device \"$A\"" \
	"without the guard, the clamp is in an egress hook of A"
clamped_syns 2 "the tunnel's egress hook"

done_testing
