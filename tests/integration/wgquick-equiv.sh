#!/usr/bin/env bash
# wgpolicy is a drop-in for wg-quick: the same file, brought up by wg-quick
# (userspace, wireguard-go) in one namespace and by `wgpolicy up` in another,
# gives the same rules, routes, addresses, MTU and WireGuard settings.
#
#   [wq: wg-quick] --veth-- [net] --veth-- [wp: wgpolicy]
#   192.0.2.2/24, 2001:db8::2/64    .1, ::1    192.0.2.3/24 (same view)
set -u
. "$(dirname "$0")/lib.sh"
require_root
command -v wg-quick >/dev/null || { echo "1..0 # SKIP wg-quick is not installed"; exit 0; }

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

keypair me
keypair srv
keypair srv2
psk=$(wg genpsk)

# name|config body (Interface then Peer sections); PrivateKey is added for both sides.
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
Endpoint = 192.0.2.1:51820
AllowedIPs = 0.0.0.0/0, ::/0"
"table-off|Address = 10.8.0.2/24
Table = off
[Peer]
PublicKey = $srv_pub
Endpoint = 192.0.2.1:51820
AllowedIPs = 0.0.0.0/0"
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
Endpoint = 192.0.2.1:51820
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
Endpoint = 192.0.2.1:51820
AllowedIPs = 0.0.0.0/0"
"mtu-set|Address = 10.8.0.2/24
MTU = 1280
[Peer]
PublicKey = $srv_pub
Endpoint = 192.0.2.1:51820
AllowedIPs = 10.8.0.0/16"
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

rules_routes() {
	for f in -4 -6; do nsx "$1" ip $f rule show; nsx "$1" ip $f route show table all; done
}
before=$(rules_routes "$wp")

n=0
for c in "${cases[@]}"; do
	name=${c%%|*}
	body=${c#*|}
	n=$((n + 1))
	qi=$(ifname "q$n") pi=$(ifname "p$n")
	for f in "$qi" "$pi"; do
		printf '[Interface]\nPrivateKey = %s\n%s\n' "$me_priv" "$body" > "$TMP/$f.conf"
		chmod 600 "$TMP/$f.conf"
	done
	export RESOLVCONF_LOG=$TMP/$qi.dns
	run nsx "$wq" env WG_QUICK_USERSPACE_IMPLEMENTATION=wireguard-go wg-quick up "$TMP/$qi.conf"
	is "$status" 0 "$name: wg-quick up"
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
	run nsx "$wp" "$W" down "$TMP/$pi.conf"
	[ "$status" -eq 0 ] || printf "%s\n" "$stderr" | sed "s/^/# /"
	is "$status" 0 "$name: wgpolicy down"
	RESOLVCONF_LOG=$TMP/$qi.dns nsx "$wq" wg-quick down "$TMP/$qi.conf" >/dev/null 2>&1
	if [ -f "$TMP/$qi.dns" ] || [ -f "$TMP/$pi.dns" ]; then
		is "$(sed "s/$pi/IFACE/" "$TMP/$pi.dns" 2>&1)" "$(sed "s/$qi/IFACE/" "$TMP/$qi.dns" 2>&1)" \
			"$name: resolvconf is called as wg-quick calls it, up and down"
	fi
	left=$(nsx "$wp" ip -o link show | grep -c "$pi")
	is "$left" 0 "$name: down removed the interface"
	is "$(rules_routes "$wp")" "$before" "$name: down left rules and routes as before"
done

done_testing
