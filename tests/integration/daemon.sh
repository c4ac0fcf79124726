#!/usr/bin/env bash
# The daemon keeps it so: failover and failback with 100 ms probes while a
# flow runs, re-assertion of what is deleted behind its back, reload, status.
# The policy lab (lab.sh), with the gateway run by `wgpolicy daemon`:
#
#   [lan1] ── [gw: wgpolicy daemon; office: From 10.0.1.0/24, Via = A, B] ══ A ══ [vpn0] ── [inet]
#                                                                        ══ B ══ [vpn1] ──┘
#
# Probes every 100 ms (down 3, up 3), each tunnel probing its own server's
# tunnel address (Probe = in its peer).
# Faults: vpn0's wireguard-go killed (by PID), then its UDP dropped by nft in
# vpn0, several times. Proof: tcpdump on the servers' tunnel devices (the
# first packet of lan1's flow after each fault and each repair, timestamped),
# nft counters in inet (nothing of the flow in clear, ever).
# Then two peers of one interface take turns for lan2 (Via = P:pa, P:pb).
# Last, with the gateway source-NATting into each tunnel, a long-lived UDP
# flow (one 5-tuple) follows failover and failback because the daemon deletes
# its conntrack entry (Conntrack = flush), and stays stuck with keep.
set -u
. "$(dirname "$0")/lab.sh"
. "$(dirname "$0")/daemon-lib.sh"
lab_require tcpdump
lab_start

FAULTS=${FAULTS:-5} # nft faults after the kill: the failover time distribution

# Each tunnel probes its own server; the gateway listens on known ports, so a
# restarted server can greet it at once (see restart_vpn0).
printf 'Probe = 10.8.0.1\n' >>"$CONF/$A.conf"
printf 'Probe = 10.9.0.1\n' >>"$CONF/$B.conf"
sed -i "s/^\[Interface\]$/[Interface]\nListenPort = 51821/" "$CONF/$A.conf"
office() {
	printf '[Policy office]\nFrom = 10.0.1.0/24\nVia = %s, %s\n' "$A" "$B"
	printf 'Check = probe 10.8.0.1 interval 100ms timeout 100ms down 3 up 3\n'
}
office >"$CONF/policy.conf"
METRICS=$TMP/metrics/wgpolicy.prom
mkdir -p "$TMP/metrics"
printf '[Global]\nMetrics = %s\n' "$METRICS" >"$CONF/global.conf"
count "$INET" clear iifname gw ip daddr 203.0.113.66
count "$INET" clear_src iifname gw ip saddr 10.0.0.0/8

# A record left in /run/wgpolicy by a namespace that had the gateway's inode
# before, and ended without `down`: not the gateway's.
saved=/run/wgpolicy/netns-$(nsx "$GW" stat -L -c '%d-%i' /proc/self/ns/net).json
mkdir -p /run/wgpolicy
printf '{"dns": {"wgpstale%s": {"servers": ["192.0.2.53"], "search": []}}}\n' "$ID" >"$saved"

daemon_start "$GW" "$CONF"
ok "the daemon runs" daemon_alive
if [ ${#HELD[@]} -gt 0 ]; then
	is "$(awk '$1 == "CapEff:" { print $2 }' "/proc/$DAEMON/status")" 0000000000003000 \
		"it holds CAP_NET_ADMIN and CAP_NET_RAW, nothing more"
else
	skip "it holds CAP_NET_ADMIN and CAP_NET_RAW, nothing more" "setpriv is not installed"
fi
unlike "$(cat "$LOG")" "failed:" "its first round applied the configuration"
run nsx "$GW" "$W" plan -C "$CONF"
is "$status $stdout" "0 " "plan: nothing to do (a stale record names nothing of the gateway's)"
ok "tunnel A answers" wait_for 10 nsx "$GW" ping -c1 -W1 10.8.0.1
ok "tunnel B answers" wait_for 10 nsx "$GW" ping -c1 -W1 10.9.0.1

# ---- (a) failover and failback under a running flow --------------------------
clear_packets() { echo $(($(packets "$INET" clear) + $(packets "$INET" clear_src))); }
# restart_vpn0: its server again, which greets the gateway at once (keepalive).
restart_vpn0() {
	# shellcheck disable=SC2154 # lab.sh's keypair sets *_priv and *_pub
	lab_server "$VPN0" "$S0" "$srv0_priv" "$gw0_pub" 10.8.0.1 fd08::1 10.8.0.2 fd08::2 &&
		nsx "$VPN0" wg set "$S0" peer "$gw0_pub" endpoint 198.51.100.2:51821 persistent-keepalive 1
}

tcpdump_on "$VPN0" "$S0" "$TMP/a.0" && tcpdump_on "$VPN1" "$S1" "$TMP/b" ||
	{ echo "Bail out! tcpdump did not start"; exit 1; }
lan1_flow
t0=$(now_ns)
ok "lan1's flow goes through A" waited "$TMP/a.0" "$t0" _
is "$(active)" "$A" "status: office is active via A"

# The kill: vpn0's wireguard-go, by its PID.
pid=$(lab_server_pid "$VPN0")
t=$(now_ns)
pp "$VPN0" kill "$pid"
over=""
waited "$TMP/b" "$t" over
ok "vpn0's server killed: the flow moves to B (${over:-never} ms from fault to the first packet through B)" test -n "$over"
OVERS=(${over:-})
wait_for 5 gone "$pid"
restart_vpn0 >"$TMP/restart.log" 2>&1
t=$(now_ns)
tcpdump_on "$VPN0" "$S0" "$TMP/a.1"
back=""
waited "$TMP/a.1" "$t" back
ok "vpn0's server restarted: the flow comes back to A (${back:-never} ms)" test -n "$back"
BACKS=(${back:-})

# nft faults: the failover time as a distribution.
i=1
while [ $i -le "$FAULTS" ]; do
	sleep 0.3 # between faults, a steady flow on A
	t=$(now_ns)
	fault "$VPN0"
	over="" back=""
	waited "$TMP/b" "$t" over && OVERS+=("$over")
	wait_for 3 is_active "$B"
	t=$(now_ns)
	repair "$VPN0"
	waited "$TMP/a.1" "$t" back && BACKS+=("$back")
	[ -n "$over" ] && [ -n "$back" ] || break
	i=$((i + 1))
done
is "${#OVERS[@]} ${#BACKS[@]}" "$((FAULTS + 1)) $((FAULTS + 1))" \
	"$FAULTS UDP drops: each moves the flow to B and back to A"
note "failover, fault to first packet through B (ms): $(sorted "${OVERS[@]}")"
note "failback, repair to first packet through A (ms): $(sorted "${BACKS[@]}")"
ok "median failover with 100 ms probes under 1 s ($(median "${OVERS[@]}") ms; target 350 ms)" \
	test "$(median "${OVERS[@]}")" -lt 1000
# Failback waits for `up` (3) answers in a row: two intervals at least after the repair.
ok "failback only after 3 answers in a row ($(median "${BACKS[@]}") ms median)" \
	test "$(sorted "${BACKS[@]}" | awk '{ print $1 }')" -ge 200
has "$(cat "$LOG")" "target $A is up again (probe 10.8.0.1: 3 answers in a row)" "the log says why A is back"
has "$(cat "$LOG")" "policy office: now via $B (was $A)" "the log says office moved to B"
is "$(clear_packets)" 0 "not one packet of the flow left the gateway in clear"
is "$(active)" "$A" "status: office is active via A again"

# ---- (b) re-assertion of what is deleted behind the daemon's back ------------
# Foreign state that must survive: a rule, a route in a table of its own, an nft table.
pp "$GW" ip rule add from 10.5.0.0/24 lookup 333 pref 5000
pp "$GW" ip route add 10.5.0.0/24 dev lan1 table 333
pp "$GW" nft add table inet foreign
pp "$GW" nft add chain inet foreign c
foreign() {
	nsx "$GW" ip rule show pref 5000
	nsx "$GW" ip route show table 333
	nsx "$GW" nft list table inet foreign
}
foreign_before=$(foreign)
owned_rule() { nsx "$GW" ip rule show pref 10001 | grep -q "from 10.0.1.0/24 lookup 52000"; }
owned_route() { nsx "$GW" ip route show table 52000 | grep -q "^default dev $A "; }
owned_nft() { nsx "$GW" nft list table inet wgpolicy >/dev/null 2>&1; }
# back_ms T_NS CMD...: ms from T_NS until CMD succeeds, polling without pause (5 s at most).
back_ms() {
	local t=$1 deadline=$((SECONDS + 5))
	shift
	until "$@"; do [ $SECONDS -ge $deadline ] && return 1; done
	echo $((($(now_ns) - t) / 1000000))
}
REASSERT=()
# reassert NAME CHECK DELETE...: delete an owned object, measure how soon it is back.
reassert() {
	local name=$1 check=$2 t ms
	shift 2
	ok "$name is there" $check
	t=$(now_ns)
	nsx "$GW" "$@"
	ms=$(back_ms "$t" $check)
	ok "$name deleted ($*): back in ${ms:-more than 5000} ms" test -n "$ms"
	REASSERT+=("${ms:-9999}")
}
n=$(log_lines)
for round in 1 2 3; do
	reassert "the policy's rule" owned_rule ip rule del pref 10001
	reassert "the policy's route" owned_route ip route del default dev "$A" table 52000
	reassert "the nft table" owned_nft nft delete table inet wgpolicy
done
note "re-assertion, deletion to the object back (ms): $(sorted "${REASSERT[@]}")"
ok "re-assertion within 100 ms (median $(median "${REASSERT[@]}") ms, worst $(sorted "${REASSERT[@]}" | awk '{ print $NF }') ms)" \
	test "$(median "${REASSERT[@]}")" -le 100
like "$(log_since "$n")" "\[#\] ip -4 rule add from 10.0.1.0/24 table 52000 pref 10001" "the log shows the rule put back"
like "$(log_since "$n")" "\[#\] ip -4 route add 0.0.0.0/0 dev $A table 52000" "the log shows the route put back"
like "$(log_since "$n")" "\[#\] nft -f - # add table inet wgpolicy" "the log shows the nft table put back"
is "$(foreign)" "$foreign_before" "foreign rule, route and nft table untouched"
ok "the flow still goes through A" waited "$TMP/a.1" "$(now_ns)" _
is "$(clear_packets)" 0 "nothing in clear meanwhile"

# ---- (c) reload ---------------------------------------------------------------
owned() {
	nsx "$GW" ip rule show
	nsx "$GW" ip route show table all proto 87
	nsx "$GW" nft list table inet wgpolicy
}
cp "$CONF/policy.conf" "$TMP/policy.good"
before=$(owned)
printf '[Policy broken]\nFrom = 10.0.7.0/24\nVia = nosuchtunnel\n' >>"$CONF/policy.conf"
n=$(log_lines)
run nsx "$GW" "$W" reload
is "$status" 1 "reload of a broken configuration: refused (exit 1)"
like "$(log_since "$n")" "reload refused" "the log says it was refused"
like "$(log_since "$n")" "nosuchtunnel" "the log names the error"
is "$(owned)" "$before" "a refused reload leaves the state as it was"
ok "the daemon still runs" daemon_alive

# While A is down: the reload must not forget it (nor revive it).
cp "$TMP/policy.good" "$CONF/policy.conf"
printf '[Policy extra]\nFrom = 10.0.9.0/24\nVia = %s\n' "$B" >>"$CONF/policy.conf"
fault "$VPN0"
ok "A faulted again: office via B" wait_for 5 is_active "$B"
n=$(log_lines)
run nsx "$GW" "$W" reload
is "$status" 0 "reload of a changed configuration (one policy more)"
is "$(active)" "$B" "right after the reload, office is still via B"
changes=$(log_since "$n" | grep '^\[#\]')
note "reload applied:"
printf '%s\n' "$changes" | sed 's/^/#   /'
unlike "$(printf '%s\n' "$changes" | grep -v -e 52001 -e 'from 10.0.9.0/24' -e '^\[#\] nft -f')" . \
	"only the new policy's table and rule, and the nft table, change"
like "$changes" "rule add from 10.0.9.0/24 table 52001" "the new policy's rule is added"
unlike "$(log_since "$n")" "now via" "a reload is no failover: health and active targets carry over"
ok "the office rule stayed" owned_rule
repair "$VPN0"
ok "A repaired: office via A again" wait_for 5 is_active "$A"
ok "the flow still goes through A" waited "$TMP/a.1" "$(now_ns)" _

# ---- (e) status while running ------------------------------------------------
run status_json
is "$status" 0 "status --json"
health=$(printf '%s' "$stdout" | python3 -c '
import json, sys
d = json.load(sys.stdin)["daemon"]
p = [p for p in d["policies"] if p["name"] == "office"][0]
print(p["active"], p["failovers"], *["%s:%s:%d" % (t["target"], "up" if t["up"] else "down",
	t["sent"] > 0) for t in p["targets"]], p["targets"][0]["lost"] > 0)')
is "$health" "$A $((2 * ${#OVERS[@]} + 2)) $A:up:1 $B:up:1 True" \
	"status: office via A after $((${#OVERS[@]} + 1)) failovers and failbacks; A and B up, probing; A lost some"
rules_before=$(nsx "$GW" ip rule)
run nsx "$GW" "$W" down -C "$CONF"
is "$status" 1 "down while the daemon runs: refused"
has "$stderr" "a wgpolicy daemon runs in this network namespace (pid $DAEMON)" "down says which daemon"
is "$(nsx "$GW" ip rule)" "$rules_before" "down while the daemon runs: nothing changed"

# ---- (f) conntrack: an established flow follows failover and failback -------
# The gateway now source-NATs into each tunnel to that tunnel's address (a
# provider's static address), so a flow's conntrack entry holds the address
# of the tunnel it started on: kept, it would carry A's address into B, whose
# server refuses it. (masquerade needs no help: the kernel drops an entry
# whose masqueraded flow changes its output interface.)
pp "$GW" nft add rule inet lab nat oifname "$A" snat ip to 10.8.0.2
pp "$GW" nft add rule inet lab nat oifname "$B" snat ip to 10.9.0.2
count "$VPN0" udp_a iifname "$S0" udp dport 9999
count "$VPN1" udp_b iifname "$S1" udp dport 9999
# udp_flow N: one 5-tuple, 10.0.1.2:40000 → 203.0.113.77:9999, a datagram every 50 ms, N of them.
udp_flow() {
	ip netns exec "$LAN1" python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.0.1.2", 40000))
for _ in range(int(sys.argv[1])):
    s.sendto(b"wgpolicy", ("203.0.113.77", 9999))
    time.sleep(0.05)' "$1" >/dev/null 2>&1 &
	UDP=$!
	PIDS+=("$UDP")
}
grows() { [ "$(packets "$1" "$2")" -gt "$3" ]; }
# moved NS COUNTER: the flow arrives there (more than now), within 5 s.
moved() { local n; n=$(packets "$1" "$2"); wait_for 5 grows "$1" "$2" "$((n + 2))"; }

udp_flow 600
ok "the UDP flow arrives through A" moved "$VPN0" udp_a
n=$(log_lines)
b0=$(packets "$VPN1" udp_b)
fault "$VPN0"
ok "A faulted: the same flow arrives through B (conntrack entry deleted)" moved "$VPN1" udp_b
like "$(log_since "$n")" "policy office: [0-9]+ conntrack entr(y|ies) deleted" "the log says how many entries went"
a1=$(packets "$VPN0" udp_a)
repair "$VPN0"
ok "A repaired: the same flow arrives through A again" moved "$VPN0" udp_a
note "the flow's datagrams: through A $a1 before the fault, through B $(($(packets "$VPN1" udp_b) - b0)) meanwhile"

# Conntrack = keep: the entry stays, and so does A's address on the flow: B refuses it.
office >"$CONF/policy.conf"
printf 'Conntrack = keep\n' >>"$CONF/policy.conf"
ok "reload with Conntrack = keep" nsx "$GW" "$W" reload
fault "$VPN0"
ok "A faulted: office via B" wait_for 5 is_active "$B"
b1=$(packets "$VPN1" udp_b)
sleep 1 # what does not happen takes a while to show
is "$(packets "$VPN1" udp_b)" "$b1" "Conntrack = keep: the flow is stuck on A's address, B gets none of it"
repair "$VPN0"
ok "A repaired: the kept flow arrives through A again" moved "$VPN0" udp_a
kill "$UDP" 2>/dev/null
is "$(clear_packets)" 0 "nothing in clear all along"

# ---- (g) metrics, for node_exporter's textfile collector ---------------------
ok "the metrics file is there" test -s "$METRICS"
run python3 - "$METRICS" <<'PY'
import re, sys
sample = re.compile(r'^wgpolicy_[a-z_]+(\{([a-z]+="([^"\\]|\\.)*",?)*\})? -?[0-9.]+$')
for line in open(sys.argv[1]):
    line = line.rstrip("\n")
    if not (line.startswith("# HELP wgpolicy_") or line.startswith("# TYPE wgpolicy_") or sample.match(line)):
        print("not the text format:", line)
        sys.exit(1)
PY
is "$status" 0 "every line is Prometheus' text format ${stdout}"
run status_json
failovers=$(printf '%s' "$stdout" | python3 -c 'import json, sys; print([p for p in json.load(sys.stdin)["daemon"]["policies"] if p["name"] == "office"][0]["failovers"])')
is "$(metric "$METRICS" "wgpolicy_failovers_total{policy=\"office\"}")" "$failovers" "failovers_total of office: as status says ($failovers)"
is "$(metric "$METRICS" "wgpolicy_policy_active{policy=\"office\",target=\"$A\"}") $(metric "$METRICS" "wgpolicy_policy_active{policy=\"office\",target=\"$B\"}")" \
	"1 0" "policy_active: office via A"
ok "probes sent through A are counted" test "$(metric "$METRICS" "wgpolicy_probes_sent_total{policy=\"office\",target=\"$A\"}")" -gt 10
ok "probes lost through A are counted" test "$(metric "$METRICS" "wgpolicy_probes_lost_total{policy=\"office\",target=\"$A\"}")" -gt 0
ok "re-assertions are counted (9 deletions)" test "$(metric "$METRICS" wgpolicy_reassertions_total)" -ge 9
is "$(metric "$METRICS" wgpolicy_reloads_total)" 2 "reloads_total: 2 (the refused one not counted)"
ok "conntrack entries deleted are counted" test "$(metric "$METRICS" wgpolicy_conntrack_deleted_total)" -gt 0
up_a() { [ "$(metric "$METRICS" "wgpolicy_target_up{policy=\"office\",target=\"$A\"}")" = "$1" ]; }
ok "target_up of A: 1" up_a 1
fault "$VPN0"
ok "A faulted: target_up of A is 0 in the file within 2 s" wait_for 2 up_a 0
repair "$VPN0"
ok "A repaired: target_up of A is 1 again" wait_for 5 up_a 1
is "$(ls "$TMP/metrics")" "wgpolicy.prom" "no temporary file left beside it"
note "metrics: $(grep -v '^#' "$METRICS" | grep -E 'total |active' | tr '\n' ' ')"

# ---- (d) failover between two peers of one interface -------------------------
# P: one gateway interface, peer pa served in vpn0 (S2), peer pb in vpn1 (S3);
# policy branch: lan2 to the internet through P:pa, else P:pb, by moving
# AllowedIPs.
P=$(ifname p) S2=$(ifname u) S3=$(ifname v)
keypair gwp && keypair spa && keypair spb
# peer_server NS DEV PRIV ADDR: a server of P's, answering on ADDR; replies to
# the LAN go back by the lab's own tunnels (vpn0 and vpn1 route 10.0.0.0/16 so).
peer_server() {
	nsx "$1" wireguard-go "$2" >/dev/null 2>&1 || return 1
	printf '%s\n' "$3" >"$TMP/$2.key"
	# shellcheck disable=SC2154 # keypair sets *_priv and *_pub
	nsx "$1" wg set "$2" private-key "$TMP/$2.key" listen-port 51830 \
		peer "$gwp_pub" allowed-ips 10.7.0.2/32,10.0.2.0/24 &&
		nsx "$1" ip addr add "$4/24" dev "$2" && nsx "$1" ip link set "$2" up
}
# shellcheck disable=SC2154
peer_server "$VPN0" "$S2" "$spa_priv" 10.7.0.1 && peer_server "$VPN1" "$S3" "$spb_priv" 10.7.0.3
ok "two servers for P's peers" test $? -eq 0
# shellcheck disable=SC2154
cat >"$CONF/$P.conf" <<CONF
[Interface]
PrivateKey = $gwp_priv
Address = 10.7.0.2/24
Table = off
[Peer]
Name = pa
PublicKey = $spa_pub
Endpoint = 192.0.2.2:51830
AllowedIPs = 10.7.0.1/32, 203.0.113.0/24
Probe = 10.7.0.1
[Peer]
Name = pb
PublicKey = $spb_pub
Endpoint = 192.0.2.18:51830
AllowedIPs = 10.7.0.3/32
Probe = 10.7.0.3
CONF
chmod 600 "$CONF/$P.conf"
printf '[Policy branch]\nFrom = 10.0.2.0/24\nTo = 203.0.113.0/24\nVia = %s:pa, %s:pb\n' "$P" "$P" \
	>>"$CONF/policy.conf"
printf 'Check = probe 10.7.0.1 interval 100ms timeout 100ms down 3 up 3\n' >>"$CONF/policy.conf"
run nsx "$GW" "$W" reload
is "$status" 0 "reload: interface P and policy branch"
[ "$status" -eq 0 ] || show_log 30
count "$VPN0" peer_a iifname "$S2" ip saddr 10.0.2.2
count "$VPN1" peer_b iifname "$S3" ip saddr 10.0.2.2
timeout 30 ip netns exec "$LAN2" ping -q -i 0.01 -c 2500 203.0.113.88 >/dev/null 2>&1 &
PIDS+=($!)
branch() { status_json | python3 -c 'import json,sys; print([p for p in json.load(sys.stdin)["daemon"]["policies"] if p["name"] == "branch"][0]["active"])'; }
is_branch() { [ "$(branch)" = "$1" ]; }
holds() { # holds PEER_PUB: that peer of P has the policy's destinations
	nsx "$GW" wg show "$P" allowed-ips | awk -v k="$1" '$1 == k' | grep -q '203\.0\.113\.0/24'
}
lacks_dests() { ! holds "$1"; }
ok "lan2's flow arrives through peer pa" moved "$VPN0" peer_a
is "$(branch)" "$P:pa" "status: branch via $P:pa"
printf 'table inet pfault {\n\tchain in { type filter hook prerouting priority raw; policy accept; udp dport 51830 drop; }\n}\n' |
	nsx "$VPN0" nft -f -
t=$(now_ns)
ok "pa's server unreachable: branch via $P:pb" wait_for 5 is_branch "$P:pb"
has "$(cat "$LOG")" "policy branch: target $P:pa is down" "the log names the peer that went down"
targets=$(status_json | python3 -c 'import json,sys; print(*[t["target"] + ":" + ("up" if t["up"] else "down") for p in json.load(sys.stdin)["daemon"]["policies"] if p["name"] == "branch" for t in p["targets"]])')
is "$targets" "$P:pa:down $P:pb:up" "status names each peer target and its health"
ok "lan2's flow arrives through peer pb ($((($(now_ns) - t) / 1000000)) ms after the fault, polled)" moved "$VPN1" peer_b
# shellcheck disable=SC2154
ok "203.0.113.0/24 moved to pb's AllowedIPs" holds "$spb_pub"
# shellcheck disable=SC2154
ok "and away from pa's" lacks_dests "$spa_pub"
nsx "$VPN0" nft delete table inet pfault
ok "pa's server back: branch via $P:pa again" wait_for 5 is_branch "$P:pa"
ok "lan2's flow arrives through peer pa again" moved "$VPN0" peer_a
is "$(clear_packets)" 0 "nothing in clear on the uplink"

done_testing
