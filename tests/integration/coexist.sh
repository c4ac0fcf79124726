#!/usr/bin/env bash
# wgpolicy shares the RPDB and the marks with other programs: a rule priority,
# a table, or mark bits that someone else's rule or nftables table uses make
# apply refuse, naming the other user, before anything changes.
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
state() {
	for f in -4 -6; do nsx "$gw" ip $f rule; nsx "$gw" ip $f route show table all; done
	nsx "$gw" ip -o link
	nsx "$gw" nft list ruleset
}

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

# Tailscale's nftables rules, as it loads them: forwarded packets from
# tailscale0 get 0x40000 within the bits 0xff0000, which it accepts and
# masquerades.
cat > "$TMP/tailscale.nft" <<'NFT'
table ip filter {
	chain ts-forward {
		iifname "tailscale0" counter meta mark set mark and 0xff00ffff xor 0x40000
		meta mark & 0x00ff0000 == 0x00040000 counter accept
		oifname "tailscale0" counter accept
	}
	chain FORWARD {
		type filter hook forward priority filter; policy accept;
		counter jump ts-forward
	}
}
table ip nat {
	chain ts-postrouting {
		meta mark & 0x00ff0000 == 0x00040000 counter masquerade
	}
	chain POSTROUTING {
		type nat hook postrouting priority srcnat; policy accept;
		counter jump ts-postrouting
	}
}
NFT
nsx "$gw" nft -f "$TMP/tailscale.nft"
cp "$TMP/c/policy.conf" "$TMP/policy.conf"
printf '[Global]\nFirewallMarkMask = 0x00ff0000\n' >> "$TMP/c/policy.conf"
mask_line=$(grep -n FirewallMarkMask "$TMP/c/policy.conf" | cut -d: -f1)
overlap="FirewallMarkMask 0x00ff0000 overlaps mark bits 0x00ff0000"
refuses "a FirewallMarkMask over Tailscale's nftables marks" \
	"policy.conf:$mask_line: error: $overlap that nftables table ip filter sets \(chain ts-forward\)"
run nsx "$gw" "$W" plan -C "$TMP/c"
is "$status" 1 "plan refuses Tailscale's mark bits too"
like "$stderr" "overlaps mark bits 0x00ff0000 that nftables table ip filter" "plan names the table"
run "$W" check -C "$TMP/c"
is "$status" 0 "check, which reads no live state, finds the configuration valid"
cp "$TMP/policy.conf" "$TMP/c/policy.conf"

# A whole mark set without a mask clears ours, whatever our mask.
nsx "$gw" nft -f "$(dirname "$0")/../unit/nft/whole-mark.nft"
refuses "a table setting whole marks" \
	"0xff000000 overlaps mark bits 0xffffffff that nftables table ip other sets \(chain out\)"
nsx "$gw" nft delete table ip other

# wg-quick's full tunnel beside ours: its table moves whole marks, but only its fwmark's.
nsx "$gw" nft -f "$(dirname "$0")/../unit/nft/wg-quick.nft"
nsx "$gw" ip rule add not fwmark 0xca6c table 51820 pref 32765
nsx "$gw" ip rule add fwmark 0x80000/0xff0000 table 52 pref 5270
run nsx "$gw" "$W" apply -C "$TMP/c"
is "$status" 0 "Tailscale's mark bits and wg-quick's full tunnel beside ours are no collision"
[ "$status" -eq 0 ] || printf '%s\n' "$stderr" | grep wgpolicy | sed 's/^/# /'
like "$(nsx "$gw" nft list table ip filter)" "meta mark set meta mark & 0xff04ffff | 0x00040000" \
	"Tailscale's table stays as it was"
run nsx "$gw" "$W" down -C "$TMP/c"
is "$status" 0 "down"

done_testing
