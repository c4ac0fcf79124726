#!/usr/bin/env bash
# A tunnel's life as an operator lives it, with lan1 sending all along:
# tunnel A deleted behind wgpolicy's back, and `status` names it as missing
# with the policy that needs it, while the kill switch holds the flow; the
# policy moved from A to B and back (by `apply`, then by the daemon's
# reload) while lan1 pings, IPv4 and IPv6, without one packet in clear; then
# the daemon killed (SIGKILL: no clean-up of its own) and `down` gives the
# gateway back as it was before, lan1 going direct again.
#
#   [lan1] ── [gw: office From 10.0.1.0/24, fd00:1::/64 → A, then B] ══ A ══ [vpn0] ── [inet]
#                    │                                                ══ B ══ [vpn1] ──┘
#                    └──────────── up0: must carry nothing of lan1's until down ────────┘
#
# Proof: inet counts what arrives from the gateway for lan1's destinations
# (must stay 0 until down, and count lan1's pings after it); vpn0 and vpn1
# count them coming out of their tunnels.
set -u
. "$(dirname "$0")/lab.sh"
. "$(dirname "$0")/daemon-lib.sh"
lab_start

gw_state() { # what apply changes and down must give back (counters aside)
	local f
	for f in -4 -6; do nsx "$GW" ip $f rule; nsx "$GW" ip $f route show table all; done
	nsx "$GW" ip -o link | awk '{ print $2 }'
	nsx "$GW" nft list tables
}
before=$(gw_state)

office_policy >"$CONF/policy.conf"
count "$INET" clear iifname gw ip daddr 203.0.113.66
count "$INET" clear6 iifname gw ip6 daddr 2001:db8:ff::66
count "$VPN0" a66 iifname "$S0" ip daddr 203.0.113.66
count "$VPN0" a66_6 iifname "$S0" ip6 daddr 2001:db8:ff::66
count "$VPN1" b66 iifname "$S1" ip daddr 203.0.113.66
count "$VPN1" b66_6 iifname "$S1" ip6 daddr 2001:db8:ff::66
gw_wgpolicy apply
ok "tunnels up" tunnels_ready

# status_field EXPR: a Python expression over status --json's answer `s`.
status_field() {
	nsx "$GW" "$W" status -C "$CONF" --json |
		/usr/bin/python3 -c 'import json, sys; s = json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"
}
is "$(status_field 'len(s["missing_interfaces"])')" 0 "all up: status misses no interface"

# ---- A deleted ------------------------------------------------------------------
pp "$GW" ip link del "$A"
run nsx "$GW" "$W" status -C "$CONF"
is "$status" 0 "A deleted: status"
like "$stdout" "^interface: $A \\(in the configuration, not in the kernel\\)" \
	"A deleted: status names A as missing"
like "$stdout" "^  policies through it: office\$" "A deleted: and the policy that needs it"
is "$(status_field '[m["name"] for m in s["missing_interfaces"]]')" "['$A']" \
	"A deleted: --json lists A as missing"
is "$(status_field '[m["policies"] for m in s["missing_interfaces"]]')" "[['office']]" \
	"A deleted: --json with office"
run nsx "$LAN1" ping -c3 -i0.2 -W1 203.0.113.66
is "$([ "$status" -ne 0 ] && echo held)" held "A deleted: lan1's ping gets no answer"
unseen "A deleted: nothing in clear (kill switch)" "$INET" clear
gw_wgpolicy apply "apply brings A back"
is "$(status_field 'len(s["missing_interfaces"])')" 0 "A back: status misses nothing"
ok "A back: tunnels up" tunnels_ready

# ---- office moved between tunnels while lan1 pings --------------------------------
# ping_flow: lan1 pings 203.0.113.66 and 2001:db8:ff::66 every 20 ms for 6 s, in the background.
ping_flow() {
	nsx "$LAN1" ping -q -i0.02 -c300 -W1 203.0.113.66 >/dev/null 2>&1 &
	P4=$!
	nsx "$LAN1" ping -6 -q -i0.02 -c300 -W1 2001:db8:ff::66 >/dev/null 2>&1 &
	P6=$!
	PIDS+=("$P4" "$P6")
}
moved_by() { # moved_by DESC NS4 C4 NS6 C6 N4 N6: the counters grew beyond N4 and N6
	local n4 n6
	n4=$(packets "$2" "$3") n6=$(packets "$4" "$5")
	ok "$1" test "$n4" -gt "$6" -a "$n6" -gt "$7"
}
ping_flow
sleep 1.5
a4=$(packets "$VPN0" a66) a6=$(packets "$VPN0" a66_6)
b4=$(packets "$VPN1" b66) b6=$(packets "$VPN1" b66_6)
sed -i "s/^Via = .*/Via = $B/" "$CONF/policy.conf"
gw_wgpolicy apply "office moves to B under traffic"
sleep 1.5
moved_by "after the move, lan1's pings come out of B" "$VPN1" b66 "$VPN1" b66_6 "$b4" "$b6"
wait "$P4" "$P6"
ok "...and came out of A before it" test "$(packets "$VPN0" a66)" -gt "$a4" -a "$(packets "$VPN0" a66_6)" -gt "$a6"
unseen "the move A → B: not one of lan1's packets in clear" "$INET" clear clear6

daemon_start "$GW" "$CONF"
ping_flow
sleep 1.5
a4=$(packets "$VPN0" a66) a6=$(packets "$VPN0" a66_6)
sed -i "s/^Via = .*/Via = $A/" "$CONF/policy.conf"
pp "$GW" "$W" reload
sleep 2
moved_by "after the daemon's reload, lan1's pings come out of A again" \
	"$VPN0" a66 "$VPN0" a66_6 "$a4" "$a6"
wait "$P4" "$P6"
unseen "the move B → A: not one of lan1's packets in clear" "$INET" clear clear6

# ---- the daemon dies without cleaning up; down gives the gateway back -------------
pp "$GW" kill -KILL "$DAEMON"
ok "the daemon is gone" wait_for 5 gone "$DAEMON"
run nsx "$GW" "$W" status -C "$CONF"
like "$stdout" "^daemon: not running in this network namespace" "status after the crash: no daemon"
run nsx "$GW" "$W" down -C "$CONF"
is "$status" 0 "down after the daemon's crash"
is "$(gw_state)" "$before" "down leaves the gateway as before apply (rules, routes, links, nftables)"
run nsx "$LAN1" ping -c1 -W2 203.0.113.66
is "$status" 0 "after down: lan1's ping is answered"
seen "after down: lan1's ping goes direct" "$INET" clear 1

done_testing
