# The policy lab: a gateway running wgpolicy between two LANs and an
# "internet", with two VPN servers (wireguard-go) out there. Sourced by the
# policy-*.sh scenarios, after lib.sh's helpers (sourced here).
#
#  [lan1] eth0 ─── lan1 ┐                                     ┌ v0 ─── up0 [vpn0] wg $S0
#  10.0.1.2             │                                     │        192.0.2.2
#  fd00:1::2      [gw: wgpolicy] up0 ─────────── gw [inet] ───┤        2001:db8:200::2
#                       │  198.51.100.2     198.51.100.1      │
#  [lan2] eth0 ─── lan2 ┘  2001:db8:100::2  2001:db8:100::1   └ v1 ─── up0 [vpn1] wg $S1
#  10.0.2.2                                                            192.0.2.18
#  fd00:2::2                                                           2001:db8:201::2
#
#  gw:   lan1 10.0.1.1, fd00:1::1    lan2 10.0.2.1, fd00:2::1
#        $A 10.8.0.2, fd08::2 ══ WireGuard ══ $S0 10.8.0.1, fd08::1 (vpn0)
#        $B 10.9.0.2, fd09::2 ══ WireGuard ══ $S1 10.9.0.1, fd09::1 (vpn1)
#  inet: v0 192.0.2.1/28, 2001:db8:200::1/64   v1 192.0.2.17/28, 2001:db8:201::1/64;
#        every address of 203.0.113.0/24 and 2001:db8:ff::/64 is its own (AnyIP
#        on lo): it answers pings, and TCP on $LAB_PORTS with an echo.
#
# The gateway masquerades what leaves by up0 (a home router's NAT), so what
# goes direct reaches the internet from 198.51.100.2 / 2001:db8:100::2. Each
# VPN server routes the LANs' prefixes and the gateway's tunnel address back
# into its tunnel and masquerades onward by its up0, so the internet answers
# it. Nothing else routes: the internet knows no 10.x or fd00::/8 route.
#
# The gateway's tunnels are written as $CONF/$A.conf and $CONF/$B.conf with
# Table = off: only policies send traffic into them. A scenario adds
# $CONF/policy.conf and runs `gw_wgpolicy apply`.
#
# Proof is counted at the far ends: `count NS NAME MATCH` puts a named nft
# counter in the namespace's own table (inet lab, prerouting at raw priority,
# before NAT), `packets NS NAME` reads it.
# shellcheck shell=bash
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

LAB_PORTS="80 443 8080"
PROBE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/probe.py
LAB_CGROUPS=()

now_ms() { date +%s%3N; }

# note TEXT: a TAP comment, so that a failing run shows what was done before it.
note() { printf '# %s\n' "$*"; }

# pp NS CMD...: print, then run, a command in a namespace (netns.sh's pp).
pp() { local ns=$1; shift; note "[${ns#wgp"$ID"-}] $*"; nsx "$ns" "$@"; }

# lab_require [TOOL...]: what the lab needs, and the TOOLs (require_root).
lab_require() {
	require_root nft ping setpriv ss /usr/bin/python3 "$@"
}

lab_cleanup() {
	local cg tries
	cleanup
	# Deepest first, and only once the processes in them are gone (bounded).
	for cg in "${LAB_CGROUPS[@]}"; do
		tries=10
		while [ -d "$cg" ] && ! rmdir "$cg" 2>/dev/null && [ $((tries -= 1)) -gt 0 ]; do
			sleep 0.1
		done
	done
}
trap lab_cleanup EXIT

# probe NS [PREFIX-CMD...] -- ARGS: run probe.py in NS; PREFIX-CMD is e.g. setpriv.
probe() {
	local ns=$1; shift
	local pre=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do pre+=("$1"); shift; done
	shift
	nsx "$ns" "${pre[@]}" /usr/bin/python3 - "$@" <"$PROBE"
}

# count NS NAME MATCH...: a named counter of the packets that arrive in NS and match.
count() {
	local ns=$1 name=$2; shift 2
	nsx "$ns" nft add counter inet lab "$name" &&
		nsx "$ns" nft add rule inet lab count "$@" counter name "$name"
}
packets() {
	nsx "$1" nft list counter inet lab "$2" | awk '$1 == "packets" { print $2; exit }'
}

# seen DESC NS NAME [MIN]: the counter got at least MIN packets (3: a TCP exchange).
seen() {
	local n
	n=$(packets "$2" "$3")
	[ "${n:-0}" -ge "${4:-3}" ] && _tap_result ok "$1" ||
		_tap_result fail "$1" "counter $3 in ${2#wgp"$ID"-}: ${n:-none}, expected at least ${4:-3}"
}

# unseen DESC NS NAME...: not one packet on any of these counters.
unseen() {
	local desc=$1 ns=$2 name got=""
	shift 2
	for name; do got="$got $name=$(packets "$ns" "$name")"; done
	case $got in
	*=[1-9]* | *=) _tap_result fail "$desc" "in ${ns#wgp"$ID"-}:$got" ;;
	*) _tap_result ok "$desc" ;;
	esac
}

# echoes DESC NS [PREFIX-CMD... --] HOST PORT: a TCP exchange with the echo
# server, as a check; $stdout is then the local address the socket used.
echoes() {
	local desc=$1 ns=$2 pre=()
	shift 2
	if [ $# -gt 2 ]; then
		while [ "$1" != -- ]; do pre+=("$1"); shift; done
		shift
	fi
	run probe "$ns" "${pre[@]}" -- tcp "$1" "$2"
	is "$status" 0 "$desc"
}

# office_policy [LINE...]: Example A, lan1's subnet through A, with extra keys.
office_policy() {
	printf '[Policy office]\nFrom = 10.0.1.0/24, fd00:1::/64\nVia = %s\n' "$A"
	[ $# -eq 0 ] || printf '%s\n' "$@"
}

# The namespace's own table: counters, and NAT where the lab wants it.
lab_table() {
	local ns=$1 masq_oif=${2:-}
	nsx "$ns" nft -f - <<NFT
table inet lab {
	chain count {
		type filter hook prerouting priority raw; policy accept;
	}
$( [ -n "$masq_oif" ] && printf '\tchain nat {\n\t\ttype nat hook postrouting priority srcnat; policy accept;\n\t\toifname "%s" masquerade\n\t}\n' "$masq_oif")
}
NFT
}

forwarding() {
	nsx "$1" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
}

defroute() { nsx "$1" ip route add default via "$2" && nsx "$1" ip -6 route add default via "$3"; }

# addr NS IF ADDR...: addresses on a link (IPv6 without DAD).
addr() {
	local ns=$1 dev=$2 a; shift 2
	for a in "$@"; do
		case $a in
		*:*) nsx "$ns" ip -6 addr add "$a" dev "$dev" nodad ;;
		*) nsx "$ns" ip addr add "$a" dev "$dev" ;;
		esac || return 1
	done
}

# lab_server NS IF PRIVKEY PEER_PUB TUN4 TUN6 PEER_TUN4 PEER_TUN6: a wireguard-go server.
lab_server() {
	local ns=$1 dev=$2 priv=$3 pub=$4 a4=$5 a6=$6 p4=$7 p6=$8
	nsx "$ns" wireguard-go "$dev" >/dev/null 2>&1 || return 1
	printf '%s\n' "$priv" >"$TMP/$dev.key"
	nsx "$ns" wg set "$dev" private-key "$TMP/$dev.key" listen-port 51820 \
		peer "$pub" allowed-ips "$p4/32,$p6/128,10.0.0.0/16,fd00::/16" || return 1
	addr "$ns" "$dev" "$a4/24" "$a6/64" && nsx "$ns" ip link set "$dev" up &&
		nsx "$ns" ip route add 10.0.0.0/16 dev "$dev" &&
		nsx "$ns" ip -6 route add fd00::/16 dev "$dev"
}

# lab_server_pid NS: the wireguard-go serving in NS.
lab_server_pid() {
	local pid
	for pid in $(ip netns pids "$1"); do
		[ "$(cat "/proc/$pid/comm" 2>/dev/null)" = wireguard-go ] && { echo "$pid"; return 0; }
	done
	return 1
}

lab_up() {
	LAN1=$(netns lan1) && LAN2=$(netns lan2) && GW=$(netns gw) && INET=$(netns inet) &&
		VPN0=$(netns vpn0) && VPN1=$(netns vpn1) || return 1
	A=$(ifname a) B=$(ifname b) S0=$(ifname s) S1=$(ifname t)
	CONF=$TMP/gw
	mkdir -p "$CONF"

	veth "$LAN1" eth0 "$GW" lan1 && veth "$LAN2" eth0 "$GW" lan2 &&
		veth "$GW" up0 "$INET" gw && veth "$INET" v0 "$VPN0" up0 &&
		veth "$INET" v1 "$VPN1" up0 || return 1

	addr "$LAN1" eth0 10.0.1.2/24 fd00:1::2/64 && addr "$GW" lan1 10.0.1.1/24 fd00:1::1/64 &&
		addr "$LAN2" eth0 10.0.2.2/24 fd00:2::2/64 && addr "$GW" lan2 10.0.2.1/24 fd00:2::1/64 &&
		addr "$GW" up0 198.51.100.2/24 2001:db8:100::2/64 &&
		addr "$INET" gw 198.51.100.1/24 2001:db8:100::1/64 &&
		addr "$INET" v0 192.0.2.1/28 2001:db8:200::1/64 &&
		addr "$VPN0" up0 192.0.2.2/28 2001:db8:200::2/64 &&
		addr "$INET" v1 192.0.2.17/28 2001:db8:201::1/64 &&
		addr "$VPN1" up0 192.0.2.18/28 2001:db8:201::2/64 || return 1
	defroute "$LAN1" 10.0.1.1 fd00:1::1 && defroute "$LAN2" 10.0.2.1 fd00:2::1 &&
		defroute "$GW" 198.51.100.1 2001:db8:100::1 &&
		defroute "$VPN0" 192.0.2.1 2001:db8:200::1 && defroute "$VPN1" 192.0.2.17 2001:db8:201::1 ||
		return 1
	# Everything on 203.0.113.0/24 and 2001:db8:ff::/64 is the internet namespace itself.
	nsx "$INET" ip route add local 203.0.113.0/24 dev lo &&
		nsx "$INET" ip -6 route add local 2001:db8:ff::/64 dev lo || return 1
	local ns
	for ns in "$GW" "$INET" "$VPN0" "$VPN1"; do forwarding "$ns"; done
	lab_table "$LAN1" && lab_table "$LAN2" && lab_table "$GW" up0 && lab_table "$INET" &&
		lab_table "$VPN0" up0 && lab_table "$VPN1" up0 || return 1

	keypair gw0 && keypair gw1 && keypair srv0 && keypair srv1 || return 1
	# shellcheck disable=SC2154 # keypair sets *_priv and *_pub
	lab_server "$VPN0" "$S0" "$srv0_priv" "$gw0_pub" 10.8.0.1 fd08::1 10.8.0.2 fd08::2 &&
		lab_server "$VPN1" "$S1" "$srv1_priv" "$gw1_pub" 10.9.0.1 fd09::1 10.9.0.2 fd09::2 ||
		return 1
	# shellcheck disable=SC2154
	lab_tunnel "$A" "$gw0_priv" "$srv0_pub" 192.0.2.2 10.8.0.2 fd08::2
	# shellcheck disable=SC2154
	lab_tunnel "$B" "$gw1_priv" "$srv1_pub" 192.0.2.18 10.9.0.2 fd09::2

	# shellcheck disable=SC2086 # the ports are words
	nsx "$INET" /usr/bin/python3 - serve $LAB_PORTS <"$PROBE" >/dev/null 2>&1 &
	PIDS+=($!)
	wait_for 5 sh -c "ip netns exec $INET ss -Hltn 'sport = :443' | grep -q LISTEN" || return 1
	# The underlay works end to end before any policy exists.
	wait_for 5 nsx "$LAN1" ping -c1 -W1 203.0.113.1 && wait_for 5 nsx "$LAN2" ping -6 -c1 -W1 2001:db8:ff::1 &&
		wait_for 5 nsx "$GW" ping -c1 -W1 192.0.2.18 && wait_for 5 nsx "$GW" ping -6 -c1 -W1 2001:db8:200::2
}

# lab_tunnel IF PRIVKEY SERVER_PUB SERVER_IP TUN4 TUN6: the gateway's side, a wg-quick file.
lab_tunnel() {
	cat >"$CONF/$1.conf" <<CONF
[Interface]
PrivateKey = $2
Address = $5/24, $6/64
Table = off
[Peer]
PublicKey = $3
Endpoint = $4:51820
AllowedIPs = 0.0.0.0/0, ::/0
CONF
	chmod 600 "$CONF/$1.conf"
}

# gw_wgpolicy CMD [DESC]: wgpolicy CMD -C $CONF on the gateway as a TAP check; its output is
# shown when it fails (without wireguard-go's banner).
gw_wgpolicy() {
	note "[gw] wgpolicy $1 -C \$CONF"
	run nsx "$GW" "$W" "$1" -C "$CONF"
	is "$status" 0 "${2:-wgpolicy $1}"
	[ "$status" -eq 0 ] || printf '%s\n' "$stdout" "$stderr" | grep -v '[│┌└]' | sed 's/^/# /'
	return "$status"
}

# tunnels_ready: both tunnels have a handshake (the servers' tunnel addresses answer).
tunnels_ready() {
	wait_for 10 nsx "$GW" ping -c1 -W1 10.8.0.1 && wait_for 10 nsx "$GW" ping -c1 -W1 10.9.0.1
}

# lab_start: the lab, or a TAP bail-out that says what failed.
lab_start() {
	lab_require
	if ! lab_up >"$TMP/lab.log" 2>&1; then
		echo "Bail out! the lab did not come up:"
		sed 's/^/# /' "$TMP/lab.log"
		exit 1
	fi
}

# cgroup2_root: where cgroup v2 is mounted here (hybrid layouts have it at .../unified).
# mountinfo has a variable number of optional fields, then "-" and the type (proc(5)).
cgroup2_root() {
	awk '{ i = 7; while ($i != "-") i++ } $(i + 1) == "cgroup2" { print $5; exit }' /proc/self/mountinfo
}
