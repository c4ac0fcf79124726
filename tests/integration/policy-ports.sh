#!/usr/bin/env bash
# Ports and protocol, and a `direct` exception inside a tunnelled subnet:
# TCP to port 443 leaves by tunnel A, other ports and UDP to 443 go direct;
# 203.0.113.128/25 leaves by tunnel B except 203.0.113.160/28, which goes
# direct because its policy comes first.
#
#   [lan1] ── [gw: tcp/443 → A; .160/28 → direct; .128/25 → B] ══ A ══ [vpn0] ── [inet]
#                     │                                        ══ B ══ [vpn1] ──┘
#                     └──────────── up0 (the rest) ─────────────────────────────┘
#
# Proof: per flow, the counter at the end it must reach moves and the
# counters at the other ends stay at 0.
set -u
. "$(dirname "$0")/lab.sh"
lab_start

cat >"$CONF/policy.conf" <<CONF
[Policy web]
IPProtocol = tcp
DestinationPort = 443
Via = $A

[Policy exception]
To = 203.0.113.160/28
Via = direct

[Policy range]
To = 203.0.113.128/25
Via = $B
CONF

count "$VPN0" web iifname "$S0" ip saddr 10.0.1.2 ip daddr 203.0.113.50 tcp dport 443
count "$VPN0" web6 iifname "$S0" ip6 saddr fd00:1::2 ip6 daddr 2001:db8:ff::50 tcp dport 443
count "$VPN0" other iifname "$S0" ip daddr 203.0.113.50 th dport != 443
count "$VPN0" udp443 iifname "$S0" udp dport 443
count "$VPN1" web iifname "$S1" ip daddr 203.0.113.50
count "$INET" web_clear iifname gw tcp dport 443 ip daddr 203.0.113.50
count "$INET" web_clear6 iifname gw tcp dport 443 ip6 daddr 2001:db8:ff::50
count "$INET" other iifname gw ip saddr 198.51.100.2 ip daddr 203.0.113.50 tcp dport 80
count "$INET" other6 iifname gw ip6 saddr 2001:db8:100::2 ip6 daddr 2001:db8:ff::50 tcp dport 80
count "$INET" udp443 iifname gw ip saddr 198.51.100.2 ip daddr 203.0.113.50 udp dport 443

count "$VPN1" range iifname "$S1" ip saddr 10.0.1.2 ip daddr 203.0.113.130 tcp dport 8080
count "$VPN1" exception iifname "$S1" ip daddr 203.0.113.165
count "$VPN0" range iifname "$S0" ip daddr 203.0.113.128/25 tcp dport 8080
count "$INET" range_clear iifname gw ip daddr 203.0.113.130
count "$INET" exception iifname gw ip saddr 198.51.100.2 ip daddr 203.0.113.165 tcp dport 8080

gw_wgpolicy apply
ok "tunnels up" tunnels_ready

echoes "lan1 → 203.0.113.50 tcp/443: echoed" "$LAN1" 203.0.113.50 443
echoes "lan1 → [2001:db8:ff::50] tcp/443: echoed" "$LAN1" 2001:db8:ff::50 443
echoes "lan1 → 203.0.113.50 tcp/80: echoed" "$LAN1" 203.0.113.50 80
echoes "lan1 → [2001:db8:ff::50] tcp/80: echoed" "$LAN1" 2001:db8:ff::50 80
probe "$LAN1" -- udp 203.0.113.50 443 5

seen "vpn0 got tcp/443 (IPv4)" "$VPN0" web
seen "vpn0 got tcp/443 (IPv6)" "$VPN0" web6
unseen "not one packet of tcp/443 in clear on the uplink" "$INET" web_clear web_clear6
seen "inet got tcp/80 directly (IPv4)" "$INET" other
seen "inet got tcp/80 directly (IPv6)" "$INET" other6
is "$(packets "$INET" udp443)" 5 "inet got the 5 udp/443 datagrams directly"
unseen "vpn0 saw neither tcp/80 nor udp/443" "$VPN0" other udp443
unseen "vpn1 saw none of it" "$VPN1" web

echoes "lan1 → 203.0.113.130:8080 (tunnelled range): echoed" "$LAN1" 203.0.113.130 8080
echoes "lan1 → 203.0.113.165:8080 (exception): echoed" "$LAN1" 203.0.113.165 8080
seen "vpn1 got the flow into the tunnelled range" "$VPN1" range
unseen "not one packet to the tunnelled range in clear on the uplink" "$INET" range_clear
seen "inet got the exception's flow directly" "$INET" exception
unseen "vpn1 saw none of the exception's traffic" "$VPN1" exception
unseen "vpn0 saw none of the range's traffic" "$VPN0" range

done_testing
