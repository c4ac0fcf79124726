#!/usr/bin/env bash
# `wgpolicy down` leaves the gateway exactly as it was before `apply`: links,
# addresses, rules, the routes of every table, the whole nftables ruleset
# (the lab's own NAT table included) and every net.* sysctl, compared as
# text, after a configuration that uses every kind of policy has carried
# traffic. Then a packet proves it: lan1's traffic goes direct again. B is a
# wg-quick full tunnel here, the policies exceptions to it.
#
#   [lan1] ── [gw: source, user, cgroup, set, ports, exception, kill switch] ══ A/B ══ [vpn0/1] ── [inet]
#                    └──────────── up0 ───────────────────────────────────────────────────────────┘
set -u
. "$(dirname "$0")/lab.sh"
lab_start
cg2=$(cgroup2_root)

slice=wgpolicy-lab-$ID.slice
LAB_CGROUPS=("$cg2/$slice/app.scope" "$cg2/$slice")
printf '%s\n' 203.0.113.64/28 2001:db8:ff::40/124 10.200.0.0/16 >"$CONF/corp.txt"
cat >"$CONF/policy.conf" <<CONF
[Policy exception]
To = 203.0.113.160/28
Via = direct

[Policy office]
From = 10.0.1.0/24, fd00:1::/64
Via = $A
KillSwitch = yes

[Policy backup-user]
User = 1001
Via = $B

[Policy web]
IPProtocol = tcp
DestinationPort = 443
Via = $B

[Policy corp]
To = @corp
Via = $A

[Policy app]
Cgroup = $slice/app.scope
Via = $B

[Set corp]
File = corp.txt
CONF

# B as wg-quick would run it, a full tunnel (table 51820, a global sysctl), beside the policies.
sed -i '/^Table = off$/d' "$CONF/$B.conf"

# The gateway's whole state as text. Counted, not compared: the conntrack table's
# size, which traffic changes by design.
gw_state() {
	echo "## links"
	nsx "$GW" ip -o link show | awk '{ print $2, $3 }'
	echo "## addresses"
	nsx "$GW" ip -o addr show | awk '{ print $2, $3, $4 }'
	for f in -4 -6; do
		echo "## rules $f"
		nsx "$GW" ip $f rule show
		echo "## routes $f"
		nsx "$GW" ip $f route show table all
	done
	echo "## nft"
	nsx "$GW" nft list ruleset
	echo "## sysctl"
	nsx "$GW" sysctl -a 2>/dev/null | grep '^net\.' | grep -v '^net\.netfilter\.nf_conntrack_count '
}

before=$(gw_state)
printf '%s\n' "$before" >"$TMP/before"
ok "the snapshot is stable" test "$(gw_state)" = "$before"

gw_wgpolicy apply
ok "tunnels up" tunnels_ready
after_apply=$(gw_state)
ok "apply changed the gateway" test "$after_apply" != "$before"
is "$(nsx "$GW" nft list tables | grep -c 'inet wgpolicy$')" 1 "apply loaded the table inet wgpolicy"
is "$(nsx "$GW" nft list tables | grep -c "inet wgpolicy-$B\$")" 1 "and B's, a full tunnel's, inet wgpolicy-$B"
has "$before" "net.ipv4.conf.all.src_valid_mark = 0" "src_valid_mark was 0 before apply"
has "$after_apply" "net.ipv4.conf.all.src_valid_mark = 1" "apply set it (B is a full tunnel)"
has "$after_apply" "net.ipv4.conf.$B.rp_filter = 2" "apply set rp_filter on B (the cgroup policy marks)"

# Traffic through every path, so that caches and conntrack have seen it all.
probe "$LAN1" -- tcp 203.0.113.11 80 >/dev/null
probe "$LAN1" -- tcp 203.0.113.165 80 >/dev/null
probe "$LAN2" -- tcp 203.0.113.70 443 >/dev/null
probe "$GW" setpriv --reuid 1001 --regid 1001 --clear-groups -- tcp 203.0.113.21 80 >/dev/null
probe "$GW" -- tcp 2001:db8:ff::41 80 >/dev/null

gw_wgpolicy down
after=$(gw_state)
printf '%s\n' "$after" >"$TMP/after"
is "$after" "$before" "after down, the gateway is exactly as before apply"
[ "$after" = "$before" ] && note "compared $(printf '%s\n' "$before" | wc -l) lines" ||
	diff -u "$TMP/before" "$TMP/after" | sed 's/^/# /'

count "$INET" direct iifname gw ip saddr 198.51.100.2 ip daddr 203.0.113.11 tcp dport 80
count "$VPN0" tunnel iifname "$S0" ip daddr 203.0.113.11
run probe "$LAN1" -- tcp 203.0.113.11 80
is "$status" 0 "lan1 → 203.0.113.11:80 after down: echoed"
ok "it went direct, from the uplink address" test "$(packets "$INET" direct)" -ge 3
is "$(packets "$VPN0" tunnel)" 0 "vpn0 saw none of it"

run nsx "$GW" "$W" down -C "$CONF"
is "$status" 0 "a second down succeeds"
is "$(gw_state)" "$before" "and changes nothing"
done_testing
