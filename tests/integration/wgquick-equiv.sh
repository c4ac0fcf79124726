#!/usr/bin/env bash
# wgpolicy is a drop-in for wg-quick: the same file, brought up by wg-quick
# (userspace, wireguard-go) in one namespace and by `wgpolicy up` in another,
# gives the same rules, routes, addresses, MTU and WireGuard settings, and
# what wg-quick's nftables rules do for a full tunnel, packets show in both:
# a packet for the tunnel's address arriving by up0 is dropped, and the
# peer's replies keep the tunnel's fwmark, so strict rp_filter lets them in.
# Files as people have them (odd case, blanks, blanks inside wg's values, CR LF,
# repeated and empty keys, several DNS and hook lines, VPN providers' exports,
# ports by service name) read alike; files wg-quick refuses, wgpolicy refuses by file and line first.
#
#   [wq: wg-quick] --veth-- [net] --veth-- [wp: wgpolicy]
#   192.0.2.2/24, 2001:db8::2/64    .1, ::1    192.0.2.3/24 (same view)
#   rp_filter=1 (strict)        203.0.113.1 (lo): a UDP echo on port 51820,
#                               the endpoint, reached by the default route
set -u
. "$(dirname "$0")/lib.sh"
require_root wg-quick

net=$(netns net)
wq=$(netns wq)
wp=$(netns wp)
nsx "$net" ip link add br0 type bridge && nsx "$net" ip link set br0 up
for side in wq wp; do
	ns=${!side}
	veth "$ns" up0 "$net" "$side-up"
	nsx "$net" ip link set "$side-up" master br0
	nsx "$ns" ip link set up0 mtu 1400
	nsx "$ns" ip addr add 192.0.2.$([ $side = wq ] && echo 2 || echo 3)/24 dev up0
	nsx "$ns" ip addr add 2001:db8::$([ $side = wq ] && echo 2 || echo 3)/64 dev up0 nodad
	nsx "$ns" ip route add default via 192.0.2.1
	nsx "$ns" ip -6 route add default via 2001:db8::1
done
nsx "$net" ip addr add 192.0.2.1/24 dev br0
nsx "$net" ip addr add 2001:db8::1/64 dev br0 nodad
nsx "$net" ip addr add 203.0.113.1/32 dev lo
# The endpoint answers whatever it gets (WireGuard ignores the echo): a reply to the tunnel's flow.
nsx "$net" /usr/bin/python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("203.0.113.1", 51820))
s.settimeout(600)
while True:
    data, peer = s.recvfrom(4096)
    s.sendto(data, peer)
' &
PIDS+=($!)
# What the checks count in the clients: before wg-quick's raw chain, and at local delivery.
probe_table() {
	nsx "$1" nft -f - <<'NFT'
table inet probe
delete table inet probe
table inet probe {
	counter spoof_in {}
	counter spoof_local {}
	counter reply_in {}
	counter reply_local {}
	chain pre {
		type filter hook prerouting priority -400; policy accept;
		iifname "up0" udp dport 9 counter name spoof_in
		iifname "up0" ip saddr 203.0.113.1 udp sport 51820 counter name reply_in
	}
	chain local {
		type filter hook input priority 0; policy accept;
		iifname "up0" udp dport 9 counter name spoof_local
		iifname "up0" ip saddr 203.0.113.1 udp sport 51820 counter name reply_local
	}
}
NFT
}
packets() { nsx "$1" nft list counter inet probe "$2" | awk '$1 == "packets" { print $2; exit }'; }
arrived() { [ "$(packets "$1" "$2")" -gt 0 ]; }
for ns in "$wq" "$wp"; do
	nsx "$ns" sysctl -qw net.ipv4.conf.all.rp_filter=1
	probe_table "$ns"
done

keypair me
keypair srv
keypair srv2
psk=$(wg genpsk)

# name|config body (Interface then Peer sections); PrivateKey is added for both sides.
# A name beginning with crlf has its files written with CR LF line ends.
tab=$'\t'
cases=(
"split-tunnel|Address = 10.8.0.2/24
[Peer]
PublicKey = $srv_pub
Endpoint = 192.0.2.1:51820
AllowedIPs = 10.8.0.0/24, 192.168.100.0/24
PersistentKeepalive = 25"
"full-tunnel-v4-v6|Address = 10.8.0.2/24, fd08::2/64
[Peer]
PublicKey = $srv_pub
Endpoint = 203.0.113.1:51820
AllowedIPs = 0.0.0.0/0, ::/0"
"table-off|Address = 10.8.0.2/24
Table = off
[Peer]
PublicKey = $srv_pub
Endpoint = 192.0.2.1:51820
AllowedIPs = 0.0.0.0/0, ::/0"
"table-by-name|Address = 10.8.0.2/24
Table = default
[Peer]
PublicKey = $srv_pub
AllowedIPs = 0.0.0.0/0, 10.9.0.0/24"
"table-1234|Address = 10.8.0.2/24
Table = 1234
[Peer]
PublicKey = $srv_pub
Endpoint = 192.0.2.1:51820
AllowedIPs = 0.0.0.0/0, 172.16.0.0/12"
"fwmark|Address = 10.8.0.2/24
FwMark = 0x4242
ListenPort = 51999
[Peer]
PublicKey = $srv_pub
Endpoint = 203.0.113.1:51820
AllowedIPs = 0.0.0.0/0"
"several-peers|Address = 10.10.0.1/24
ListenPort = 51821
[Peer]
PublicKey = $srv_pub
AllowedIPs = 10.10.0.2/32, 192.168.2.0/24
[Peer]
PublicKey = $srv2_pub
PresharedKey = $psk
Endpoint = [2001:db8::1]:51822
AllowedIPs = 10.10.0.3/32, 192.168.3.0/24
PersistentKeepalive = 15"
"ipv6-only|Address = fd00:8::2/64
[Peer]
PublicKey = $srv_pub
Endpoint = [2001:db8::1]:51820
AllowedIPs = ::/0"
"address-no-prefix|Address = 10.8.0.2
[Peer]
PublicKey = $srv_pub
Endpoint = 192.0.2.1:51820
AllowedIPs = 10.8.0.0/24"
"dns|Address = 10.8.0.2/24
DNS = 10.8.0.1, fd08::1, corp.example, lab.example
[Peer]
PublicKey = $srv_pub
Endpoint = 203.0.113.1:51820
AllowedIPs = 0.0.0.0/0"
"mtu-set|Address = 10.8.0.2/24
MTU = 1280
[Peer]
PublicKey = $srv_pub
Endpoint = 192.0.2.1:51820
AllowedIPs = 10.8.0.0/16"
"odd-spelling|address$tab=${tab}10.8.0.2/24   # inline comment
ADDRESS = fd08::2/64#no blank
mtu = 1380

[PEER]
public key = $srv_pub
Allowed IPs = 192.168.1.0/24, 10.0.0.0/8
allowedips=172.16.0.0/12
ENDPOINT = 192.0.2.1:51820
PersistentKeepalive = off"
"crlf-endings|Address = 10.8.0.2/24
DNS = 10.8.0.1
[Peer]
PublicKey = $srv_pub
AllowedIPs = 10.8.0.0/24, 192.168.100.0/24"
"split-default|Address = 10.8.0.2/24, fd08::2/64
[Peer]
PublicKey = $srv_pub
Endpoint = 192.0.2.1:51820
AllowedIPs = 0.0.0.0/1, 128.0.0.0/1
AllowedIPs = ::/1, 8000::/1"
"default-v6-only|Address = 10.8.0.2/24, fd08::2/64
[Peer]
PublicKey = $srv_pub
Endpoint = [2001:db8::1]:51820
AllowedIPs = ::/0, 10.8.0.0/24"
"prefix-twice|Address = 10.8.0.2/24
[Peer]
PublicKey = $srv_pub
AllowedIPs = 10.3.0.0/24, 192.168.5.0/24, 10.3.0.9/24
[Peer]
PublicKey = $srv2_pub
AllowedIPs = 192.168.5.0/24"
"empty-values|Address = 10.8.0.2/24
MTU =
Table =
PostUp =
[Peer]
PublicKey = $srv_pub
Endpoint = 192.0.2.1:51820
AllowedIPs = 10.8.0.0/24"
"blanks-in-wg-values|Address = 10.8.0.2/24
ListenPort = 51 823
FwMark = 0x 4243
[Peer]
PublicKey = $srv_pub
Endpoint = 192.0.2.1 : 51820
AllowedIPs = 10.8.0.0/24 , 192.168.7.0/24,${tab}10.7.0.0 / 16
PersistentKeepalive = 2 5
[Peer]
PublicKey = $srv2_pub
Endpoint = [2001:db8::1] :51822
AllowedIPs = fd07::/64"
"fwmark-decimal|Address = 10.8.0.2/24
FwMark = 16962
[Peer]
PublicKey = $srv_pub
AllowedIPs = 10.8.0.0/24"
"fwmark-off-full|Address = 10.8.0.2/24
FwMark = off
[Peer]
PublicKey = $srv_pub
Endpoint = 203.0.113.1:51820
AllowedIPs = 0.0.0.0/0"
"dns-and-hook-lines|Address = 10.8.0.2/24,
DNS = 10.8.0.1
DNS = 2001:db8::53 corp.example
DNS=fd08::1,,lab.example,
PreUp = echo pre-up %i >> $TMP/hooks-%i
PostDown = echo post-down %i >> $TMP/hooks-%i
[Peer]
PublicKey = $srv_pub
AllowedIPs = 10.9.0.0/24"
"ip-numbers|Address = fd08::2, 10.8.0.2
MTU = 0x500
Table = 0x100
ListenPort = 0
[Peer]
PublicKey = $srv_pub
Endpoint = localhost:51820
AllowedIPs = 10.9.0.0/24
PersistentKeepalive = 0"
"address-order|Address = 10.8.0.3/24, 10.8.0.2/24, fd08::3/64
Address = fd08::2/64
[Peer]
PublicKey = $srv_pub
AllowedIPs = 10.8.0.0/16"
"dns-search-only|Address = 10.8.0.2/24
DNS = corp.example, lab.example
[Peer]
PublicKey = $srv_pub
AllowedIPs = 10.8.0.0/24"
# As VPN providers export them (addresses made documentation ones).
"mullvad-style|Address = 10.64.12.34/32,fd00:bbbb:bbbb:bb01::1:c21/128
DNS = 10.64.0.1
[Peer]
PublicKey = $srv_pub
AllowedIPs = 0.0.0.0/0,::0/0
Endpoint = 203.0.113.1:51820"
"proton-style|# Key for laptop
# Bouncing = 1
# NetShield = 1
# Moderate NAT = off
# NAT-PMP (Port Forwarding) = off
# VPN Accelerator = on
Address = 10.2.0.2/32, fd07:b944::2:2/128
DNS = 10.2.0.1

[Peer]
# CH#1
PublicKey = $srv_pub
AllowedIPs = 0.0.0.0/0, ::/0
Endpoint = 203.0.113.1:51820"
"azire-style|Address = 10.0.51.20/19, fd0e:1c80:1337:1:10:0:33:14/64
DNS = 198.51.100.53, 198.51.100.54, 2001:db8:53::2, vpn.example, corp.example
[Peer]
PublicKey = $srv_pub
AllowedIPs = 0.0.0.0/0, ::/0
Endpoint = localhost:51820"
"ivpn-style|Address = 172.21.3.4/32
DNS = 172.16.0.1
[Peer]
PublicKey = $srv_pub
Endpoint = 192.0.2.1:2049
AllowedIPs = 0.0.0.0/0
PersistentKeepalive = 25"
"warp-style|Address = 172.16.0.2/32
Address = fd01:4700:110:8a36:df92:102a:9602:fa18/128
DNS = 198.51.100.1, 198.51.100.2, 2001:db8:1111::1111
MTU = 1280
[Peer]
PublicKey = $srv_pub
AllowedIPs = 0.0.0.0/0
AllowedIPs = ::/0
Endpoint = [2001:db8::1]:2408"
"table-auto-full|Address = 10.8.0.2/24
Table = auto
[Peer]
PublicKey = $srv_pub
Endpoint = 203.0.113.1:51820
AllowedIPs = 0.0.0.0/0"
"server-saveconfig|Address = 10.66.0.1/24, fd66::1/64
ListenPort = 51866
Table = auto
SaveConfig = true
[Peer]
PublicKey = $srv_pub
PresharedKey = $psk
Endpoint = [2001:db8::1]:51820
AllowedIPs = 10.66.0.2/32, fd66::2/128
PersistentKeepalive = 25"
# wg splits an Endpoint at its last colon and asks getaddrinfo: a UDP service's name is a port.
"endpoints-as-wg|Address = 10.8.0.2/24
[Peer]
PublicKey = $srv_pub
Endpoint = 192.0.2.1:https
AllowedIPs = 10.8.0.0/24
[Peer]
PublicKey = $srv2_pub
Endpoint = 2001:db8::1:51820
AllowedIPs = 10.9.0.0/24"
"listenport-service|Address = 10.8.0.2/24
ListenPort = domain
[Peer]
PublicKey = $srv_pub
AllowedIPs = 10.8.0.0/24"
# One file for every node of a mesh lists each node as a peer of itself: WireGuard ignores
# that peer, and wg-quick routes none of its AllowedIPs (it routes what wg shows).
"mesh-self-peer|Address = 10.8.0.2/24
[Peer]
PublicKey = $me_pub
Endpoint = 192.0.2.3:51820
AllowedIPs = 10.8.0.2/32, 192.168.52.0/24
[Peer]
PublicKey = $srv_pub
Endpoint = 192.0.2.1:51820
AllowedIPs = 10.8.0.1/32, 192.168.51.0/24"
# wg-quick sizes the MTU before it adds its routes: by the underlay's route to an endpoint
# that AllowedIPs cover, or the default route's to a link-local one, which the interface's
# own fe80::/64 takes once up; the next plan has nothing to change either.
"endpoint-in-allowedips|Address = 10.8.0.2/24
[Peer]
PublicKey = $srv_pub
Endpoint = 198.51.100.7:51820
AllowedIPs = 198.51.100.0/24"
# wg reads an AllowedIPs length in decimal (/08), and an Endpoint by getaddrinfo (127.1 is
# 127.0.0.1); ip takes IPv6 in capitals.
"short-forms|Address = 10.8.0.2/24, FD08::2/64
[Peer]
PublicKey = $srv_pub
Endpoint = 127.1:51820
AllowedIPs = 10.64.0.0/010 ,${tab}FD09::/064
AllowedIPs = 172.16.0.0/012"
# ip takes an IPv4 Address's length as a netmask too.
"address-netmask|Address = 10.8.0.2/255.255.255.0, 10.7.0.2/255.255.255.255
[Peer]
PublicKey = $srv_pub
AllowedIPs = 10.9.0.0/24"
"endpoint-link-local|Address = 10.8.0.2/24
[Peer]
PublicKey = $srv_pub
Endpoint = [fe80::1%up0]:51820
AllowedIPs = 10.9.0.0/24"
)

# resolvconf would rewrite this machine's /etc/resolv.conf: a recorder stands in for it,
# and what wg-quick asks of it is compared with what wgpolicy asks.
mkdir -p "$TMP/bin"
cat > "$TMP/bin/resolvconf" <<'SH'
#!/bin/sh
{ echo "resolvconf $*"; if [ "$1" = -a ]; then cat; fi; } >> "$RESOLVCONF_LOG"
SH
chmod +x "$TMP/bin/resolvconf"
export PATH="$TMP/bin:$PATH"

# resolvconf_calls IFACE: what the recorder logged for IFACE (nothing when it was never called).
resolvconf_calls() { [ ! -f "$TMP/$1.dns" ] || sed "s/$1/IFACE/" "$TMP/$1.dns"; }

rules_routes() {
	for f in -4 -6; do nsx "$1" ip $f rule show; nsx "$1" ip $f route show table all; done
	nsx "$1" nft list tables
}

# spoofed NS ADDR GW: a packet from net to ADDR, a tunnel address of NS's, routed to NS by GW
# (up0's address): "dropped" or "delivered" there.
spoofed() {
	local ns=$1 addr=$2 gw=$3 f=-4
	case $addr in *:*) f=-6 gw=2001:db8::${gw##*.} ;; esac
	probe_table "$ns"
	nsx "$net" ip $f route replace "$addr" via "$gw"
	nsx "$net" bash -c 'echo spoof >"/dev/udp/$1/9"' _ "$addr"
	wait_for 3 arrived "$ns" spoof_in || { echo "nothing arrived"; return; }
	arrived "$ns" spoof_local && echo delivered || echo dropped
}

# reply NS: the tunnel's first packet (a handshake) goes to the endpoint and is echoed:
# does the echo pass strict rp_filter ("delivered") or not ("dropped")?
reply() {
	local ns=$1
	probe_table "$ns"
	# Any packet into the full tunnel starts a handshake; WireGuard retries every 5 s.
	nsx "$ns" bash -c 'echo go >/dev/udp/198.51.100.9/9'
	wait_for 7 arrived "$ns" reply_in || { echo "no reply arrived"; return; }
	sleep 0.2
	arrived "$ns" reply_local && echo delivered || echo dropped
}

# nft_checks NAME BODY QI PI: what wg-quick's nftables rules do, in both namespaces alike.
nft_checks() {
	local name=$1 body=$2 qi=$3 pi=$4 addr want full4="" full6=""
	# wg-quick loads them for the family of a default route through the tunnel in its own table.
	if ! grep -v '^Table = auto' <<<"$body" | grep -q '^Table'; then
		grep -Eq '^AllowedIPs = (.*[ ,])?0\.0\.0\.0/0([ ,]|$)' <<<"$body" && full4=1
		grep -Eq '^AllowedIPs = (.*[ ,])?::0?/0([ ,]|$)' <<<"$body" && full6=1
	fi
	for addr in $(sed -n 's/^Address = //p' <<<"$body" | tr -d ' ' | tr ',' ' '); do
		addr=${addr%/*}
		want=delivered
		case $addr in *:*) [ -n "$full6" ] && want=dropped ;; *) [ -n "$full4" ] && want=dropped ;; esac
		is "$(spoofed "$wq" "$addr" 192.0.2.2)" "$want" "$name: a packet for $addr arriving by up0 is $want by wg-quick"
		is "$(spoofed "$wp" "$addr" 192.0.2.3)" "$want" "$name: and by wgpolicy"
	done
	grep -q '^Endpoint = 203.0.113.1' <<<"$body" || return 0
	is "$(reply "$wq")" delivered "$name: under strict rp_filter the endpoint's reply passes with wg-quick"
	is "$(reply "$wp")" delivered "$name: and with wgpolicy"
	[ "$name" = full-tunnel-v4-v6 ] || return 0
	# The check can fail: without the mark restored, wgpolicy's interface loses the replies.
	nsx "$wp" nft flush chain inet "wgpolicy-$pi" premangle
	is "$(reply "$wp")" dropped "$name: (control) without restoring the mark, rp_filter drops the reply"
}
before=$(rules_routes "$wp")

n=0
for c in "${cases[@]}"; do
	name=${c%%|*}
	body=${c#*|}
	n=$((n + 1))
	qi=$(ifname "q$n") pi=$(ifname "p$n")
	conf_files "$body" "$TMP/$qi.conf" "$TMP/$pi.conf"
	[ "${name#crlf}" = "$name" ] || sed -i 's/$/\r/' "$TMP/$qi.conf" "$TMP/$pi.conf"
	export RESOLVCONF_LOG=$TMP/$qi.dns
	quick_up "$name" "$wq" "$TMP/$qi.conf"
	export RESOLVCONF_LOG=$TMP/$pi.dns
	run nsx "$wp" "$W" plan "$TMP/$pi.conf"
	is "$status" 2 "$name: plan FILE shows what up would change (exit 2)"
	run nsx "$wp" "$W" up "$TMP/$pi.conf"
	is "$status" 0 "$name: wgpolicy up"
	[ "$status" -eq 0 ] || printf '%s\n' "$stderr" | sed 's/^/# /'
	run nsx "$wp" "$W" plan "$TMP/$pi.conf"
	is "$status" 0 "$name: after up, plan FILE has nothing to do"
	snapshot "$wq" "$qi" > "$TMP/$name.wq"
	snapshot "$wp" "$pi" > "$TMP/$name.wp"
	[ -n "${KEEP_SNAPSHOTS:-}" ] && cp "$TMP/$name.wq" "$TMP/$name.wp" "$KEEP_SNAPSHOTS/"
	if diff -u "$TMP/$name.wq" "$TMP/$name.wp" > "$TMP/$name.diff"; then
		_tap_result ok "$name: same rules, routes, addresses, MTU and wg settings as wg-quick"
	else
		_tap_result fail "$name: same rules, routes, addresses, MTU and wg settings as wg-quick" "$(cat "$TMP/$name.diff")"
	fi
	nft_checks "$name" "$body" "$qi" "$pi"
	# The snapshot leaves ListenPort out (a random one differs): a given one must not.
	if grep -Eq '^ListenPort = [^0]' <<<"$body"; then
		is "$(nsx "$wp" wg show "$pi" listen-port)" "$(nsx "$wq" wg show "$qi" listen-port)" \
			"$name: the same ListenPort as wg-quick's"
	fi
	run nsx "$wp" "$W" down "$TMP/$pi.conf"
	[ "$status" -eq 0 ] || printf "%s\n" "$stderr" | sed "s/^/# /"
	is "$status" 0 "$name: wgpolicy down"
	RESOLVCONF_LOG=$TMP/$qi.dns nsx "$wq" wg-quick down "$TMP/$qi.conf" >/dev/null 2>&1
	if grep -q '^SaveConfig = true' <<<"$body"; then
		# wg-quick also saves the link-local address the kernel gave the tun (wgpolicy(5)).
		is "$(sed "s/$pi/IFACE/g" "$TMP/$pi.conf")" \
			"$(sed "s/$qi/IFACE/g; /^Address = fe80:/d" "$TMP/$qi.conf")" \
			"$name: down saved the running interface to the file as wg-quick saved it"
	fi
	if grep -qi '^DNS' <<<"$body"; then
		is "$(resolvconf_calls "$pi")" "$(resolvconf_calls "$qi")" \
			"$name: resolvconf is called as wg-quick calls it, up and down"
	fi
	if grep -q 'hooks-%i' <<<"$body"; then
		is "$(sed "s/$pi/IFACE/g" "$TMP/hooks-$pi")" "$(sed "s/$qi/IFACE/g" "$TMP/hooks-$qi")" \
			"$name: the hooks ran as wg-quick ran them"
	fi
	left=$(nsx "$wp" ip -o link show | grep -c "$pi")
	is "$left" 0 "$name: down removed the interface"
	is "$(rules_routes "$wp")" "$before" "$name: down left rules, routes and nftables tables as before"
done

# Files wg-quick refuses (wg setconf's parser, or its own): wgpolicy refuses them too, naming
# the file and line, before it changes anything. name|LINE|body after [Interface] and PrivateKey.
bad=(
"unknown-key|4|Address = 10.8.0.2/24
Foo = bar"
"peer-without-key|4|Address = 10.8.0.2/24
[Peer]
AllowedIPs = 10.8.0.0/24"
"malformed-key|5|Address = 10.8.0.2/24
[Peer]
PublicKey = ${srv_pub%=}
AllowedIPs = 10.8.0.0/24"
"empty-list-item|6|Address = 10.8.0.2/24
[Peer]
PublicKey = $srv_pub
AllowedIPs = 10.8.0.0/24,"
"address-in-peer|6|[Peer]
PublicKey = $srv_pub
AllowedIPs = 10.8.0.0/24
Address = 10.8.0.2/24"
"saveconfig-yes|3|SaveConfig = yes"
"table-case|4|Address = 10.8.0.2/24
Table = Off
[Peer]
PublicKey = $srv_pub
AllowedIPs = 10.8.0.0/24"
"listen-port-off|3|ListenPort = off"
"fwmark-upper-hex|3|FwMark = 0X10"
"cronly-line-ends|1|Address = 10.8.0.2/24
[Peer]
PublicKey = $srv_pub
AllowedIPs = 10.8.0.0/24"
)
for c in "${bad[@]}"; do
	name=${c%%|*} rest=${c#*|}
	line=${rest%%|*} body=${rest#*|}
	n=$((n + 1))
	qi=$(ifname "q$n") pi=$(ifname "p$n")
	conf_files "$body" "$TMP/$qi.conf" "$TMP/$pi.conf"
	# A name beginning with cronly has its lines end in CR alone.
	[ "${name#cronly}" = "$name" ] || sed -i -z 's/\n/\r/g' "$TMP/$qi.conf" "$TMP/$pi.conf"
	run nsx "$wq" env WG_QUICK_USERSPACE_IMPLEMENTATION=wireguard-go wg-quick up "$TMP/$qi.conf"
	verdict=$([ "$status" -ne 0 ] && echo refused || echo accepted)
	is "$verdict" refused "$name: wg-quick refuses the file"
	run nsx "$wp" "$W" up "$TMP/$pi.conf"
	is "$status" 1 "$name: wgpolicy refuses it too"
	has "$stderr" "$TMP/$pi.conf:$line: error:" "$name: the error names file and line $line"
	is "$(nsx "$wp" ip -o link show | grep -c "$pi")" 0 "$name: no interface was made"
	is "$(rules_routes "$wp")" "$before" "$name: rules, routes and nftables tables are as before"
done

# Addresses wg-quick hands to ip as written, which reads them otherwise than meant
# (10.1 as 10.1.0.0, /024 as octal): wgpolicy refuses them by file and line, and says
# what ip made of them. name|LINE|body|what wg-quick's interface got
odd=(
"address-short|3|Address = 10.1/16|10.1.0.0/16"
"address-octal-length|3|Address = 10.8.0.2/024|10.8.0.2/20"
"address-octal-part|3|Address = 010.8.0.2/24|8.8.0.2/24"
)
for c in "${odd[@]}"; do
	IFS='|' read -r name line body got <<<"$c"
	n=$((n + 1))
	qi=$(ifname "q$n") pi=$(ifname "p$n")
	conf_files "$body" "$TMP/$qi.conf" "$TMP/$pi.conf"
	quick_up "$name" "$wq" "$TMP/$qi.conf"
	is "$(nsx "$wq" ip -o -4 addr show dev "$qi" | awk '{print $4}')" "$got" "$name: wg-quick's ip made it $got"
	nsx "$wq" wg-quick down "$TMP/$qi.conf" >/dev/null 2>&1
	run nsx "$wp" "$W" up "$TMP/$pi.conf"
	is "$status" 1 "$name: wgpolicy refuses it"
	has "$stderr" "$TMP/$pi.conf:$line: error:" "$name: the error names file and line $line"
	has "$stderr" "reads it as $got" "$name: and says what ip would make of it"
	is "$(nsx "$wp" ip -o link show | grep -c "$pi")" 0 "$name: no interface was made"
done

# A private key kept out of the file and set by a hook, as wg-quick users do: it stays, and
# nothing wants it taken away afterwards.
k1=$(ifname k1) k2=$(ifname k2)
printf '%s\n' "$me_priv" > "$TMP/hook.key"
chmod 600 "$TMP/hook.key"
for f in "$k1" "$k2"; do
	printf '[Interface]\nAddress = 10.33.0.2/24\nPostUp = wg set %%i private-key %s\n[Peer]\nPublicKey = %s\nAllowedIPs = 10.33.0.0/24\n' \
		"$TMP/hook.key" "$srv_pub" > "$TMP/$f.conf"
	chmod 600 "$TMP/$f.conf"
done
quick_up "key-by-hook" "$wq" "$TMP/$k1.conf"
run nsx "$wp" "$W" up "$TMP/$k2.conf"
is "$status" 0 "key-by-hook: wgpolicy up"
[ "$status" -eq 0 ] || printf '%s\n' "$stderr" | sed 's/^/# /'
is "$(nsx "$wp" wg show "$k2" public-key)" "$me_pub" "key-by-hook: the hook's key is the interface's"
is "$(snapshot "$wp" "$k2")" "$(snapshot "$wq" "$k1")" "key-by-hook: the same state as wg-quick's"
run nsx "$wp" "$W" plan "$TMP/$k2.conf"
is "$status" 0 "key-by-hook: plan has nothing to do: the key is not taken away"
run nsx "$wp" "$W" down "$TMP/$k2.conf"
is "$status" 0 "key-by-hook: wgpolicy down"
nsx "$wq" wg-quick down "$TMP/$k1.conf" >/dev/null 2>&1
is "$(rules_routes "$wp")" "$before" "key-by-hook: down leaves rules, routes and tables as before"

# Without PrivateKey wg-quick brings up an interface without a key (one set later, by hand or a
# hook), and wgpolicy the same. A file without [Interface] (empty, or comments alone) wg-quick
# brings up bare too; wgpolicy refuses it, as a file cut short or the wrong one.
keyless=("[Interface]" "[Interface]
Address = 10.34.0.2/24
[Peer]
PublicKey = $srv_pub
AllowedIPs = 10.34.0.0/16")
for i in 0 1; do
	k1=$(ifname kq$i) k2=$(ifname kp$i)
	printf '%s\n' "${keyless[$i]}" > "$TMP/$k1.conf"
	cp "$TMP/$k1.conf" "$TMP/$k2.conf" && chmod 600 "$TMP/$k1.conf" "$TMP/$k2.conf"
	quick_up "keyless-$i" "$wq" "$TMP/$k1.conf"
	run nsx "$wp" "$W" up "$TMP/$k2.conf"
	is "$status" 0 "keyless-$i: wgpolicy up"
	is "$(snapshot "$wp" "$k2")" "$(snapshot "$wq" "$k1")" "keyless-$i: the same state as wg-quick's"
	is "$(nsx "$wp" wg show "$k2" private-key)" "(none)" "keyless-$i: no private key"
	run nsx "$wp" "$W" plan "$TMP/$k2.conf"
	is "$status" 0 "keyless-$i: after up, plan has nothing to do"
	run nsx "$wp" "$W" down "$TMP/$k2.conf"
	is "$status" 0 "keyless-$i: wgpolicy down"
	nsx "$wq" wg-quick down "$TMP/$k1.conf" >/dev/null 2>&1
done
for body in "" "# wg0, for the office"; do
	k1=$(ifname eq) k2=$(ifname ep)
	printf '%s' "$body" > "$TMP/$k1.conf"
	cp "$TMP/$k1.conf" "$TMP/$k2.conf" && chmod 600 "$TMP/$k1.conf" "$TMP/$k2.conf"
	quick_up "no-interface-section '$body'" "$wq" "$TMP/$k1.conf"
	nsx "$wq" wg-quick down "$TMP/$k1.conf" >/dev/null 2>&1
	run nsx "$wp" "$W" up "$TMP/$k2.conf"
	is "$status" 1 "no-interface-section '$body': wgpolicy refuses it"
	has "$stderr" "$TMP/$k2.conf: error: no [Interface] section" "no-interface-section: the error names the file"
	is "$(nsx "$wp" ip -o link show | grep -c "$k2")" 0 "no-interface-section: no interface was made"
done
is "$(rules_routes "$wp")" "$before" "keyless: down leaves rules, routes and tables as before"

# Table = main with 0.0.0.0/0 where no default route is (wg-quick's ip route add fails beside
# one): wg-quick sized the MTU before its default route was there; the next plan keeps it.
bq=$(netns bq) bp=$(netns bp)
k1=$(ifname mq) k2=$(ifname mp)
conf_files "Address = 10.35.0.2/24
Table = main
[Peer]
PublicKey = $srv_pub
AllowedIPs = 0.0.0.0/0" "$TMP/$k1.conf" "$TMP/$k2.conf"
quick_up "table-main-default" "$bq" "$TMP/$k1.conf"
run nsx "$bp" "$W" up "$TMP/$k2.conf"
is "$status" 0 "table-main-default: wgpolicy up"
is "$(snapshot "$bp" "$k2")" "$(snapshot "$bq" "$k1")" "table-main-default: the same state as wg-quick's"
run nsx "$bp" "$W" plan "$TMP/$k2.conf"
is "$status" 0 "table-main-default: after up, plan has nothing to do"
[ "$status" -eq 0 ] || printf '%s\n' "$stdout" | sed 's/^/# /'

# Two full tunnels, each brought up from its own file: each has its own nftables table,
# and down of one leaves the other's, as wg-quick's tables are. Both over IPv4 share
# src_valid_mark: set with the first, kept while either is up, given back with the last.
t1=$(ifname t1) t2=$(ifname t2)
printf '[Interface]\nPrivateKey = %s\nAddress = 10.31.0.2/24\n[Peer]\nPublicKey = %s\nEndpoint = 203.0.113.1:51820\nAllowedIPs = 0.0.0.0/0\n' \
	"$me_priv" "$srv_pub" > "$TMP/$t1.conf"
printf '[Interface]\nPrivateKey = %s\nAddress = 10.32.0.2/24, fd32::2/64\n[Peer]\nPublicKey = %s\nEndpoint = [2001:db8::1]:51820\nAllowedIPs = 0.0.0.0/0, ::/0\n' \
	"$srv2_priv" "$srv_pub" > "$TMP/$t2.conf"
svm() { nsx "$wp" sysctl -n net.ipv4.conf.all.src_valid_mark; }
svm_before=$(svm)
for f in "$t1" "$t2"; do
	chmod 600 "$TMP/$f.conf"
	run nsx "$wp" "$W" up "$TMP/$f.conf"
	is "$status" 0 "two full tunnels: up $f"
	[ "$status" -eq 0 ] || printf '%s\n' "$stderr" | sed 's/^/# /'
done
tables() { nsx "$wp" nft list tables | grep -o 'wgpolicy.*' | sort | tr '\n' ' '; }
is "$(tables)" "wgpolicy-$t1 wgpolicy-$t2 " "two full tunnels: a table each"
is "$(spoofed "$wp" fd32::2 192.0.2.3)" dropped "two full tunnels: the second's address is guarded"
is "$(svm)" 1 "two full tunnels: src_valid_mark set"
run nsx "$wp" "$W" down "$t1"
is "$(tables)" "wgpolicy-$t2 " "two full tunnels: down of one removes its table alone"
is "$(spoofed "$wp" fd32::2 192.0.2.3)" dropped "two full tunnels: the other's address is still guarded"
is "$(svm)" 1 "two full tunnels: src_valid_mark stays while the other is up"
run nsx "$wp" "$W" down "$t2"
is "$(rules_routes "$wp")" "$before" "two full tunnels: down of both leaves everything as before"
is "$(svm)" "$svm_before" "two full tunnels: src_valid_mark given back with the last"

done_testing
