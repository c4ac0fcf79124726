#!/usr/bin/env bash
# Destination split tunnel with a [Set] File of 10000 prefixes: a destination
# inside the set leaves by tunnel A, one outside goes direct, for the LAN and
# for the gateway itself, IPv4 and IPv6; and the set is a lookup, not 10000
# ip rules.
#
#   [lan1] ── [gw: To = @corp (10000 prefixes) → A] ══ A ══ [vpn0] ── [inet]
#                     └──────────── up0 (the rest) ────────────────────┘
#
# The set holds 203.0.113.64/28 and 2001:db8:ff::40/124 (addresses the
# internet namespace answers on) among 9998 others.
# Proof: vpn0 counts the flows to .70 and ::41 coming out of its tunnel; inet
# counts the flows to .90 and ::99 in clear from the uplink address.
set -u
. "$(dirname "$0")/lab.sh"
lab_start

{
	echo "# 10000 prefixes, one a line"
	echo 203.0.113.64/28
	echo 2001:db8:ff::40/124
	for a in $(seq 100 138); do
		for b in $(seq 0 255); do echo "10.$a.$b.0/24"; done
	done | head -9980
	for i in $(seq 1 18); do printf '2001:db8:%x::/48\n' $((0x1000 + i)); done
} >"$CONF/corp.txt"
is "$(grep -c / "$CONF/corp.txt")" 10000 "the set file holds 10000 prefixes"
cat >"$CONF/policy.conf" <<CONF
[Policy corp]
To = @corp
Via = $A

[Set corp]
File = corp.txt
CONF

count "$VPN0" in_lan iifname "$S0" ip saddr 10.0.1.2 ip daddr 203.0.113.70 tcp dport 443
count "$VPN0" in_lan6 iifname "$S0" ip6 saddr fd00:1::2 ip6 daddr 2001:db8:ff::41 tcp dport 443
count "$VPN0" in_gw iifname "$S0" ip saddr 10.8.0.2 ip daddr 203.0.113.71 tcp dport 443
count "$VPN0" out iifname "$S0" ip daddr 203.0.113.90
count "$VPN0" out6 iifname "$S0" ip6 daddr 2001:db8:ff::99
count "$INET" in_clear iifname gw ip daddr 203.0.113.64/28
count "$INET" in_clear6 iifname gw ip6 daddr 2001:db8:ff::40/124
count "$INET" out iifname gw ip saddr 198.51.100.2 ip daddr 203.0.113.90 tcp dport 443
count "$INET" out6 iifname gw ip6 saddr 2001:db8:100::2 ip6 daddr 2001:db8:ff::99 tcp dport 443

t0=$(now_ms)
gw_wgpolicy apply
note "apply of 10000 prefixes took $(($(now_ms) - t0)) ms"
ok "tunnels up" tunnels_ready
rules=$(nsx "$GW" ip -4 rule show | grep -c 'proto 87')
ok "a lookup, not a rule per prefix: $rules IPv4 rules of ours" test "$rules" -le 8
ok "the prefixes are routes in the policy's table" \
	test "$(nsx "$GW" ip -4 route show table all proto 87 dev "$A" | wc -l)" -ge 9980

echoes "lan1 → 203.0.113.70:443 (in the set): echoed" "$LAN1" 203.0.113.70 443
echoes "lan1 → [2001:db8:ff::41]:443 (in the set): echoed" "$LAN1" 2001:db8:ff::41 443
echoes "the gateway → 203.0.113.71:443 (in the set): echoed" "$GW" 203.0.113.71 443
is "$stdout" 10.8.0.2 "the gateway's socket got A's address"
echoes "lan1 → 203.0.113.90:443 (outside): echoed" "$LAN1" 203.0.113.90 443
echoes "lan1 → [2001:db8:ff::99]:443 (outside): echoed" "$LAN1" 2001:db8:ff::99 443

seen "vpn0 got lan1's IPv4 flow into the set" "$VPN0" in_lan
seen "vpn0 got lan1's IPv6 flow into the set" "$VPN0" in_lan6
seen "vpn0 got the gateway's own flow into the set" "$VPN0" in_gw
unseen "not one packet to the set's addresses in clear on the uplink" "$INET" in_clear in_clear6
seen "inet got the IPv4 flow outside the set directly" "$INET" out
seen "inet got the IPv6 flow outside the set directly" "$INET" out6
unseen "vpn0 saw none of the flows outside the set" "$VPN0" out out6

t0=$(now_ms)
gw_wgpolicy down
note "down of 10000 prefixes took $(($(now_ms) - t0)) ms"
is "$(nsx "$GW" ip -4 route show table all proto 87 | wc -l)" 0 "down removed every route of ours"
done_testing
