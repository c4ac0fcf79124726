#!/bin/sh
# TAP, inside the VM (as /test.sh, run by init.sh): kernel WireGuard between two
# network namespaces, first set up by hand with ip and wg (the VM works), then
# by wgpolicy from wg-quick files (up FILE on one side, apply -C DIR on the other).
#
#   ns a                                          ns b
#   veth-a 192.0.2.1/24 -------- veth ---------- veth-b 192.0.2.2/24
#   wg-a   198.51.100.1/24      by ip + wg       wg-b   198.51.100.2/24
#          2001:db8:1::1/64                             2001:db8:1::2/64
#   wga    198.51.100.1/24      by wgpolicy      wgb    198.51.100.2/24
#          2001:db8:2::1/64                             2001:db8:2::2/64
#
# Every command goes to stderr (the console) before it runs; TAP to stdout.
set -u
umask 077
. /tap.sh

# Debian's busybox sh runs its own applets before searching PATH: name the real ones.
ip() { /usr/sbin/ip "$@"; }

n() {
	ns=$1
	shift
	echo "[$ns] $*" >&2
	ip netns exec "$ns" "$@"
}

# n under tap.sh's run, then the output on the console too.
nrun() {
	ns=$1
	shift
	echo "[$ns] $*" >&2
	run ip netns exec "$ns" "$@"
	[ -z "$stderr" ] || printf '%s\n' "$stderr" >&2
	[ -z "$stdout" ] || printf '%s\n' "$stdout" >&2
}

handshake() { n "$1" wg show "$2" latest-handshakes | awk '$2 > 0 { ok = 1 } END { exit !ok }'; }

ok "wireguard module is loaded" grep -q '^wireguard ' /proc/modules

for ns in a b; do
	ip netns add "$ns"
	n "$ns" ip link set lo up
	n "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
done
n a ip link add veth-a type veth peer name veth-b netns b
n a ip addr add 192.0.2.1/24 dev veth-a
n b ip addr add 192.0.2.2/24 dev veth-b
n a ip link set veth-a up
n b ip link set veth-b up
ok "ping over the veth between the namespaces" n a ping -c 1 -W 5 192.0.2.2

# Part one: kernel WireGuard by hand.
for ns in a b; do
	n "$ns" wg genkey >"/tmp/$ns.key"
	wg pubkey <"/tmp/$ns.key" >"/tmp/$ns.pub"
done
ok "ip link add type wireguard (namespace a)" n a ip link add wg-a type wireguard
ok "ip link add type wireguard (namespace b)" n b ip link add wg-b type wireguard
n a wg set wg-a private-key /tmp/a.key listen-port 51820 \
	peer "$(cat /tmp/b.pub)" allowed-ips 198.51.100.2/32,2001:db8:1::2/128 endpoint 192.0.2.2:51820
n b wg set wg-b private-key /tmp/b.key listen-port 51820 \
	peer "$(cat /tmp/a.pub)" allowed-ips 198.51.100.1/32,2001:db8:1::1/128 endpoint 192.0.2.1:51820
n a ip addr add 198.51.100.1/24 dev wg-a
n a ip addr add 2001:db8:1::1/64 dev wg-a nodad
n b ip addr add 198.51.100.2/24 dev wg-b
n b ip addr add 2001:db8:1::2/64 dev wg-b nodad
n a ip link set wg-a up
n b ip link set wg-b up
ok "ping over kernel WireGuard, IPv4" n a ping -c 1 -W 5 198.51.100.2
ok "ping over kernel WireGuard, IPv6" n b ping -c 1 -W 5 2001:db8:1::1
ok "wg show: a handshake with the peer" handshake a wg-a
run n a wg show wg-a transfer
like "$stdout" "	[1-9][0-9]*	[1-9][0-9]*$" "wg show: bytes both ways"
n a ip link del wg-a
n b ip link del wg-b

# Part two: the same through wgpolicy, if this build has its engine.
W=/usr/bin/wgpolicy
missing=""
for c in up apply plan status down; do
	"$W" "$c" --help >/dev/null 2>&1 || missing="$missing $c"
done
if [ -n "$missing" ]; then
	skip "wgpolicy up, apply, status, plan, down over kernel WireGuard" \
		"this wgpolicy has no command:$missing"
	done_testing
	exit
fi

conf() { # NS NAME ADDRESSES PEER ALLOWEDIPS ENDPOINT
	mkdir -p "/tmp/wgp-$1"
	cat >"/tmp/wgp-$1/$2.conf" <<-CONF
		[Interface]
		PrivateKey = $(cat "/tmp/$1.key")
		Address = $3
		ListenPort = 51821

		[Peer]
		PublicKey = $(cat "/tmp/$4.pub")
		AllowedIPs = $5
		Endpoint = $6:51821
	CONF
	chmod 600 "/tmp/wgp-$1/$2.conf"
}
# 203.0.113.0/24 lies outside wga's addresses, so wgpolicy must route it (as wg-quick).
conf a wga "198.51.100.1/24, 2001:db8:2::1/64" b \
	"198.51.100.2/32, 2001:db8:2::2/128, 203.0.113.0/24" 192.0.2.2
conf b wgb "198.51.100.2/24, 2001:db8:2::2/64" a "198.51.100.1/32, 2001:db8:2::1/128" 192.0.2.1
n b ip addr add 203.0.113.1/32 dev lo

nrun a "$W" up /tmp/wgp-a/wga.conf
is "$status" 0 "wgpolicy up FILE (namespace a)"
nrun b "$W" apply -C /tmp/wgp-b
is "$status" 0 "wgpolicy apply -C DIR (namespace b)"
run n a ip -d link show wga
like "$stdout" "wireguard" "wga is a kernel wireguard link"
run n a ip route show dev wga
like "$stdout" "^203\.0\.113\.0/24 proto " "wgpolicy routed 203.0.113.0/24 into wga, with a protocol tag"
nrun a "$W" status -C /tmp/wgp-a
like "$stdout" "interface: wga \(wgpolicy, kernel\)" "wgpolicy status: wga, owned, backend kernel"
like "$stdout" "203\.0\.113\.0/24" "wgpolicy status lists its route"
nrun b "$W" status -C /tmp/wgp-b
like "$stdout" "interface: wgb \(wgpolicy, kernel\)" "wgpolicy status: wgb, owned, backend kernel"

ok "ping over wgpolicy's kernel WireGuard, IPv4" n a ping -c 1 -W 5 198.51.100.2
ok "ping over wgpolicy's kernel WireGuard, IPv6" n b ping -c 1 -W 5 2001:db8:2::1
ok "ping over wgpolicy's route, to 203.0.113.1 behind wgb" n a ping -c 1 -W 5 203.0.113.1
ok "wg show: wga has a handshake" handshake a wga
nrun a "$W" status -C /tmp/wgp-a
like "$stdout" "latest handshake: [0-9]+ seconds? ago" "wgpolicy status shows the handshake"

for s in a b; do
	nrun "$s" "$W" plan -C "/tmp/wgp-$s"
	is "$status" 0 "wgpolicy plan right after apply exits 0 (namespace $s)"
	is "$stdout" "" "wgpolicy plan right after apply prints nothing (namespace $s)"
done
nrun b "$W" apply -C /tmp/wgp-b
is "$status" 0 "a second wgpolicy apply succeeds"
nrun b "$W" plan -C /tmp/wgp-b
is "$status" 0 "and leaves nothing to do"

# A policy on this kernel's nftables: MSS clamping in wga's egress hook
# (table netdev wgpolicy). Linux 6.1 deletes an egress chain with its device;
# wgpolicy counts the chains, so deleting wga shows in the plan, and apply
# brings back both.
printf '[Policy web]\nTo = 203.0.113.0/24\nVia = wga\nKillSwitch = routes\n' >/tmp/wgp-a/policy.conf
nrun a "$W" apply -C /tmp/wgp-a
is "$status" 0 "wgpolicy apply of a policy (namespace a)"
like "$stderr" "add table netdev wgpolicy" "the policy's MSS clamping: the netdev table"
nrun a "$W" plan -C /tmp/wgp-a
is "$status:$stdout" "0:" "plan right after: nothing to do (the chains are counted alike)"
ok "ping through the policy's table" n a ping -c 1 -W 5 203.0.113.1
n a ip link del wga
nrun a "$W" plan -C /tmp/wgp-a
like "$stdout" "ip link add wga type wireguard|wireguard-go wga|link add.*wga" "wga deleted: plan adds it"
nrun a "$W" apply -C /tmp/wgp-a
is "$status" 0 "apply after wga was deleted"
nrun a "$W" plan -C /tmp/wgp-a
is "$status:$stdout" "0:" "and then nothing to do: the egress chain is back"
ok "ping through the policy's table again" n a ping -c 1 -W 5 203.0.113.1
nrun a "$W" down -C /tmp/wgp-a
is "$status" 0 "wgpolicy down -C DIR (namespace a)"
nrun a "$W" plan -C /tmp/wgp-a
like "$stdout" "add table netdev wgpolicy" "down removed the netdev table"
rm /tmp/wgp-a/policy.conf
nrun a "$W" up /tmp/wgp-a/wga.conf
is "$status" 0 "wgpolicy up FILE again (namespace a)"

nrun a "$W" down /tmp/wgp-a/wga.conf
is "$status" 0 "wgpolicy down FILE (namespace a)"
run n a ip link show wga
is "$status" 1 "wga is gone"
nrun b "$W" down -C /tmp/wgp-b wgb
is "$status" 0 "wgpolicy down -C DIR IFACE (namespace b)"
run n b ip link show wgb
is "$status" 1 "wgb is gone"
for s in a b; do
	run n "$s" sh -c 'for f in 4 6; do /usr/sbin/ip -$f route show table all; /usr/sbin/ip -$f rule; done'
	unlike "$stdout" "wg[ab]|198\.51\.100\.|2001:db8:2:|203\.0\.113\.0/24" "no route or rule of wgpolicy's left (namespace $s)"
done

done_testing
