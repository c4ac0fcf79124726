#!/usr/bin/env bash
# The reconciler and wgpolicy's nftables table: added, kept, replaced in one
# transaction, put back when someone else changed it, restored as it was when
# an apply fails after replacing it, deleted by down.
#
#   [gw: wgpolicy]  A, later B: WireGuard interfaces whose peers are never reached;
#                   a [Policy] by Group marks packets in nftables, so the table exists
set -u
. "$(dirname "$0")/lib.sh"
require_root nft

gw=$(netns gw)
A=$(ifname a) B=$(ifname b)
keypair a
keypair peer
mkdir -p "$TMP/c"

iface() { # iface NAME NET [HOOK]: an interface file, addresses 10.NET.0.0/24
	cat >"$TMP/c/$1.conf" <<CONF
[Interface]
PrivateKey = $a_priv
Address = 10.$2.0.2/24
${3:-}
[Peer]
PublicKey = $peer_pub
Endpoint = 192.0.2.1:51820
AllowedIPs = 10.$2.0.0/24
CONF
	chmod 600 "$TMP/c/$1.conf"
}
# Without the leak guard, whose chain would hold the MSS clamp: the clamp is
# then the table netdev wgpolicy's, and both tables are reconciled here.
policy() { # policy NAME GROUP NET VIA
	cat >>"$TMP/c/policy.conf" <<CONF
[Policy $1]
Group = $2
To = 10.$3.0.0/24
Via = $4
KillSwitch = routes
CONF
}
table() { nsx "$gw" nft list table inet wgpolicy 2>&1; }
# The hash the plan line announces, as the table's comment carries it.
planned_hash() { printf '%s\n' "$1" | sed -n 's/^nft -f - # .* table inet wgpolicy: .* (\([0-9a-f]\{16\}\))$/\1/p'; }

# plan_apply ADD|REPLACE WHAT: the plan says so, and apply loads the table with the hash
# planned, in $planned.
plan_apply() {
	run nsx "$gw" "$W" plan -C "$TMP/c"
	like "$stdout" "nft -f - # $1 table inet wgpolicy" "$2: the plan says $1 the table"
	planned=$(planned_hash "$stdout")
	run nsx "$gw" "$W" apply -C "$TMP/c"
	is "$status" 0 "$2: apply"
	has "$(table)" "comment \"wgpolicy:$planned\"" "$2: the table carries the planned hash"
}

iface "$A" 91
policy staff 0 91 "$A"
plan_apply add "a policy by group"
run nsx "$gw" "$W" plan -C "$TMP/c"
is "$status:$stdout" "0:" "plan right after apply: nothing to do (the hash is read back)"

policy admins 4 91 "$A"
plan_apply replace "a second policy"
hash2=$planned
has "$(table)" "meta skgid 4" "and the new policy's rule"
is "$(nsx "$gw" nft list tables | grep -c 'inet wgpolicy$')" 1 "one inet table of ours"
like "$(nsx "$gw" nft list table netdev wgpolicy)" "hook egress device \"$A\"" \
	"MSS clamping in the netdev table, on $A's egress"

# A kernel before 6.6 or so deletes an egress chain with its device, and the
# table's comment stays: the chains are counted.
nsx "$gw" nft delete chain netdev wgpolicy mss0
run nsx "$gw" "$W" plan -C "$TMP/c"
like "$stdout" "nft -f - # replace table netdev wgpolicy" "an egress chain gone: plan replaces the table"
run nsx "$gw" "$W" apply -C "$TMP/c"
like "$(nsx "$gw" nft list table netdev wgpolicy)" "chain mss0" "apply puts the chain back"

# Someone else's changes to our table: deleted, or replaced by one without our comment.
nsx "$gw" nft delete table inet wgpolicy
run nsx "$gw" "$W" plan -C "$TMP/c"
like "$stdout" "nft -f - # add table inet wgpolicy" "our table deleted behind our back: plan adds it"
nsx "$gw" nft add table inet wgpolicy
run nsx "$gw" "$W" plan -C "$TMP/c"
like "$stdout" "nft -f - # replace table inet wgpolicy" "a table of that name without our comment: replaced"
run nsx "$gw" "$W" apply -C "$TMP/c"
has "$(table)" "comment \"wgpolicy:$hash2\"" "apply puts ours back"

# A failed apply after the table was replaced: the old table comes back as it was.
before=$(table)
iface "$B" 92 "PostUp = exit 3"
policy backup 0 92 "$B"
run nsx "$gw" "$W" apply -C "$TMP/c"
is "$status" 1 "apply with a new interface whose PostUp fails: fails"
like "$stderr" "nft -f - # replace table inet wgpolicy" "the table had been replaced before the failure"
like "$stderr" "\(undo\) nft -f - # table inet wgpolicy as it was \($hash2\)" "the undo says it restores the old table"
is "$(table)" "$before" "after the failure the table is exactly as before"
is "$(nsx "$gw" ip -o link show | grep -c "$B")" 0 "and the new interface is gone"

# One interface of two goes down: the table, for every interface's policies, stays.
iface "$B" 92
run nsx "$gw" "$W" apply -C "$TMP/c"
is "$status" 0 "apply with both interfaces"
hash3=$(table | sed -n 's/.*comment "wgpolicy:\([0-9a-f]*\)".*/\1/p')
run nsx "$gw" "$W" down -C "$TMP/c" "$B"
is "$status" 0 "down $B alone"
has "$(table)" "comment \"wgpolicy:$hash3\"" "the table stays while another interface is up"

run nsx "$gw" "$W" down -C "$TMP/c"
is "$status" 0 "down"
like "$stderr" "nft delete table inet wgpolicy" "down deletes the table"
is "$(nsx "$gw" nft list tables)" "" "no table left"

# A first apply that fails: the table it added is deleted again.
rm "$TMP/c/$B.conf" "$TMP/c/policy.conf"
iface "$A" 91 "PostUp = exit 3"
policy staff 0 91 "$A"
run nsx "$gw" "$W" apply -C "$TMP/c"
is "$status" 1 "a first apply whose PostUp fails: fails"
like "$stderr" "\(undo\) nft delete table inet wgpolicy" "the undo deletes the table it added"
is "$(nsx "$gw" nft list tables)" "" "no table left"

done_testing
