#!/usr/bin/env bash
# Mode = balance under the daemon: lan1's flows spread over both tunnels by a
# multipath route, weighted (Weight = 1, 3) and hashed on ports
# (fib_multipath_hash_policy = 1, restored by down), so that each flow keeps
# to one tunnel; a dead tunnel leaves the route and every flow takes the
# other; repaired, it comes back. IPv4 and IPv6.
# The policy lab (lab.sh), with the gateway run by `wgpolicy daemon`:
#
#   [lan1] ── [gw: wgpolicy daemon; spread: From lan1, Via = A, B, Mode = balance] ══ A ══ [vpn0] ── [inet]
#                                                                                ══ B ══ [vpn1] ──┘
#
# Probes every 100 ms (down 3, up 3), each tunnel probing its own server.
# Faults: vpn0's UDP dropped by nft, then repaired; last, vpn1's wireguard-go
# killed. Proof: per server, an nft set of the UDP source ports that come out
# of its tunnel, with a packet counter per port (a port is a flow).
set -u
. "$(dirname "$0")/lab.sh"
. "$(dirname "$0")/daemon-lib.sh"
lab_start

TABLE=52000
printf 'Probe = 10.8.0.1\n' >>"$CONF/$A.conf"
printf 'Probe = 10.9.0.1\n' >>"$CONF/$B.conf"
cat >"$CONF/policy.conf" <<CONF
[Policy spread]
From = 10.0.1.0/24, fd00:1::/64
Via = $A, $B
Mode = balance
Weight = 1, 3
Check = probe 10.8.0.1 interval 100ms timeout 100ms down 3 up 3
CONF

# The L4 hash is wgpolicy's to set, and to put back: start from L3 (0), the kernel's default.
hash_policy() {
	nsx "$GW" sysctl -n net.ipv4.fib_multipath_hash_policy net.ipv6.fib_multipath_hash_policy | tr '\n' ' '
}
nsx "$GW" sysctl -qw net.ipv4.fib_multipath_hash_policy=0 net.ipv6.fib_multipath_hash_policy=0

# flows: per server, the source ports of lan1's UDP to port 9999 as it leaves the tunnel.
for s in "$VPN0:$S0" "$VPN1:$S1"; do
	nsx "${s%%:*}" nft add set inet lab flows '{ type inet_service; size 65535; flags dynamic; counter; }' &&
		nsx "${s%%:*}" nft add rule inet lab count iifname "${s#*:}" udp dport 9999 add @flows '{ udp sport }' ||
		{ echo "Bail out! no flow sets"; exit 1; }
done
# ports NS: "PORT PACKETS" per flow seen there, sorted by port.
ports() {
	nsx "$1" nft -j list set inet lab flows | python3 -c '
import json, sys
for o in json.load(sys.stdin)["nftables"]:
    for e in o.get("set", {}).get("elem", []):
        e = e["elem"]
        print(e["val"], e["counter"]["packets"])' | sort -n
}
forget_flows() { nsx "$VPN0" nft flush set inet lab flows && nsx "$VPN1" nft flush set inet lab flows; }

# send FAMILY FIRST_PORT N ROUNDS: N flows (source ports FIRST_PORT...) from lan1 to the
# internet, ROUNDS datagrams each, one datagram of every flow per round, 20 ms apart.
send() {
	local src=10.0.1.2 dst=203.0.113.77
	[ "$1" = 6 ] && src=fd00:1::2 dst=2001:db8:ff::77
	nsx "$LAN1" python3 - "$src" "$dst" "$2" "$3" "$4" <<'PY'
import socket, sys, time
src, dst, first, n, rounds = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:])
fam = socket.AF_INET6 if ":" in src else socket.AF_INET
socks = []
for port in range(first, first + n):
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.bind((src, port))
    socks.append(s)
for _ in range(rounds):
    for s in socks:
        s.sendto(b"wgpolicy", (dst, 9999))
    time.sleep(0.02)
PY
}

# spread DESC FAMILY FIRST N ROUNDS EXPECT: send, then check where the flows went.
# EXPECT: "both" (both tunnels, B more than A: Weight = 1, 3), "A" or "B" (all there).
spread() {
	local desc=$1 first=$3 n=$4 rounds=$5 expect=$6 a b got
	forget_flows
	send "$2" "$first" "$n" "$rounds"
	sleep 0.3 # the last datagrams on their way
	ports "$VPN0" >"$TMP/a" && ports "$VPN1" >"$TMP/b"
	a=$(wc -l <"$TMP/a") b=$(wc -l <"$TMP/b")
	note "$desc: $a flows through A, $b through B"
	got=$(cat "$TMP/a" "$TMP/b" | awk -v f="$first" -v n="$n" -v r="$rounds" '
		{ port[$1]++; pk[$1] += $2 }
		END {
			for (p = f; p < f + n; p++)
				if (port[p] != 1 || pk[p] != r) { print "flow " p ": on " port[p] + 0 " tunnels, " pk[p] + 0 " of " r " datagrams"; exit }
		}')
	is "$got" "" "$desc: each of $n flows went whole through one tunnel"
	case $expect in
	both) ok "$desc: both tunnels carry some, B more (weights 1, 3: $a, $b)" test "$a" -gt 0 -a "$b" -gt "$a" ;;
	A) is "$a $b" "$n 0" "$desc: every flow through A" ;;
	B) is "$a $b" "0 $n" "$desc: every flow through B" ;;
	esac
}

# route FAMILY: the policy's route to everything, on one line, without protocol, scope, preference.
route() {
	nsx "$GW" ip -"$1" route show table $TABLE | grep -v unreachable | tr -s ' \n\t' ' ' |
		sed -E 's/ (proto [0-9a-z]+|scope link|pref medium)//g; s/ $//'
}
# IPv6 multipath routes need a gateway per way: a link-local one nobody has (see compile/policy.c).
VIA6="via fe80::57:4750 "
both_ways_46() {
	[ "$(route 4)" = "default nexthop dev $A weight 1 nexthop dev $B weight 3" ] &&
		[ "$(route 6)" = "default metric 1024 nexthop ${VIA6}dev $A weight 1 nexthop ${VIA6}dev $B weight 3" ]
}
# one_way_46 DEV: a plain route through DEV.
one_way_46() { [ "$(route 4)" = "default dev $1" ] && [ "$(route 6)" = "default dev $1 metric 1024" ]; }
show_routes() { note "IPv4: $(route 4)"; note "IPv6: $(route 6)"; }

# targets: each target of spread and its health; over: the targets its traffic takes (status).
targets() {
	status_json | python3 -c 'import json, sys
print(*[t["target"] + ":" + ("up" if t["up"] else "down") for p in json.load(sys.stdin)["daemon"]["policies"] for t in p["targets"]])'
}
over() { status_json | python3 -c 'import json, sys; print(*json.load(sys.stdin)["daemon"]["policies"][0]["over"])'; }

daemon_start "$GW" "$CONF"
unlike "$(cat "$LOG")" "failed:" "the daemon's first round applied the configuration"
ok "tunnels A and B answer" tunnels_ready
ok "table $TABLE: one route over A and B, weights 1 and 3, IPv4 and IPv6" wait_for 5 both_ways_46
show_routes
is "$(hash_policy)" "1 1 " "multipath hashed on ports (fib_multipath_hash_policy 1, IPv4 and IPv6)"
is "$(over)" "$A $B" "status: spread goes over A and B"

spread "IPv4, 128 flows of 5 datagrams" 4 20000 128 5 both
spread "IPv6, 128 flows of 5 datagrams" 6 20000 128 5 both

# ---- A dead: it leaves the route -------------------------------------------
t=$(now_ns) n=$(log_lines)
fault "$VPN0"
ok "vpn0's UDP dropped: table $TABLE goes through B alone" wait_for 5 one_way_46 "$B"
note "$((($(now_ns) - t) / 1000000)) ms from the fault to the plain route through B"
show_routes
is "$(targets)" "$A:down $B:up" "status: target A down, B up"
is "$(over)" "$B" "status: spread goes over B"
has "$(log_since "$n")" "policy spread: now over $B (was $A, $B)" "the log says spread lost A"
spread "IPv4 with A dead, 64 new flows" 4 21000 64 3 B
spread "IPv6 with A dead, 64 new flows" 6 21000 64 3 B
spread "IPv4 with A dead, the first 128 flows again" 4 20000 128 3 B

# ---- A repaired: it comes back ----------------------------------------------
t=$(now_ns) n=$(log_lines)
repair "$VPN0"
ok "vpn0 repaired: A is back in the route" wait_for 5 both_ways_46
has "$(log_since "$n")" "policy spread: now over $A, $B (was $B)" "the log says A is back in spread"
note "$((($(now_ns) - t) / 1000000)) ms from the repair to the multipath route"
spread "IPv4 with A back, 128 flows" 4 22000 128 3 both
spread "IPv6 with A back, 128 flows" 6 22000 128 3 both

# ---- B's server killed --------------------------------------------------------
n=$(log_lines)
pp "$VPN1" kill "$(lab_server_pid "$VPN1")"
ok "vpn1's wireguard-go killed: table $TABLE goes through A alone" wait_for 5 one_way_46 "$A"
has "$(log_since "$n")" "policy spread: now over $A (was $A, $B)" "the log says spread lost B"
is "$(over)" "$A" "status: spread goes over A"
spread "IPv4 with B dead, 64 flows" 4 23000 64 3 A
spread "IPv6 with B dead, 64 flows" 6 23000 64 3 A
n=$(log_lines)
run nsx "$GW" "$W" reload
is "$status" 0 "reload while B is dead"
unlike "$(log_since "$n")" "now over" "a reload is no change of ways: they carry over"
is "$(over)" "$A" "status: spread still goes over A"
unlike "$(cat "$LOG")" "failed:" "no round failed"
is "$(daemon_field reassertions) $(status_json | python3 -c 'import json, sys; print(json.load(sys.stdin)["daemon"]["policies"][0]["failovers"])')" \
	"0 3" "status: 3 changes of spread's ways, none of them taken for a re-assertion"

# ---- down puts the hash policy back -----------------------------------------
ok "the daemon stops" daemon_stop
gw_wgpolicy down
is "$(hash_policy)" "0 0 " "down: fib_multipath_hash_policy back to 0, IPv4 and IPv6"
is "$(nsx "$GW" ip route show table $TABLE)" "" "and table $TABLE is empty"

done_testing
