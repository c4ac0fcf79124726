#!/usr/bin/env bash
# Multi-hop: tunnel B has `Underlay = A`, so its encrypted packets travel
# inside tunnel A. lan1's traffic goes by B; vpn1 (B's server) is reached
# only through vpn0 (A's server), which forwards B's UDP on from its own
# address.
#
#   [lan1] ── [gw: From 10.0.1.0/24 → B] ══ A ══ [vpn0] ── [inet] ── [vpn1] ── [inet]
#                                  ╚══════ B, inside A as far as vpn0 ══════╝
#
# B keeps its peer alive (PersistentKeepalive), so it sends from the moment
# it exists: not one of its packets may take the main table's way, not even
# while `apply` is still putting its rules in.
# Proof: vpn0 counts B's UDP coming out of tunnel A from the gateway's
# address in A; inet counts what the gateway's uplink carried (WireGuard to
# vpn0 only, never UDP to vpn1's endpoint, never lan1's flow in clear);
# vpn1 counts lan1's flow out of B and sees the gateway's handshake from
# vpn0's address. Both tunnels have MTU = auto: A the uplink's 1500 less
# IPv4 WireGuard's 60 bytes, B A's less 60 again; a packet of B's full MTU
# fills A's exactly and crosses both hops unfragmented. When A is deleted,
# B's packets go nowhere (not by the uplink); apply brings A back, and B with
# it. Last, `down` while B is busy: still nothing of B's by the uplink.
set -u
. "$(dirname "$0")/lab.sh"
lab_start

# count_fragments NS NAME MATCH...: IPv4 fragments, counted before conntrack reassembles them.
count_fragments() {
	local ns=$1 name=$2; shift 2
	nsx "$ns" nft add chain inet lab early "{ type filter hook prerouting priority -450; }" 2>/dev/null
	nsx "$ns" nft add counter inet lab "$name" &&
		nsx "$ns" nft add rule inet lab early "$@" ip frag-off "&" 0x3fff "!=" 0 counter name "$name"
}

sed -i "s/^\[Interface\]/&\nMTU = auto/" "$CONF/$A.conf"
sed -i "s/^\[Interface\]/&\nUnderlay = $A\nMTU = auto/; s/^\[Peer\]/&\nPersistentKeepalive = 25/" \
	"$CONF/$B.conf"
printf '[Policy office]\nFrom = 10.0.1.0/24, fd00:1::/64\nVia = %s\n' "$B" >"$CONF/policy.conf"

# From here on, the gateway's uplink must never carry UDP to vpn1's endpoint.
count "$INET" wg_to_vpn1 iifname gw ip daddr 192.0.2.18 udp dport 51820
count "$INET" wg_to_vpn1_6 iifname gw ip6 daddr 2001:db8:201::2 udp dport 51820
count "$INET" wg_to_vpn0 iifname gw ip saddr 198.51.100.2 ip daddr 192.0.2.2 udp dport 51820
count "$INET" lan1_clear iifname gw ip daddr 203.0.113.21
count "$INET" lan1_clear6 iifname gw ip6 daddr 2001:db8:ff::21
count "$INET" lan1_via_vpn1 iifname v1 ip saddr 192.0.2.18 ip daddr 203.0.113.21 tcp dport 80
count "$VPN0" b_in_a iifname "$S0" ip saddr 10.8.0.2 ip daddr 192.0.2.18 udp dport 51820
count "$VPN0" lan1_in_a iifname "$S0" ip daddr 203.0.113.21
count "$VPN1" lan1 iifname "$S1" ip saddr 10.0.1.2 ip daddr 203.0.113.21 tcp dport 80
count "$VPN1" lan1_6 iifname "$S1" ip6 saddr fd00:1::2 ip6 daddr 2001:db8:ff::21 tcp dport 80
count "$VPN1" big iifname "$S1" ip saddr 10.0.1.2 icmp type echo-request

gw_wgpolicy apply
ok "tunnel B up through A (vpn1's tunnel address answers)" \
	wait_for 10 nsx "$GW" ping -c1 -W1 10.9.0.1
run nsx "$GW" "$W" plan -C "$CONF"
is "$status" 0 "plan right after apply: nothing to change"

echoes "lan1 → 203.0.113.21:80 through B: echoed" "$LAN1" 203.0.113.21 80
echoes "lan1 → [2001:db8:ff::21]:80 through B: echoed" "$LAN1" 2001:db8:ff::21 80
seen "vpn1 got lan1's IPv4 flow out of B, from 10.0.1.2" "$VPN1" lan1
seen "vpn1 got lan1's IPv6 flow out of B, from fd00:1::2" "$VPN1" lan1_6
seen "inet got lan1's flow from vpn1's address" "$INET" lan1_via_vpn1
seen "vpn0 got B's WireGuard out of tunnel A, from the gateway's address in A" "$VPN0" b_in_a
unseen "vpn0 saw none of lan1's flow in clear" "$VPN0" lan1_in_a
seen "the uplink carried WireGuard to vpn0" "$INET" wg_to_vpn0 6
unseen "the uplink carried no UDP to vpn1's endpoint, from apply on" "$INET" wg_to_vpn1 wg_to_vpn1_6
unseen "not one packet of lan1's flows in clear on the uplink" "$INET" lan1_clear lan1_clear6

# vpn1 knows the gateway by where its packets came from: vpn0, which forwarded them.
gw_pub=$(nsx "$GW" wg show "$B" public-key)
endpoint=$(nsx "$VPN1" wg show "$S1" endpoints | awk -v k="$gw_pub" '$1 == k { print $2 }')
note "vpn1's endpoint for the gateway: $endpoint"
like "$endpoint" '^192\.0\.2\.2:[0-9]+$' "vpn1 sees the gateway at vpn0's address, behind hop 1"

mtu_a=$(nsx "$GW" cat "/sys/class/net/$A/mtu")
mtu_b=$(nsx "$GW" cat "/sys/class/net/$B/mtu")
note "MTU: up0 $(nsx "$GW" cat /sys/class/net/up0/mtu), A $mtu_a, B $mtu_b"
is "$mtu_a" $(($(nsx "$GW" cat /sys/class/net/up0/mtu) - 60)) "MTU = auto: A is the uplink's MTU less 60"
is "$mtu_b" $((mtu_a - 60)) "MTU = auto: B is A's MTU less a second 60"
count "$VPN0" b_full iifname "$S0" ip saddr 10.8.0.2 ip daddr 192.0.2.18 udp dport 51820 \
	ip length "$mtu_a"
count_fragments "$INET" frags iifname gw
count_fragments "$VPN0" frags iifname "$S0"
ok "lan1 pings through both hops with B's full MTU, DF set" \
	nsx "$LAN1" ping -c3 -i0.2 -W2 -M "do" -s $((mtu_b - 28)) 203.0.113.21
is "$(packets "$VPN1" big)" 3 "vpn1 got the 3 full-size echo requests"
seen "vpn0 got B's packets out of A at A's full MTU, $mtu_a bytes" "$VPN0" b_full
unseen "no fragment on the uplink or out of A" "$INET" frags
unseen "no fragment out of tunnel A at vpn0" "$VPN0" frags

# The gateway's own traffic to vpn1's endpoint is no tunnel's: it goes direct.
count "$INET" gw_to_vpn1 iifname gw ip saddr 198.51.100.2 ip daddr 192.0.2.18 icmp type echo-request
ok "the gateway itself still pings vpn1's endpoint" nsx "$GW" ping -c1 -W2 192.0.2.18
is "$(packets "$INET" gw_to_vpn1)" 1 "directly, by the uplink"

# Tunnel A dies under B: B's packets have no way left, and must not take the uplink.
pp "$GW" ip link del "$A"
note "lan1 pings through B with A gone: $(nsx "$LAN1" ping -c5 -i0.2 -W1 203.0.113.21 | grep -o '[0-9]* received')"
unseen "A gone: no UDP to vpn1's endpoint on the uplink" "$INET" wg_to_vpn1 wg_to_vpn1_6
unseen "A gone: nothing of lan1's in clear on the uplink" "$INET" lan1_clear lan1_clear6
gw_wgpolicy apply "apply brings A back"
ok "lan1 pings through B again" wait_for 15 nsx "$LAN1" ping -c1 -W1 203.0.113.21
unseen "and still no UDP to vpn1's endpoint on the uplink" "$INET" wg_to_vpn1 wg_to_vpn1_6

# Going down must not send B's packets by the uplink either, at no moment.
# wireguard-go sends by the source and device B's last answer came by, whatever
# the rules say; the kernel's WireGuard does not, and re-setting the endpoint
# (as an Endpoint change or the daemon's re-resolution does) makes wireguard-go
# forget them too. So: the endpoint re-set, the gateway pinging vpn1's tunnel
# address through B all along, and a PreDown hook of B's that takes a while.
pp "$GW" wg set "$B" peer "$(nsx "$VPN1" wg show "$S1" public-key)" endpoint 192.0.2.18:51820
sed -i "s/^\[Interface\]/&\nPreDown = sleep 2/" "$CONF/$B.conf"
timeout 15 ip netns exec "$GW" ping -q -i 0.05 -c 200 10.9.0.1 >/dev/null 2>&1 &
PIDS+=($!)
ok "B still works after its endpoint was re-set" wait_for 5 nsx "$GW" ping -c1 -W1 10.9.0.1
gw_wgpolicy down
unseen "after down, still no UDP to vpn1's endpoint on the uplink" "$INET" wg_to_vpn1 wg_to_vpn1_6

done_testing
