#!/usr/bin/env bash
# Example A, a source subnet: everything from 10.0.1.0/24 (and fd00:1::/64)
# leaves by tunnel A; the other LAN goes by the default gateway.
#
#   [lan1] ── [gw: From = 10.0.1.0/24 → A] ══ A ══ [vpn0] ── [inet]
#   [lan2] ──┘        └──────────── up0, NAT ──────────────┘
#
# Proof: vpn0 counts lan1's packets coming out of its tunnel with lan1's own
# address; inet counts what the gateway's uplink carried: lan1's flows only
# as WireGuard to vpn0, lan2's in clear from the gateway's uplink address.
set -u
. "$(dirname "$0")/lab.sh"
lab_start
office_policy >"$CONF/policy.conf"

# lan1 talks to .11 and ::11, lan2 to .12 and ::12: each flow has a destination of its own.
count "$VPN0" lan1 iifname "$S0" ip saddr 10.0.1.2 ip daddr 203.0.113.11 tcp dport 80
count "$VPN0" lan1_6 iifname "$S0" ip6 saddr fd00:1::2 ip6 daddr 2001:db8:ff::11 tcp dport 80
count "$VPN0" lan2 iifname "$S0" ip daddr 203.0.113.12
count "$VPN0" lan2_6 iifname "$S0" ip6 daddr 2001:db8:ff::12
count "$VPN1" any iifname "$S1" ip daddr 203.0.113.0/24
count "$VPN1" any6 iifname "$S1" ip6 daddr 2001:db8:ff::/64
count "$INET" lan1_clear iifname gw ip daddr 203.0.113.11
count "$INET" lan1_clear6 iifname gw ip6 daddr 2001:db8:ff::11
count "$INET" lan1_via_vpn0 iifname v0 ip saddr 192.0.2.2 ip daddr 203.0.113.11 tcp dport 80
count "$INET" wg_to_vpn0 iifname gw ip saddr 198.51.100.2 ip daddr 192.0.2.2 udp dport 51820
count "$INET" lan2 iifname gw ip saddr 198.51.100.2 ip daddr 203.0.113.12 tcp dport 80
count "$INET" lan2_6 iifname gw ip6 saddr 2001:db8:100::2 ip6 daddr 2001:db8:ff::12 tcp dport 80

gw_wgpolicy apply
ok "tunnels up" tunnels_ready

echoes "lan1 → 203.0.113.11:80: echoed" "$LAN1" 203.0.113.11 80
echoes "lan1 → [2001:db8:ff::11]:80: echoed" "$LAN1" 2001:db8:ff::11 80
echoes "lan2 → 203.0.113.12:80: echoed" "$LAN2" 203.0.113.12 80
echoes "lan2 → [2001:db8:ff::12]:80: echoed" "$LAN2" 2001:db8:ff::12 80

seen "vpn0 got lan1's IPv4 flow out of its tunnel, from 10.0.1.2" "$VPN0" lan1
seen "vpn0 got lan1's IPv6 flow out of its tunnel, from fd00:1::2" "$VPN0" lan1_6
seen "inet got lan1's flow from vpn0's address" "$INET" lan1_via_vpn0
seen "the uplink carried WireGuard to vpn0" "$INET" wg_to_vpn0 6
unseen "not one packet of lan1's flows in clear on the uplink" "$INET" lan1_clear lan1_clear6
seen "inet got lan2's IPv4 flow from the gateway's uplink address" "$INET" lan2
seen "inet got lan2's IPv6 flow from the gateway's uplink address" "$INET" lan2_6
unseen "vpn0 saw none of lan2's traffic" "$VPN0" lan2 lan2_6
unseen "vpn1 carried nothing to the internet" "$VPN1" any any6

# ICMP follows the same path: a ping is a packet like any other.
count "$VPN0" lan1_ping iifname "$S0" ip saddr 10.0.1.2 icmp type echo-request
count "$INET" lan2_ping iifname gw ip saddr 198.51.100.2 ip daddr 203.0.113.12 icmp type echo-request
ok "lan1 pings 203.0.113.11" nsx "$LAN1" ping -c3 -i0.2 -W2 203.0.113.11
ok "lan2 pings 203.0.113.12" nsx "$LAN2" ping -c3 -i0.2 -W2 203.0.113.12
is "$(packets "$VPN0" lan1_ping)" 3 "vpn0 got lan1's 3 echo requests"
is "$(packets "$INET" lan2_ping)" 3 "inet got lan2's 3 echo requests directly"

done_testing
