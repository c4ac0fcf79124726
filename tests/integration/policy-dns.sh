#!/usr/bin/env bash
# A policy's DNS does not leak: lan1's subnet goes by tunnel A with `DNS =
# tunnel`, so its queries to any resolver (one out on the internet, the
# gateway itself) are redirected to A's server, 10.8.0.1 / fd08::1 at vpn0,
# through A; uid 1001's go by B to B's 10.9.0.1, its IPv6 queries (B's DNS has
# no IPv6 server) are dropped, and its query to the gateway's local stub
# (127.0.0.53) is left alone.
#
#   [lan1] ── [gw: From = 10.0.1.0/24 → A, DNS = tunnel] ══ A ══ [vpn0: 10.8.0.1:53] ── [inet]
#             [gw: uid 1001 → B, DNS = tunnel]           ══ B ══ [vpn1: 10.9.0.1:53]
#
# Proof: a UDP echo on port 53 at each VPN server answers, and the answer
# comes back from the address asked (the redirect is undone on the way back);
# vpn0 and vpn1 count the queries out of their tunnels; inet counts every
# packet to port 53 it gets, which must be none. After `down` the NAT chains
# are gone and lan1's query reaches inet again.
set -u
. "$(dirname "$0")/lab.sh"
lab_start
resolvconf_standin

sed -i 's/^Table = off$/Table = off\nDNS = 10.8.0.1, fd08::1/' "$CONF/$A.conf"
sed -i 's/^Table = off$/Table = off\nDNS = 10.9.0.1/' "$CONF/$B.conf"
{
	office_policy "DNS = tunnel"
	printf '\n[Policy backup-user]\nUser = 1001\nVia = %s\nDNS = tunnel\n' "$B"
} >"$CONF/policy.conf"
u1001=(setpriv --reuid 1001 --regid 1001 --clear-groups --)

# serve NS: a TCP and a UDP echo on port 53 in NS, as its resolver.
serve53() {
	nsx "$1" /usr/bin/python3 - serve 53 <"$PROBE" >/dev/null 2>&1 &
	PIDS+=($!)
	nsx "$1" /usr/bin/python3 - udpecho "${2:-::}" 53 <"$PROBE" >/dev/null 2>&1 &
	PIDS+=($!)
	wait_for 5 sh -c "ip netns exec $1 ss -Hlun 'sport = :53' | grep -q . &&
		ip netns exec $1 ss -Hltn 'sport = :53' | grep -q ."
}
ok "vpn0 serves port 53" serve53 "$VPN0"
ok "vpn1 serves port 53" serve53 "$VPN1"
nsx "$GW" ip addr add 127.0.0.53/8 dev lo 2>/dev/null
nsx "$GW" /usr/bin/python3 - udpecho 127.0.0.53 53 <"$PROBE" >/dev/null 2>&1 &
PIDS+=($!)

count "$VPN0" q4 iifname "$S0" ip saddr 10.0.1.2 ip daddr 10.8.0.1 udp dport 53
count "$VPN0" q6 iifname "$S0" ip6 saddr fd00:1::2 ip6 daddr fd08::1 udp dport 53
count "$VPN0" qtcp iifname "$S0" ip saddr 10.0.1.2 ip daddr 10.8.0.1 tcp dport 53
count "$VPN1" u1001 iifname "$S1" ip saddr 10.9.0.2 ip daddr 10.9.0.1 udp dport 53
count "$VPN1" u1001_6 iifname "$S1" meta nfproto ipv6 th dport 53
count "$INET" leak meta l4proto '{ tcp, udp }' th dport 53

gw_wgpolicy apply
ok "tunnels up" tunnels_ready
run nsx "$GW" nft list table inet wgpolicy
has "$stdout" "chain dns_in" "the table has the forwarded queries' NAT chain"
has "$stdout" "chain dns_out" "the table has this host's queries' NAT chain"

run probe "$LAN1" -- ask 203.0.113.53 53
is "$status" 0 "lan1 asks 203.0.113.53:53 over UDP: answered"
is "$stdout" 203.0.113.53 "the answer comes from the address lan1 asked"
run probe "$LAN1" -- ask 2001:db8:ff::53 53
is "$status" 0 "lan1 asks [2001:db8:ff::53]:53 over UDP: answered"
run probe "$LAN1" -- ask 10.0.1.1 53
is "$status" 0 "lan1 asks the gateway 10.0.1.1:53: answered (by vpn0)"
run probe "$LAN1" -- ask 10.8.0.1 53
is "$status" 0 "lan1 asks A's server itself: answered"
echoes "lan1 → 203.0.113.53:53 over TCP: answered" "$LAN1" 203.0.113.53 53
is "$(packets "$VPN0" q4)" 3 "vpn0 got lan1's 3 IPv4 UDP queries out of tunnel A, to 10.8.0.1"
is "$(packets "$VPN0" q6)" 1 "vpn0 got lan1's IPv6 UDP query out of tunnel A, to fd08::1"
seen "vpn0 got lan1's TCP query out of tunnel A" "$VPN0" qtcp
unseen "not one packet to port 53 reached the internet" "$INET" leak

run probe "$GW" "${u1001[@]}" ask 203.0.113.53 53
is "$status" 0 "uid 1001 asks 203.0.113.53:53: answered"
is "$stdout" 203.0.113.53 "uid 1001's answer comes from the address it asked"
is "$(packets "$VPN1" u1001)" 1 "vpn1 got uid 1001's query out of tunnel B, to 10.9.0.1"
run probe "$GW" "${u1001[@]}" ask 2001:db8:ff::53 53
is "$((status != 0))" 1 "uid 1001's IPv6 query (B has no IPv6 server): not answered"
run probe "$GW" "${u1001[@]}" ask 127.0.0.53 53
is "$status" 0 "uid 1001 asks the local stub 127.0.0.53: answered by it, left alone"
unseen "vpn1 got no IPv6 query" "$VPN1" u1001_6
unseen "still not one packet to port 53 reached the internet" "$INET" leak

run nsx "$GW" "$W" explain -C "$CONF" to 203.0.113.53 from 10.0.1.2 iif lan1 ipproto udp dport 53
has "$stdout" "its DNS redirects it to 10.8.0.1" "explain: lan1's query is redirected to A's server"

gw_wgpolicy plan "plan after apply"
lacks "$stdout" "nft" "plan: the table with its NAT chains is as compiled, nothing to do"
gw_wgpolicy status

gw_wgpolicy down
run nsx "$GW" nft list ruleset
lacks "$stdout" "dns_in" "down: no chain dns_in is left"
lacks "$stdout" "dns_out" "down: no chain dns_out is left"
lacks "$stdout" "table inet wgpolicy" "down: the table is gone"
run probe "$LAN1" -- ask 203.0.113.53 53
is "$((status != 0))" 1 "after down, lan1's query is not answered by vpn0 any more"
seen "after down, lan1's query goes to the internet again" "$INET" leak 1

done_testing
