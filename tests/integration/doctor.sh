#!/usr/bin/env bash
# wgpolicy doctor on the policy lab: a healthy gateway gives no FAIL (and exit
# 0); each problem injected behind wgpolicy's back gives the FAIL or warn that
# names it, and exit 1 for a FAIL: an owned rule deleted, a foreign rule in
# front of the policies, a peer that never answers, a world-readable key
# file, strict rp_filter on a user policy's tunnel, AllowedIPs narrowed, a
# tunnel MTU above the path's, a path MTU black hole (--probe), an endpoint
# that does not resolve; the resolver's nameserver outside the tunnel that
# sets DNS, or outside a full tunnel that sets none; a route of another program more specific than a peer's AllowedIPs
# in the main table; an endpoint routed into its own tunnel (no handshake leaves); a full
# tunnel without src_valid_mark under strict rp_filter (its handshake replies dropped).
#
#   [lan1] ── [gw: office From 10.0.1.0/24 → A, backup-user uid 1001 → B] ══ [vpn0], [vpn1]
set -u
. "$(dirname "$0")/lab.sh"
lab_require unshare
lab_start
resolvconf_standin
# The gateway's resolver, as doctor reads it: the "ISP's" nameserver (the inet router).
printf 'nameserver 198.51.100.1\n' >"$TMP/resolv.conf"
# What --probe pings through each tunnel: the server's tunnel address.
sed -i 's/^\[Peer\]$/[Peer]\nProbe = 10.8.0.1/' "$CONF/$A.conf"
sed -i 's/^\[Peer\]$/[Peer]\nProbe = 10.9.0.1/' "$CONF/$B.conf"

cat >"$CONF/policy.conf" <<CONF
[Policy office]
From = 10.0.1.0/24, fd00:1::/64
Via = $A

[Policy backup-user]
User = 1001
Via = $B
CONF

# doctor: `wgpolicy doctor --json` on the gateway, in a mount namespace of its own where
# /etc/resolv.conf is $TMP/resolv.conf, bound (write that in place, never replace it: the
# mount holds the inode); the findings in $json, exit in $status.
doctor() {
	note "[gw] unshare -m: /etc/resolv.conf bound; wgpolicy doctor"
	# shellcheck disable=SC2016 # the inner sh expands them
	run nsx "$GW" unshare -m sh -c 'mount --bind "$1" /etc/resolv.conf && shift && exec "$@"' \
		sh "$TMP/resolv.conf" "$W" doctor -C "$CONF" --json "$@"
	json=$stdout
}
# level CHECK [MATCH]: the worst level of CHECK's findings whose reason matches MATCH.
level() {
	printf '%s' "$json" | /usr/bin/python3 -c '
import json, re, sys
order = ["ok", "warn", "FAIL"]
found = [f["level"] for f in json.load(sys.stdin)
         if f["check"] == sys.argv[1] and re.search(sys.argv[2], f["reason"])]
print(max(found, key=order.index) if found else "none")' "$1" "${2:-}"
}
# failing: the checks with a FAIL, space separated.
failing() {
	printf '%s' "$json" | /usr/bin/python3 -c '
import json, sys
print(" ".join(sorted({f["check"] for f in json.load(sys.stdin) if f["level"] == "FAIL"})))'
}

gw_wgpolicy apply
ok "tunnels up" tunnels_ready
# uid 1001's traffic makes B's handshake fresh too.
u1001=(setpriv --reuid 1001 --regid 1001 --clear-groups)
probe "$GW" "${u1001[@]}" -- tcp 203.0.113.21 443 >/dev/null

doctor
is "$status" 0 "healthy: exit 0"
is "$(failing)" "" "healthy: no FAIL"
for check in config keys daemon endpoints endpoint-routes plan rules tables nftables allowed-ips sysctls \
	foreign-rules handshakes mtu rp_filter forwarding dns; do
	is "$(level "$check")" ok "healthy: $check ok"
done
run nsx "$GW" "$W" doctor -C "$CONF"
like "$stdout" "^ok +plan: the kernel matches the configuration" "healthy: the text has a line a check"
like "$stdout" "0 failures" "healthy: the text sums up"

# --probe: DF pings of each tunnel's MTU come back; then a router on the way that drops
# large packets silently (a path MTU black hole no route shows): FAIL for A alone.
doctor --probe
is "$(level mtu-probe "$A: 1420 bytes")" ok "--probe: A carries its MTU"
is "$(level mtu-probe "$B: 1420 bytes")" ok "--probe: B carries its MTU"
pp "$INET" nft add rule inet lab count ip daddr 192.0.2.2 meta length gt 1400 drop
doctor --probe
is "$(level mtu-probe "$A: 1420 bytes with Don't Fragment .* are lost")" FAIL "black hole: --probe FAILs A"
is "$(level mtu-probe "$B: 1420 bytes")" ok "black hole: B still fine"
is "$(level mtu)" ok "black hole: no route shows it, only the probe"
handle=$(nsx "$INET" nft -a list chain inet lab count | awk '/drop/ { print $NF }')
pp "$INET" nft delete rule inet lab count handle "$handle"

# An owned rule deleted: office's own, not the one keeping its subnet local.
prio=$(nsx "$GW" ip -4 rule show | awk '/from 10.0.1.0\/24 lookup 52/ { sub(":", "", $1); print $1; exit }')
pp "$GW" ip -4 rule del pref "$prio" from 10.0.1.0/24
doctor
is "$status" 1 "rule deleted: exit 1"
is "$(level rules "from 10.0.1.0/24")" FAIL "rule deleted: rules FAIL names it"
is "$(level plan "1 change pending")" FAIL "rule deleted: plan FAIL counts it"
gw_wgpolicy apply "apply puts it back"

# A rule of another program in front of the policies, taking office's traffic to main.
pp "$GW" ip rule add pref 500 from 10.0.1.0/24 lookup main
doctor
is "$(level foreign-rules "office")" FAIL "foreign rule: FAIL names the policy it takes"
is "$(level plan)" ok "foreign rule: wgpolicy's own objects are all there"
pp "$GW" ip rule del pref 500
# Foreign rules that take nothing of a policy's: another program's mark, an empty table.
pp "$GW" ip rule add pref 501 fwmark 0x5 lookup main
pp "$GW" ip rule add pref 502 lookup 123
doctor
is "$(level foreign-rules)" ok "foreign rules that take nothing: ok"
pp "$GW" ip rule del pref 501
pp "$GW" ip rule del pref 502

# IPv4 forwarding off: office's LAN packets are dropped before any rule. The gateway's
# own uid 1001 needs no forwarding, and explain says why lan1's packet finds no way.
pp "$GW" sysctl -qw net.ipv4.conf.all.forwarding=0
doctor
is "$(level forwarding "policy office selects other hosts' packets \\(From\\), but this host forwards no IPv4")" \
	FAIL "IPv4 forwarding off: FAIL names office"
is "$(level forwarding "backup-user")" none "forwarding: the user policy needs none"
is "$(level forwarding "IPv6")" none "IPv6 still forwarded: no finding for it"
run nsx "$GW" "$W" explain -C "$CONF" to 203.0.113.10 from 10.0.1.2 iif "lan1"
like "$stdout" "refused: No route to host: lan1 does not forward" "explain: the kernel refuses, and why"
like "$stdout" "sysctl -w net.ipv4.conf.lan1.forwarding=1" "explain: the hint is the sysctl"
unlike "$stdout" "kill switch holds" "explain: no kill switch blamed"
run nsx "$GW" "$W" plan -C "$CONF"
like "$stderr" "warning: policy office selects other hosts' packets \\(From\\), but this host forwards no IPv4" \
	"plan warns of it too"
pp "$GW" sysctl -qw net.ipv4.conf.all.forwarding=1
doctor
is "$(level forwarding)" ok "forwarding back on: ok"

# A world-readable key file: wg-quick's warning.
chmod 644 "$CONF/$A.conf"
doctor
is "$(level keys "$A")" warn "world-readable key: warn"
is "$status" 0 "world-readable key: a warning alone exits 0"
chmod 600 "$CONF/$A.conf"

# Strict rp_filter on B: uid 1001's replies come back by B, the reverse route goes by up0.
pp "$GW" sysctl -qw "net.ipv4.conf.$B.rp_filter=1"
doctor
is "$(level rp_filter "backup-user")" FAIL "strict rp_filter on B: FAIL for backup-user"
run probe "$GW" "${u1001[@]}" -- tcp 203.0.113.22 443
is "$([ "$status" -ne 0 ] && echo lost)" lost "strict rp_filter on B: uid 1001's flow is really lost"
# Strict on A is fine for office: replies to its sources route back by A.
pp "$GW" sysctl -qw "net.ipv4.conf.$B.rp_filter=0" "net.ipv4.conf.$A.rp_filter=1"
doctor
is "$(level rp_filter)" ok "strict rp_filter on A: office's replies pass, ok"
pp "$GW" sysctl -qw "net.ipv4.conf.$A.rp_filter=0"

# A peer's AllowedIPs narrowed behind wgpolicy's back: WireGuard drops office's traffic.
# shellcheck disable=SC2154 # lab_up's keypair sets srv0_pub
pp "$GW" wg set "$A" peer "$srv0_pub" allowed-ips 10.8.0.0/24
doctor
is "$(level allowed-ips "policy office sends 0.0.0.0/0 by $A")" FAIL "AllowedIPs narrowed: FAIL"
gw_wgpolicy apply "apply gives the peer its AllowedIPs back"
doctor
is "$(level allowed-ips)" ok "after apply: AllowedIPs ok"

# A tunnel MTU above what the path carries.
pp "$GW" ip link set "$A" mtu 1500
doctor
is "$(level mtu "$A has MTU 1500")" FAIL "MTU 1500 on A: FAIL"
gw_wgpolicy apply "apply sets the MTU back"

# A full tunnel (wg-quick's default route) that sets no DNS, the resolver a host on lan1:
# lan1's own route wins over the tunnel's default, and queries leak around it. A resolver
# out on the internet is reached through the tunnel: no warning.
F=$(ifname f)
keypair f && keypair exit
# shellcheck disable=SC2154 # keypair sets f_priv and exit_pub
printf '[Interface]\nPrivateKey = %s\n[Peer]\nPublicKey = %s\nAllowedIPs = 0.0.0.0/0\n' \
	"$f_priv" "$exit_pub" >"$CONF/$F.conf"
chmod 600 "$CONF/$F.conf"
gw_wgpolicy apply "F: a full tunnel without DNS"
printf 'nameserver 10.0.1.2\n' >"$TMP/resolv.conf"
is "$(nsx "$GW" ip -o route get 10.0.1.2 | grep -o 'dev [^ ]*')" "dev lan1" "10.0.1.2 really stays on lan1"
doctor
is "$(level dns "nameserver 10.0.1.2 is reached by lan1, outside the full tunnel $F, which sets no DNS")" \
	warn "full tunnel, LAN resolver: warn names the nameserver, lan1 and F"
printf 'nameserver 203.0.113.53\n' >"$TMP/resolv.conf"
doctor
is "$(level dns)" ok "full tunnel, a resolver beyond it: ok"
rm "$CONF/$F.conf"
gw_wgpolicy apply "F goes"
printf 'nameserver 198.51.100.1\n' >"$TMP/resolv.conf"

# A's DNS set, but the resolver still asks the ISP's nameserver, by up0: queries leak
# around the tunnel. Once resolv.conf holds A's server, reached by A: no warning.
sed -i 's/^Table = off$/Table = off\nDNS = 10.8.0.1/' "$CONF/$A.conf"
gw_wgpolicy apply "A sets DNS"
doctor
is "$(level dns "nameserver 198.51.100.1 is reached by up0, outside every tunnel, while $A sets DNS")" \
	warn "DNS outside the tunnel: warn names the nameserver, up0 and A"
is "$status" 0 "DNS outside the tunnel: a warning alone exits 0"
printf 'nameserver 10.8.0.1\n' >"$TMP/resolv.conf"
doctor
is "$(level dns)" ok "DNS through A: ok"
is "$(level dns "reached as the tunnels' DNS wants")" ok "DNS through A: the server is A's"

# A tunnel with wg-quick's routes (Table = auto): AllowedIPs 10.0.0.0/8 into the main
# table, where a LAN gateway's route for 10.1.0.0/16 is more specific and wins.
C=$(ifname c)
keypair c && keypair corp
# shellcheck disable=SC2154 # keypair sets c_priv and corp_pub
printf '[Interface]\nPrivateKey = %s\n[Peer]\nName = corp\nPublicKey = %s\nAllowedIPs = 10.0.0.0/8\n' \
	"$c_priv" "$corp_pub" >"$CONF/$C.conf"
chmod 600 "$CONF/$C.conf"
gw_wgpolicy apply "C routes 10.0.0.0/8 in main"
pp "$GW" ip route add 10.1.0.0/16 via 10.0.2.2 dev lan2
is "$(nsx "$GW" ip -o route get 10.3.2.1 | grep -o 'dev [^ ]*')" "dev $C" "10.3.2.1 goes into C"
is "$(nsx "$GW" ip -o route get 10.1.2.3 | grep -o 'dev [^ ]*')" "dev lan2" "10.1.2.3 really leaves by lan2"
doctor
is "$(level allowed-ips "$C:corp: AllowedIPs 10.0.0.0/8, but '10.1.0.0/16 via 10.0.2.2 dev lan2 .*' wins for 10.1.0.0/16")" \
	warn "a more specific route in main: warn names the peer, its prefix and the route"
is "$(level allowed-ips "10.0.[12].0/24")" none "the LANs' own subnets are not blamed"
pp "$GW" ip route del 10.1.0.0/16
doctor
is "$(level allowed-ips)" ok "route gone: AllowedIPs ok"
rm "$CONF/$C.conf"
gw_wgpolicy apply "C goes"

# A peer that never answers, with keepalives asking: stale.
keypair ghost
# shellcheck disable=SC2154 # keypair sets ghost_pub
printf '[Peer]\nPublicKey = %s\nEndpoint = 192.0.2.99:51820\nAllowedIPs = 10.77.0.0/16\nPersistentKeepalive = 1\n' \
	"$ghost_pub" >>"$CONF/$A.conf"
gw_wgpolicy apply "a peer that never answers"
doctor
is "$(level handshakes "peer #2")" FAIL "never-answering peer: handshakes FAIL"
is "$(level handshakes "$A:|$A peer #1")" none "the answering peer is not blamed"

# An endpoint that does not resolve.
sed -i 's/192.0.2.99:51820/no-such-host.invalid:51820/' "$CONF/$A.conf"
doctor
is "$status" 1 "unresolvable endpoint: exit 1"
is "$(level endpoints "no-such-host.invalid")" FAIL "unresolvable endpoint: endpoints FAIL"
is "$(level config)" ok "unresolvable endpoint: the configuration itself is valid"

# An endpoint routed into its own tunnel: D's AllowedIPs (wg-quick's routes, Table = auto)
# hold its endpoint, so its handshakes go into D itself and never reach the server. That is
# what doctor names, not the MTU such a path seems to have. Proof: vpn0 counts no
# WireGuard packet to D's endpoint until a host route by the uplink (the hint) lets it out.
# The ghost peer goes: its five lines end A's file.
head -n -5 "$CONF/$A.conf" >"$TMP/a.conf" && cat "$TMP/a.conf" >"$CONF/$A.conf"
pp "$VPN0" ip addr add 192.0.2.5/28 dev up0
count "$VPN0" d_wg ip daddr 192.0.2.5 udp dport 51820
D=$(ifname d)
keypair d && keypair dsrv
# shellcheck disable=SC2154 # keypair sets d_priv and dsrv_pub
printf '[Interface]\nPrivateKey = %s\nAddress = 10.66.0.2/24\n[Peer]\nPublicKey = %s\nEndpoint = 192.0.2.5:51820\nAllowedIPs = 10.66.0.0/24, 192.0.2.4/30\n' \
	"$d_priv" "$dsrv_pub" >"$CONF/$D.conf"
chmod 600 "$CONF/$D.conf"
gw_wgpolicy apply "D: its AllowedIPs hold its endpoint"
is "$(nsx "$GW" ip -o route get 192.0.2.5 | grep -o 'dev [^ ]*')" "dev $D" "D's endpoint is routed into D"
nsx "$GW" ping -c2 -W1 10.66.0.1 >/dev/null
is "$(packets "$VPN0" d_wg)" 0 "endpoint into its own tunnel: no handshake reaches the server"
doctor
is "$(level endpoint-routes "Endpoint 192.0.2.5:51820 of $D.* is routed into $D itself")" FAIL \
	"endpoint into its own tunnel: FAIL names the endpoint and the tunnel"
is "$(level mtu)" ok "endpoint into its own tunnel: no MTU blamed for it"
is "$(level endpoint-routes "$A|$B")" none "the other tunnels' endpoints are not blamed"
pp "$GW" ip route add 192.0.2.5/32 via 198.51.100.1 dev up0
nsx "$GW" ping -c2 -W1 10.66.0.1 >/dev/null
ok "a host route by the uplink: D's handshakes reach the server" \
	wait_for 5 sh -c "[ \"\$(ip netns exec $VPN0 nft list counter inet lab d_wg | awk '\$1 == \"packets\" { print \$2 }')\" -gt 0 ]"
doctor
is "$(level endpoint-routes)" ok "a host route by the uplink: endpoint-routes ok"

# src_valid_mark: A as a full tunnel (wg-quick's routes and fwmark), strict rp_filter. The
# server's handshake reply comes back by up0 with the mark conntrack gives it back; without
# src_valid_mark the reverse path check ignores that mark, looks the server up in A's table
# and drops the reply. Proof: the reply reaches the gateway, no ping gets through.
rm -f "$CONF/policy.conf" "$CONF/$D.conf" "$CONF/$B.conf"
sed -i '/^Table = off$/d' "$CONF/$A.conf"
gw_wgpolicy down "everything down: A comes back new, without a handshake"
gw_wgpolicy apply "A: a full tunnel"
count "$GW" wg_back iifname up0 ip saddr 192.0.2.2 udp sport 51820
pp "$GW" sysctl -qw net.ipv4.conf.all.rp_filter=1 net.ipv4.conf.all.src_valid_mark=0
run nsx "$GW" ping -c2 -W1 10.8.0.1
is "$([ "$status" -ne 0 ] && echo lost)" lost "src_valid_mark 0: nothing gets through A"
ok "src_valid_mark 0: the server's handshake reply did reach the gateway" \
	test "$(packets "$GW" wg_back)" -ge 1
doctor
is "$(level sysctls "net.ipv4.conf.all.src_valid_mark is 0, not 1")" FAIL \
	"src_valid_mark 0: sysctls FAIL names it"
pp "$GW" sysctl -qw net.ipv4.conf.all.src_valid_mark=1
ok "src_valid_mark 1: the handshake completes, A carries pings" \
	wait_for 10 nsx "$GW" ping -c1 -W1 10.8.0.1
doctor
is "$(level sysctls)" ok "src_valid_mark 1: sysctls ok"

done_testing
