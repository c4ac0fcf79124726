#!/usr/bin/env bash
# Kill switch under tunnel death, IPv4 and IPv6: while traffic flows, the VPN
# servers die, then the gateway's tunnel interfaces are deleted; not one
# packet of the policies' traffic leaves the gateway's uplink in clear, with
# the nftables guard (KillSwitch = yes) or by the routes alone (KillSwitch =
# routes: lan1's flow to 203.0.113.68).
#
#   [lan1] ── [gw: From 10.0.1.0/24, fd00:1::/64 → A; uid 1001 → B] ══ A ══ [vpn0] ── [inet]
#                    │ (KillSwitch = yes)                             ══ B ══ [vpn1] ──┘
#                    └──────────── up0: must carry nothing of theirs ──────────────────┘
#
# Flows, bounded: lan1 pings 203.0.113.66 and 2001:db8:ff::66 every 50 ms
# for 10 s; uid 1001 on the gateway sends a datagram to 203.0.113.67 and one
# to 2001:db8:ff::67 every 20 ms for 8 s.
# Last, a foreign rule sends everything by the main table before wgpolicy's
# rules: plan warns of it, and the nftables leak guard alone must then hold
# the traffic back (the routes-only policy's flow is stopped before: its
# kill switch is in its tables, which the foreign rule bypasses).
# Proof: inet counts every packet to those addresses that arrives from the
# gateway (must stay 0, and so every echo request from it), while the
# gateway's own counter on its LAN side shows lan1's flow kept coming.
set -u
. "$(dirname "$0")/lab.sh"
lab_start

{
	printf '[Policy dest-routes]\nTo = 203.0.113.68/32\nVia = %s\nKillSwitch = routes\n\n' "$A"
	office_policy "KillSwitch = yes" ""
	printf '[Policy backup-user]\nUser = 1001\nVia = %s\nKillSwitch = yes\n' "$B"
} >"$CONF/policy.conf"

count "$INET" leak_lan iifname gw ip daddr 203.0.113.66
count "$INET" leak_lan6 iifname gw ip6 daddr 2001:db8:ff::66
count "$INET" leak_uid iifname gw ip daddr 203.0.113.67
count "$INET" leak_uid6 iifname gw ip6 daddr 2001:db8:ff::67
count "$INET" leak_routes iifname gw ip daddr 203.0.113.68
count "$INET" leak_echo iifname gw icmp type echo-request
count "$INET" leak_echo6 iifname gw icmpv6 type echo-request
count "$VPN0" lan iifname "$S0" ip saddr 10.0.1.2 ip daddr 203.0.113.66
count "$VPN0" lan6 iifname "$S0" ip6 saddr fd00:1::2 ip6 daddr 2001:db8:ff::66
count "$VPN0" routes iifname "$S0" ip daddr 203.0.113.68
count "$VPN1" uid iifname "$S1" ip saddr 10.9.0.2 ip daddr 203.0.113.67
count "$VPN1" uid6 iifname "$S1" ip6 saddr fd09::2 ip6 daddr 2001:db8:ff::67
count "$GW" from_lan iifname lan1 ip daddr 203.0.113.66
count "$GW" from_lan6 iifname lan1 ip6 daddr 2001:db8:ff::66

leaks() {
	echo "$(packets "$INET" leak_lan) $(packets "$INET" leak_lan6) $(packets "$INET" leak_uid)" \
		"$(packets "$INET" leak_uid6) $(packets "$INET" leak_echo) $(packets "$INET" leak_echo6)" \
		"$(packets "$INET" leak_routes)"
}
none="0 0 0 0 0 0 0"
gone() { local pid; for pid; do ! kill -0 "$pid" 2>/dev/null || return 1; done; }
arrived() { echo $(($(packets "$GW" from_lan) + $(packets "$GW" from_lan6))); }
flowing() { test "$(packets "$VPN0" lan)" -ge 5 && test "$(packets "$VPN0" lan6)" -ge 5 &&
	test "$(packets "$VPN0" routes)" -ge 5 &&
	test "$(packets "$VPN1" uid)" -ge 5 && test "$(packets "$VPN1" uid6)" -ge 5; }

gw_wgpolicy apply
ok "tunnels up" tunnels_ready

# Not through nsx: a function in the background is a subshell, and $! would name it.
timeout 15 ip netns exec "$LAN1" ping -q -i 0.05 -c 250 203.0.113.66 >/dev/null 2>&1 &
flows=($!)
timeout 15 ip netns exec "$LAN1" ping -6 -q -i 0.05 -c 250 2001:db8:ff::66 >/dev/null 2>&1 &
flows+=($!)
timeout 15 ip netns exec "$LAN1" ping -q -i 0.05 -c 250 203.0.113.68 >/dev/null 2>&1 &
routes_flow=$!
flows+=($!)
for dst in 203.0.113.67 2001:db8:ff::67; do
	timeout 15 ip netns exec "$GW" setpriv --reuid 1001 --regid 1001 --clear-groups -- \
		/usr/bin/python3 - udp "$dst" 9 400 <"$PROBE" >/dev/null 2>&1 &
	flows+=($!)
done
PIDS+=("${flows[@]}")

ok "all five flows come out of their tunnels" wait_for 5 flowing
is "$(leaks)" "$none" "nothing in clear on the uplink while the tunnels work"

before=$(arrived)
pp "$VPN0" kill "$(lab_server_pid "$VPN0")"
pp "$VPN1" kill "$(lab_server_pid "$VPN1")"
sleep 2
ok "lan1's flow kept reaching the gateway after the servers died" test "$(arrived)" -gt $((before + 20))
is "$(leaks)" "$none" "servers dead: nothing in clear on the uplink"

before=$(arrived)
pp "$GW" ip link del "$A"
pp "$GW" ip link del "$B"
sleep 2
ok "lan1's flow kept reaching the gateway after the tunnels went" test "$(arrived)" -gt $((before + 20))
like "$(nsx "$GW" ip -4 route show table all proto 87)" "^unreachable default" \
	"the policies' tables are left with their unreachable defaults"
is "$(leaks)" "$none" "tunnels deleted: nothing in clear on the uplink"

# Now something else routes everything by the main table first: only the
# nftables leak guard stands between the policies' traffic and the uplink.
kill "$routes_flow" 2>/dev/null
wait_for 5 gone "$routes_flow"
before=$(arrived)
pp "$GW" ip -4 rule add pref 9000 lookup main
pp "$GW" ip -6 rule add pref 9000 lookup main
run nsx "$GW" "$W" plan -C "$CONF"
like "$stderr" "warning: .*pref 9000.* takes policy .*'s traffic" "plan warns of the foreign rule"
sleep 2
ok "lan1's flow kept reaching the gateway under the foreign rule" test "$(arrived)" -gt $((before + 20))
is "$(leaks)" "$none" "a foreign rule sends all by main: the guard lets nothing out in clear"

for pid in "${flows[@]}"; do kill "$pid" 2>/dev/null; done
wait_for 5 gone "${flows[@]}"
is "$(leaks)" "$none" "in the end, not one packet to .66/::66/.67/::67 and no echo request in clear"
note "inet counters (lan, lan6, uid, uid6, echo, echo6, routes): $(leaks)"

done_testing
