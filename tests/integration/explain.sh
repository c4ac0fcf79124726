#!/usr/bin/env bash
# wgpolicy explain against where packets really go: for a source subnet, a
# direct exception, a port, a user and no policy at all, explain's answer
# (the policy, and the interface the kernel picks) must be where the lab's far
# ends count the packets; so too for a firewall mark, a cgroup (and `exec
# POLICY`) and a destination set, IPv4 and IPv6; with an owned rule deleted it must say that the
# kernel disagrees (and that the leak guard drops what leaks); with the tunnel
# gone, that the kill switch holds; with the daemon running, that a failover
# moved a policy to its second tunnel.
#
#   [lan1] ── lan1 ┐  office: From 10.0.1.0/24 → A   ══ A ══ [vpn0] ──┐
#                  [gw]  lan-direct: To .50 → up0 ───────────────── [inet]
#   [lan2] ── lan2 ┘  web: From 10.0.2.0/24 tcp 8080 → B ══ B ══ [vpn1] ┘
#                     backup-user: uid 1001 → B, staff: gid 1234 → B (nftables marks)
#                     marked: mark 0x42 → B, app: cgroup → A, dest-set: To @corp → B
set -u
. "$(dirname "$0")/lab.sh"
. "$(dirname "$0")/daemon-lib.sh"
lab_start
cg2=$(cgroup2_root)
slice=wgpolicy-lab-$ID.slice
cgroup=$slice/app.scope
LAB_CGROUPS=("$cg2/$cgroup" "$cg2/$slice")
printf '%s\n' 203.0.113.64/28 2001:db8:ff::40/124 >"$CONF/corp.txt"

cat >"$CONF/policy.conf" <<CONF
[Policy lan-direct]
To = 203.0.113.50/32
Via = direct

[Policy office]
From = 10.0.1.0/24, fd00:1::/64
Via = $A

[Policy web]
From = 10.0.2.0/24
IPProtocol = tcp
DestinationPort = 8080
Via = $B

[Policy backup-user]
User = 1001
Via = $B

[Policy staff]
Group = 1234
Via = $B

[Policy marked]
FirewallMark = 0x42
Via = $B

[Policy app]
Cgroup = $cgroup
Via = $A

[Policy dest-set]
To = @corp
Via = $B

[Set corp]
File = corp.txt
CONF
u1001=(setpriv --reuid 1001 --regid 1001 --clear-groups --)

# explain WORDS...: `wgpolicy explain --json` on the gateway; the answer in $json.
explain() {
	note "[gw] wgpolicy explain $*"
	run nsx "$GW" "$W" explain -C "$CONF" --json "$@"
	json=$stdout
	[ "$status" -eq 0 ] || note "exit $status: $stderr"
}
# field PATH: a value of $json ("kernel.interface"); booleans as true/false, null as "".
field() {
	printf '%s' "$json" | /usr/bin/python3 -c '
import json, sys
v = json.load(sys.stdin)
for k in sys.argv[1].split("."):
    v = v.get(k) if isinstance(v, dict) else None
print("" if v is None else str(v).lower() if isinstance(v, bool) else v)' "$1"
}

# Where each way out is counted: tunnel A at vpn0, B at vpn1, up0 at inet from the uplink.
for n in 11 12 13 14 15 16 21 22 23 50 70 81 83; do
	count "$VPN0" "a$n" iifname "$S0" ip daddr "203.0.113.$n"
	count "$VPN1" "b$n" iifname "$S1" ip daddr "203.0.113.$n"
	count "$INET" "up$n" iifname gw ip saddr 198.51.100.2 ip daddr "203.0.113.$n"
done
# IPv6: 2001:db8:ff::N counted as 6N (::41 and ::42 in the set; ::81 marked; ::83 the app's).
for n in 41 42 81 83; do
	count "$VPN0" "a6$n" iifname "$S0" ip6 daddr "2001:db8:ff::$n"
	count "$VPN1" "b6$n" iifname "$S1" ip6 daddr "2001:db8:ff::$n"
	count "$INET" "up6$n" iifname gw ip6 saddr 2001:db8:100::2 ip6 daddr "2001:db8:ff::$n"
done
count "$VPN0" a6 iifname "$S0" ip6 daddr 2001:db8:ff::11
count "$INET" clear6 iifname gw ip6 daddr 2001:db8:ff::11

# counter_of IFACE N: the counter that sees what leaves by IFACE towards 203.0.113.N.
counter_of() {
	case $1 in
	"$A") echo "$VPN0 a$2" ;;
	"$B") echo "$VPN1 b$2" ;;
	up0) echo "$INET up$2" ;;
	*) echo "none none" ;;
	esac
}

# goes DESC N IFACE: the packets to 203.0.113.N (2001:db8:ff::M for N = 6M) went out by
# IFACE, and by no other way.
goes() {
	local desc=$1 n=$2 ifc=$3 ns name other
	read -r ns name <<<"$(counter_of "$ifc" "$n")"
	seen "$desc: counted where $ifc leads" "$ns" "$name"
	for other in "$A" "$B" up0; do
		[ "$other" = "$ifc" ] && continue
		read -r ns name <<<"$(counter_of "$other" "$n")"
		unseen "$desc: nothing by $other" "$ns" "$name"
	done
}

# held DESC N: lan1's flow to 203.0.113.N does not get through, and leaves neither in clear
# by the uplink nor by tunnel A.
held() {
	run probe "$LAN1" -- tcp "203.0.113.$2" 80
	is "$([ "$status" -ne 0 ] && echo refused)" refused "$1: lan1's flow does not get through"
	unseen "$1: nothing left in clear" "$INET" "up$2"
	unseen "$1: nothing reached vpn0" "$VPN0" "a$2"
}

gw_wgpolicy apply
ok "tunnels up" tunnels_ready

# explained DESC POLICY IFACE WORDS...: explain says POLICY and IFACE, and the kernel agrees.
explained() {
	local desc=$1 policy=$2 ifc=$3
	shift 3
	explain "$@"
	is "$status" 0 "$desc: explained"
	is "$(field configuration.policy)" "$policy" "$desc: policy '$policy'"
	is "$(field kernel.interface)" "$ifc" "$desc: the kernel sends it by $ifc"
	is "$(field verdict.agree)" true "$desc: the kernel agrees with the configuration"
}

# case_of DESC N POLICY IFACE SENDER... : WORDS...: explain says POLICY and IFACE, agreeing;
# then a real flow from SENDER (NS [PREFIX-CMD... --]) goes by that interface.
case_of() {
	local desc=$1 n=$2 policy=$3 ifc=$4 sender=()
	shift 4
	while [ "$1" != : ]; do sender+=("$1"); shift; done
	shift
	explained "$desc" "$policy" "$ifc" "$@"
	if [ -n "${sent:-}" ]; then
		run "${sender[@]}"
	else
		echoes "$desc: a real flow" "${sender[@]}" "203.0.113.$n" "${port:-80}"
	fi
	goes "$desc" "$n" "$ifc"
}

port=80 case_of "lan1's subnet" 11 office "$A" "$LAN1" : \
	to 203.0.113.11 from 10.0.1.2 iif lan1 ipproto tcp dport 80
is "$(field compiled.interface)" "$A" "lan1's subnet: the compiled route is by $A"
like "$(field compiled.rule)" "from 10.0.1.0/24" "lan1's subnet: office's rule"
like "$(field kernel.peer.latest_handshake)" '^[1-9][0-9]+$' "lan1's subnet: the peer has a handshake"
is "$(field kernel.peer.endpoint)" "192.0.2.2:51820" "lan1's subnet: the peer's endpoint"

port=80 case_of "the direct exception" 50 lan-direct up0 "$LAN1" : \
	to 203.0.113.50 from 10.0.1.2 iif lan1 ipproto tcp dport 80
is "$(field compiled.table)" main "the direct exception: the main table"

port=8080 case_of "lan2's port 8080" 12 web "$B" "$LAN2" : \
	to 203.0.113.12 from 10.0.2.2 iif lan2 ipproto tcp dport 8080
explain to 203.0.113.12 from 10.0.2.2 iif lan2 ipproto tcp dport 443
like "$(field configuration.policies)" "DestinationPort 8080 does not hold 443" \
	"lan2's port 443: web excluded by its port"

port=443 case_of "uid 1001" 21 backup-user "$B" "$GW" "${u1001[@]}" : \
	to 203.0.113.21 uid 1001 ipproto tcp dport 443
is "$(field kernel.source)" 10.9.0.2 "uid 1001: the kernel picks $B's address"

# A group is for nftables alone: it marks, one fwmark rule takes the mark.
port=443 case_of "gid 1234" 22 staff "$B" "$GW" setpriv --reuid 1500 --regid 1234 --clear-groups \
	-- : to 203.0.113.22 uid 1500 gid 1234 ipproto tcp dport 443
is "$(field compiled.marked_by)" staff "gid 1234: nftables marks it for staff"
like "$(field kernel.query)" "mark 0x[0-9a-f]+" "gid 1234: the kernel is asked with that mark"

port=443 case_of "root, no policy" 23 "" up0 "$GW" : to 203.0.113.23 uid 0 ipproto tcp dport 443

# The gateway's own packet to lan1 from its lan1 address: office's source, but to the
# sources' own subnet, which wgpolicy's suppress_prefixlength rule keeps in main.
count "$LAN1" from_gw iifname eth0 ip saddr 10.0.1.1 ip daddr 10.0.1.2 icmp type echo-request
explain to 10.0.1.2 from 10.0.1.1
like "$(field compiled.rule)" "from 10.0.1.0/24 to 10.0.1.0/24 table main suppress_prefixlength 0" \
	"to lan1 from its subnet: the rule keeping it in main decides"
is "$(field kernel.interface)" lan1 "to lan1 from its subnet: the kernel sends it by lan1"
is "$(field verdict.agree)" true "to lan1 from its subnet: the kernel agrees"
is "$(field verdict.leak_guard_drops)" false "to lan1 from its subnet: the leak guard lets it pass"
run nsx "$GW" ping -c3 -i0.2 -W1 -I 10.0.1.1 10.0.1.2
is "$status" 0 "to lan1 from its subnet: a real ping is answered"
seen "to lan1 from its subnet: lan1 got it" "$LAN1" from_gw

# sent_as DESC N POLICY IFACE COMMAND... : WORDS...: case_of's checks, the packets sent by
# COMMAND (datagrams; ping for a mark: SO_MARK) to 203.0.113.N (N = 6M: 2001:db8:ff::M).
sent_as() { sent=1 case_of "$@"; }
dst() { case $1 in 6*) echo "2001:db8:ff::${1#6}" ;; *) echo "203.0.113.$1" ;; esac; }
udp_from() { # udp_from N NS [PREFIX-CMD...]: 3 datagrams to dst N
	local n=$1 ns=$2
	shift 2
	probe "$ns" "$@" -- udp "$(dst "$n")" 5000 3
}
app_udp() { # app_udp N: 3 datagrams to dst N from a process in app's cgroup
	"$W" exec -C "$CONF" app -- ip netns exec "$GW" /usr/bin/python3 - udp "$(dst "$1")" 5000 3 <"$PROBE"
}
sent_as "a destination in the set" 70 dest-set "$B" udp_from 70 "$GW" : to 203.0.113.70
sent_as "IPv6: a destination in the set" 641 dest-set "$B" udp_from 641 "$GW" : to 2001:db8:ff::41
sent_as "IPv6: lan2 to the set" 642 dest-set "$B" udp_from 642 "$LAN2" : \
	to 2001:db8:ff::42 from fd00:2::2 iif lan2 ipproto udp dport 5000
sent_as "mark 0x42" 81 marked "$B" nsx "$GW" ping -q -c3 -i0.2 -W1 -m 66 203.0.113.81 : \
	to 203.0.113.81 mark 0x42
sent_as "IPv6: mark 0x42" 681 marked "$B" nsx "$GW" ping -6 -q -c3 -i0.2 -W1 -m 66 2001:db8:ff::81 : \
	to 2001:db8:ff::81 mark 0x42
sent_as "app's cgroup" 83 app "$A" app_udp 83 : to 203.0.113.83 cgroup "$cgroup" ipproto udp
sent_as "IPv6: exec app" 683 app "$A" app_udp 683 : to 2001:db8:ff::83 exec app ipproto udp
# app goes: the daemon below is held to the service's capabilities (no CAP_SYS_ADMIN), and
# under `ip netns exec`, which hides the cgroup2 mount, it could not mount one to resolve it.
sed -i '/^\[Policy app\]$/,/^$/d' "$CONF/policy.conf"
gw_wgpolicy apply "app goes"

explain to 2001:db8:ff::11 from fd00:1::2 iif lan1
is "$(field kernel.interface)" "$A" "lan1's IPv6: the kernel sends it by $A"
echoes "lan1's IPv6: a real flow" "$LAN1" 2001:db8:ff::11 80
seen "lan1's IPv6: counted at vpn0" "$VPN0" a6
unseen "lan1's IPv6: nothing in clear" "$INET" clear6

# The disagreement: office's IPv4 rule deleted behind wgpolicy's back.
explain to 203.0.113.13 from 10.0.1.2 iif lan1
prio=$(field compiled.priority)
pp "$GW" ip -4 rule del pref "$prio" from 10.0.1.0/24
explain to 203.0.113.13 from 10.0.1.2 iif lan1
is "$status" 0 "rule deleted: still explained"
is "$(field verdict.agree)" false "rule deleted: the kernel disagrees"
is "$(field compiled.interface)" "$A" "rule deleted: the configuration still says $A"
is "$(field kernel.interface)" up0 "rule deleted: the kernel would send it by up0"
is "$(field verdict.leak_guard_drops)" true "rule deleted: the leak guard drops it there"
like "$(field verdict.hint)" "wgpolicy plan" "rule deleted: the hint names wgpolicy plan"
run nsx "$GW" "$W" explain -C "$CONF" to 203.0.113.13 from 10.0.1.2 iif lan1
like "$stdout" "verdict: DISAGREE" "rule deleted: the text says DISAGREE"
held "rule deleted" 13

gw_wgpolicy apply "apply puts the rule back"
explain to 203.0.113.14 from 10.0.1.2 iif lan1 ipproto tcp dport 80
is "$(field verdict.agree)" true "after apply: the kernel agrees again"
echoes "after apply: a real flow" "$LAN1" 203.0.113.14 80
goes "after apply" 14 "$A"

# A rule of another program in front of office's: explain names it, and the leak guard holds.
pp "$GW" ip rule add pref 500 from 10.0.1.0/24 lookup main
explain to 203.0.113.16 from 10.0.1.2 iif lan1 ipproto tcp dport 80
is "$(field verdict.agree)" false "foreign rule: the kernel disagrees"
foreign="from 10.0.1.0/24 table main pref 500 proto 0"
is "$(field verdict.foreign_rule)" "$foreign" "foreign rule: named"
like "$(field verdict.hint)" "takes it first: move it after wgpolicy's rules" \
	"foreign rule: the hint says what to do"
run nsx "$GW" "$W" explain -C "$CONF" to 203.0.113.16 from 10.0.1.2 iif lan1
like "$stdout" "rule '$foreign' is not wgpolicy's" "foreign rule: the text names it"
held "foreign rule" 16
explain to 203.0.113.16 from 10.0.2.2 iif lan2 ipproto tcp dport 80
is "$(field verdict.foreign_rule)" "" "foreign rule: lan2's packet is not its"
pp "$GW" ip rule del pref 500

# The kill switch: tunnel A gone, office's traffic is refused rather than sent out of up0.
pp "$GW" ip link del "$A"
explain to 203.0.113.15 from 10.0.1.2 iif lan1 ipproto tcp dport 80
is "$status" 0 "tunnel gone: still explained"
like "$(field kernel.error)" "unreachable route" "tunnel gone: the kernel refuses it"
is "$(field verdict.kill_switch_holds)" true "tunnel gone: the kill switch holds"
held "tunnel gone" 15

# Failover as the daemon sees it: corp goes by A, or by B while A's server does not answer.
printf 'Probe = 10.8.0.1\n' >>"$CONF/$A.conf"
printf 'Probe = 10.9.0.1\n' >>"$CONF/$B.conf"
printf '[Policy corp]\nTo = 203.0.113.60/32\nVia = %s, %s\n%s\n' "$A" "$B" \
	"Check = probe 10.8.0.1 interval 100ms timeout 100ms down 3 up 3" >>"$CONF/policy.conf"
count "$VPN0" a60 iifname "$S0" ip daddr 203.0.113.60
count "$VPN1" b60 iifname "$S1" ip daddr 203.0.113.60
count "$INET" up60 iifname gw ip saddr 198.51.100.2 ip daddr 203.0.113.60
daemon_start "$GW" "$CONF"
ok "the daemon runs" daemon_alive
ok "tunnels up again" tunnels_ready
explain to 203.0.113.60 from 10.0.2.2 iif lan2 ipproto tcp dport 80
is "$(field configuration.health)" daemon "daemon: health comes from it"
is "$(field configuration.target)" "$A" "daemon, A up: corp goes by A"
is "$(field kernel.interface)" "$A" "daemon, A up: the kernel sends it by A"
fault "$VPN0"
via_b() { explain to 203.0.113.60 from 10.0.2.2 iif lan2 ipproto tcp dport 80 >/dev/null && [ "$(field kernel.interface)" = "$B" ]; }
ok "A's server unreachable: the daemon moves corp to B" wait_for 10 via_b
explain to 203.0.113.60 from 10.0.2.2 iif lan2 ipproto tcp dport 80
is "$(field configuration.target)" "$B" "A down: explain says corp goes by B"
is "$(field verdict.agree)" true "A down: the kernel agrees"
echoes "A down: a real flow to corp" "$LAN2" 203.0.113.60 80
goes "A down" 60 "$B"
repair "$VPN0"

# Usage: no destination, an unknown word.
run nsx "$GW" "$W" explain -C "$CONF" from 10.0.1.2
is "$status" 64 "no destination: usage error"
run nsx "$GW" "$W" explain -C "$CONF" to 203.0.113.1 tos 4
is "$status" 64 "unknown selector: usage error"

done_testing
