#!/usr/bin/env bash
# wgpolicy shares the RPDB and the marks with other programs: a rule priority,
# a table or mark bits someone else uses make apply refuse, naming the other
# user, before anything changes.
set -u
. "$(dirname "$0")/lib.sh"
require_root

gw=$(netns gw)
A=$(ifname a)
keypair me
keypair srv
mkdir -p "$TMP/c"
cat > "$TMP/c/$A.conf" <<CONF
[Interface]
PrivateKey = $me_priv
Address = 10.66.0.2/24
Table = off
[Peer]
PublicKey = $srv_pub
Endpoint = 192.0.2.1:51820
AllowedIPs = 0.0.0.0/0
CONF
cat > "$TMP/c/policy.conf" <<CONF
[Policy office]
From = 10.0.1.0/24
Via = $A
CONF
chmod 600 "$TMP/c/$A.conf"
state() { for f in -4 -6; do nsx "$gw" ip $f rule; nsx "$gw" ip $f route show table all; done; nsx "$gw" ip -o link; }

refuses() { # refuses DESCRIPTION PATTERN: apply must fail naming PATTERN and change nothing
	local before
	before=$(state)
	run nsx "$gw" "$W" apply -C "$TMP/c"
	is "$status" 1 "$1: apply refuses"
	like "$stderr" "$2" "$1: the error names the other user"
	is "$(state)" "$before" "$1: nothing changed"
}

nsx "$gw" ip rule add from 198.51.100.0/24 table 400 pref 10001
refuses "a foreign rule at the policy's priority" "priority 10001 is taken.*from 198.51.100.0/24"
nsx "$gw" ip rule del pref 10001

nsx "$gw" ip link add dev up0 type veth peer name up1 && nsx "$gw" ip link set up0 up
nsx "$gw" ip route add 203.0.113.0/24 dev up0 table 52000
refuses "a foreign route in the policy's table" "table 52000 holds routes.*203.0.113.0/24"
nsx "$gw" ip route del 203.0.113.0/24 dev up0 table 52000

# Tailscale marks with 0xff0000; a rule matching bits of our mask collides.
nsx "$gw" ip rule add fwmark 0x1000000/0xff000000 table 500 pref 5270
refuses "mark bits another rule matches" "FirewallMarkMask 0xff000000 overlaps.*fwmark 0x1000000/0xff000000"
nsx "$gw" ip rule del pref 5270
nsx "$gw" ip rule add fwmark 0x80000/0xff0000 table 52 pref 5270
run nsx "$gw" "$W" apply -C "$TMP/c"
is "$status" 0 "Tailscale's mark bits beside ours are no collision"
[ "$status" -eq 0 ] || printf '%s\n' "$stderr" | grep wgpolicy | sed 's/^/# /'
run nsx "$gw" "$W" down -C "$TMP/c"
is "$status" 0 "down"

done_testing
