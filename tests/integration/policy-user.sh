#!/usr/bin/env bash
# Example B, per user: on the gateway itself, uid 1001's traffic leaves by
# tunnel B, uid 1002's goes direct, and root's (no policy) goes direct too.
#
#   [gw: uid 1001 → B, uid 1002 → direct] ══ B ══ [vpn1] ── [inet]
#            └──────────── up0 ─────────────────────────────┘
#
# Proof: vpn1 counts uid 1001's flows coming out of its tunnel from the
# gateway's tunnel address (the RPDB chose the route, and so the source, by
# uid); inet counts uid 1002's flows arriving in clear from the uplink address.
set -u
. "$(dirname "$0")/lab.sh"
lab_start

cat >"$CONF/policy.conf" <<CONF
[Policy backup-user]
User = 1001
Via = $B

[Policy other-user]
User = 1002
Via = direct
CONF
u1001=(setpriv --reuid 1001 --regid 1001 --clear-groups --)
u1002=(setpriv --reuid 1002 --regid 1002 --clear-groups --)

count "$VPN1" u1001 iifname "$S1" ip saddr 10.9.0.2 ip daddr 203.0.113.21 tcp dport 443
count "$VPN1" u1001_6 iifname "$S1" ip6 saddr fd09::2 ip6 daddr 2001:db8:ff::21 tcp dport 443
count "$VPN1" u1002 iifname "$S1" ip daddr 203.0.113.22
count "$VPN1" u1002_6 iifname "$S1" ip6 daddr 2001:db8:ff::22
count "$VPN0" any iifname "$S0" ip daddr 203.0.113.0/24
count "$VPN0" any6 iifname "$S0" ip6 daddr 2001:db8:ff::/64
count "$INET" u1001_clear iifname gw ip daddr 203.0.113.21
count "$INET" u1001_clear6 iifname gw ip6 daddr 2001:db8:ff::21
count "$INET" u1002 iifname gw ip saddr 198.51.100.2 ip daddr 203.0.113.22 tcp dport 443
count "$INET" u1002_6 iifname gw ip6 saddr 2001:db8:100::2 ip6 daddr 2001:db8:ff::22 tcp dport 443
count "$INET" root iifname gw ip saddr 198.51.100.2 ip daddr 203.0.113.23 tcp dport 443

gw_wgpolicy apply
ok "tunnels up" tunnels_ready

echoes "uid 1001 → 203.0.113.21:443: echoed" "$GW" "${u1001[@]}" 203.0.113.21 443
is "$stdout" 10.9.0.2 "uid 1001's socket got tunnel B's address as source"
echoes "uid 1001 → [2001:db8:ff::21]:443: echoed" "$GW" "${u1001[@]}" 2001:db8:ff::21 443
is "$stdout" fd09::2 "uid 1001's IPv6 socket got tunnel B's address as source"
echoes "uid 1002 → 203.0.113.22:443: echoed" "$GW" "${u1002[@]}" 203.0.113.22 443
is "$stdout" 198.51.100.2 "uid 1002's socket got the uplink address"
echoes "uid 1002 → [2001:db8:ff::22]:443: echoed" "$GW" "${u1002[@]}" 2001:db8:ff::22 443
echoes "root (no policy) → 203.0.113.23:443: echoed" "$GW" 203.0.113.23 443
is "$stdout" 198.51.100.2 "root's socket got the uplink address"

seen "vpn1 got uid 1001's IPv4 flow out of its tunnel" "$VPN1" u1001
seen "vpn1 got uid 1001's IPv6 flow out of its tunnel" "$VPN1" u1001_6
unseen "not one packet of uid 1001's flows in clear on the uplink" "$INET" u1001_clear u1001_clear6
seen "inet got uid 1002's IPv4 flow directly from the uplink" "$INET" u1002
seen "inet got uid 1002's IPv6 flow directly from the uplink" "$INET" u1002_6
seen "inet got root's flow directly from the uplink" "$INET" root
unseen "vpn1 saw none of uid 1002's traffic" "$VPN1" u1002 u1002_6
unseen "vpn0 carried nothing to the internet" "$VPN0" any any6

# Datagrams too: the uid is the socket's, whatever the protocol.
count "$VPN1" u1001_udp iifname "$S1" ip saddr 10.9.0.2 ip daddr 203.0.113.21 udp dport 5353
count "$INET" u1002_udp iifname gw ip saddr 198.51.100.2 ip daddr 203.0.113.22 udp dport 5353
probe "$GW" "${u1001[@]}" udp 203.0.113.21 5353 5
probe "$GW" "${u1002[@]}" udp 203.0.113.22 5353 5
is "$(packets "$VPN1" u1001_udp)" 5 "vpn1 got uid 1001's 5 datagrams"
is "$(packets "$INET" u1002_udp)" 5 "inet got uid 1002's 5 datagrams directly"

done_testing
