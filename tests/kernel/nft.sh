#!/usr/bin/env bash
# src/kernel/nft.c against the real kernel, checked with nft(8). Run by
# tests/kernel/nft-run.sh (root only):
#
#   wgpnPID     a network namespace of our own (ip netns add), lo up. Every
#               nft_load/delete/dump/save/restore runs inside it (tests/kernel/nfttool),
#               under `ip netns exec` (which remounts /sys: no cgroup2 mount at all)
#               or `nsenter --net` (the host's mounts: cgroup2 where the host has it,
#               /sys/fs/cgroup/unified on a hybrid layout)
#   CG/wgpolicy.testPID/{x,y}   cgroups the loads create under the real cgroup2 mount CG
#
# The root namespace's nftables are only ever read (before and after, to see
# that no table of ours leaked there). Cleanup (trap): the namespace, then
# rmdir of the cgroup directories named above, which this script made.
set -u
# shellcheck source=tests/tap.sh
. "$(dirname "$0")/../tap.sh"

T=${NFTTOOL:?NFTTOOL must name tests/kernel/nfttool}
NS=wgpn$$
CGNAME=wgpolicy.test$$
CG=$(awk '/ - cgroup2 / { print $5; exit }' /proc/self/mountinfo)
TMP=$(mktemp -d /tmp/wgpn.XXXXXX)

cleanup() {
	ip netns del "$NS" 2>/dev/null
	if [ -n "$CG" ]; then
		rmdir "$CG/$CGNAME/x" "$CG/$CGNAME/y" 2>/dev/null
		rmdir "$CG/$CGNAME" 2>/dev/null
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

in_ns() { ip netns exec "$NS" "$@"; }
with_host_mounts() { nsenter --net="/run/netns/$NS" "$@"; }
# nfttool in the namespace, body (if any) on stdin: sets $status, $stdout, $stderr.
tool() { run in_ns "$T" "$@"; }
listing() { in_ns nft list table inet wgpolicy 2>&1; }

BODY_A='set dst4 {
	type ipv4_addr; flags interval
	elements = { 10.0.0.0/8, 192.168.0.0/16 }
}
set marks { type mark; elements = { 0x10, 0x20 }; }
chain out_a {
	type route hook output priority mangle; policy accept;
	ip daddr @dst4 meta mark set 0x100 counter
}
chain post_a {
	type nat hook postrouting priority srcnat; policy accept;
	meta mark @marks counter
}'
BODY_B='set dst6 { type ipv6_addr; flags interval; elements = { fd00::/8 }; }
chain out_b {
	type route hook output priority mangle; policy accept;
	ip6 daddr @dst6 meta mark set 0x200 counter
}'

root_before=$(nft list tables 2>/dev/null | grep -c '^table inet wgpolicy$')
say ip netns add "$NS" || exit 1
say in_ns ip link set lo up

# --- absent table ---
tool dump
is "$status:$stdout" "0:" "dump without a table: nothing, and no error"
tool delete
is "$status" 0 "delete without a table succeeds"

if command -v setpriv >/dev/null; then
	run in_ns setpriv --reuid=65534 --regid=65534 --clear-groups "$T" dump
	is "$status" 1 "dump as an unprivileged user fails"
	has "$stderr" "dump: Operation not permitted" "with the kernel's reason as the error"
else
	skip "dump as an unprivileged user" "setpriv is not installed"
fi

# --- load, dump ---
tool load 00000000000000a1 <<<"$BODY_A"
is "$status" 0 "load a table with two sets and two chains${stderr:+: $stderr}"
out=$(listing)
has "$out" 'comment "wgpolicy:00000000000000a1"' "the table carries its hash in its comment"
has "$out" 'elements = { 10.0.0.0/8, 192.168.0.0/16 }' "the set's elements are loaded"
has "$out" 'type nat hook postrouting priority srcnat; policy accept;' "both chains are loaded"
tool dump
is "$stdout" "inet wgpolicy 00000000000000a1" "dump reads the hash back from the comment"

# --- replace: one transaction, watched from another process ---
# Each sample: how many wgpolicy tables, the hash, and the chains seen in one listing.
in_ns bash -c 'while [ ! -e "$1" ]; do
	n=$(nft list tables | grep -c "^table inet wgpolicy$")
	nft -t list table inet wgpolicy 2>/dev/null |
		awk -v n="$n" "/comment/ { h = \$2 } /^\tchain/ { c = c \" \" \$2 } END { print n, h c }"
done' _ "$TMP/stop" >"$TMP/samples" &
watcher=$!
fails=0
for i in $(seq 1 40); do
	body=$BODY_A
	[ $((i % 2)) = 0 ] && body=$BODY_B
	in_ns "$T" load "$(printf '%016x' "$i")" <<<"$body" || fails=$((fails + 1))
done
touch "$TMP/stop"
wait "$watcher"
is "$fails" 0 "40 replacements, alternating two tables, all succeed"
samples=$(wc -l <"$TMP/samples")
echo "# $samples listings taken while replacing"
# A consistent sample: one table, and the chains of the body its hash says was loaded.
# Odd hashes were loaded with body A, even ones with B.
bad=$(awk '{ odd = index("13579bdf", substr($2, 26, 1)) > 0 }
	!($1 == 1 && (($3 == "out_a" && $4 == "post_a" && NF == 4 && odd) ||
		      ($3 == "out_b" && NF == 3 && !odd))) { print }' "$TMP/samples")
is "$bad" "" "no listing during the replacements saw no table, two tables, or a mix of old and new"
ok "the listings were taken during the replacements" test "$samples" -gt 0
tool dump
is "$stdout" "inet wgpolicy 0000000000000028" "dump after the replacements: the last hash"

# --- failures leave the old table intact ---
before=$(listing)
tool load 00000000000000e1 <<<'chain broken {
	type route hook output priority mangle; policy accept;
	ip daddr 10.0.0.0/8 meta mark set
}'
is "$status" 1 "a body with a syntax error fails"
has "$stderr" "ruleset:3:35-35: Error: syntax error" "the error names the line, the column and the problem"
is "$(listing)" "$before" "after the syntax error, the old table is intact"
tool load 00000000000000e2 <<<"$BODY_A
chain late {
	type filter hook output priority 0; policy accept;
	ip daddr @nosuch counter
}"
is "$status" 1 "a body naming an unknown set fails"
has "$stderr" "ip daddr @nosuch counter" "the error quotes the offending line"
is "$(listing)" "$before" "after the unknown set, the old table is intact"
tool load 00000000000000e3 <<<"$BODY_A
chain wrong_hook { type route hook prerouting priority mangle; }"
is "$status" 1 "a chain the kernel refuses (type route outside output) fails"
has "$stderr" "Operation not supported" "the error is the kernel's"
is "$(listing)" "$before" "after the kernel's refusal of the whole batch, the old table is intact"
tool load 00000000000000e4 ../../etc <<<"$BODY_B"
has "$status:$stderr" "1:" "a cgroup path out of the hierarchy is refused"
has "$stderr" "not a path inside the cgroup v2 hierarchy" "and said so"

# --- save and restore (the rollback of a replacement) ---
tool save
saved=$stdout
is "$status" 0 "save the table"
has "$saved" 'comment "wgpolicy:0000000000000028"' "the saved text holds the comment"
tool load 00000000000000b1 <<<"$BODY_A"
run in_ns "$T" restore <<<"$saved"
is "$status" 0 "restore the saved text${stderr:+: $stderr}"
is "$(listing)" "$before" "restored: the same table as before"
tool dump
is "$stdout" "inet wgpolicy 0000000000000028" "restored: the old hash"

# --- a table of ours without our comment ---
tool delete
in_ns nft add table inet wgpolicy
tool dump
is "$stdout" "inet wgpolicy 0000000000000000" "a table without a wgpolicy comment dumps with hash 0"

# --- other comments ---
in_ns nft add table inet wgpolicy '{ comment "wgpolicy:00000000000000a"; }'
tool dump
is "$stdout" "inet wgpolicy 0000000000000000" "a comment with 15 hex digits: hash 0"
in_ns nft delete table inet wgpolicy
in_ns nft add table inet wgpolicy '{ comment "wgpolicy:00000000000000aX"; }'
tool dump
is "$stdout" "inet wgpolicy 0000000000000000" "a comment with another character: hash 0"
in_ns nft delete table inet wgpolicy
in_ns nft add table inet wgpolicy

# --- the generation ---
tool gen
g0=$stdout
is "$status" 0 "gen reads the generation${stderr:+: $stderr}"
like "$g0" '^[0-9]+$' "a number"
in_ns nft list ruleset >/dev/null
tool dump
tool gen
is "$stdout" "$g0" "listings and dumps leave it as it was"
in_ns nft add table ip gentest
tool gen
g1=$stdout
is "$((g1 - g0))" 1 "a transaction adds one"
in_ns nft -f - <<<'add table ip gentest; add chain ip gentest c; add rule ip gentest c accept'
tool gen
is "$(($stdout - g1))" 1 "a transaction of three commands, one too"
g1=$stdout
in_ns nft add rule ip gentest nochain accept 2>/dev/null
tool gen
is "$stdout" "$g1" "a transaction that fails, none"
in_ns nft delete table ip gentest
if command -v setpriv >/dev/null; then
	run in_ns setpriv --reuid=65534 --regid=65534 --clear-groups "$T" gen
	has "$status:$stderr" "1:nfttool gen: Operation not permitted" "gen as an unprivileged user fails"
else
	skip "gen as an unprivileged user" "setpriv is not installed"
fi

# --- a full tunnel's table beside the policies' (state/state.h names them) ---
ft='inet wgpolicy-w/3d0'
NFTTOOL_TABLE=$ft tool load 00000000000000d1 <<<"$BODY_B"
is "$status" 0 "load a full tunnel's table, $ft${stderr:+: $stderr}"
in_ns nft add table inet wgpolicyx
in_ns nft add table ip wgpolicy-w0
tool dump
is "$stdout" "inet wgpolicy 0000000000000000
$ft 00000000000000d1 w=0" "dump lists both tables of ours, the full tunnel's with its interface, no other"
NFTTOOL_TABLE=$ft tool save
has "$stdout" 'comment "wgpolicy:00000000000000d1"' "save lists the table named"
NFTTOOL_TABLE=$ft tool delete
is "$status" 0 "delete the full tunnel's table"
tool dump
is "$stdout" "inet wgpolicy 0000000000000000" "the policies' table stays"
in_ns nft delete table inet wgpolicyx
in_ns nft delete table ip wgpolicy-w0

# --- cgroups ---
cg_rule() { # cg_rule PATH: a body counting the packets of the cgroup PATH
	printf 'chain cg {\n\ttype route hook output priority mangle; policy accept;\n'
	printf '\tsocket cgroupv2 level 2 "%s" counter meta mark set 0x300\n}\n' "$1"
}
# How nft, in the host's mounts, names the rule's cgroup id: a path under /sys/fs/cgroup.
host_path() {
	local rel=${CG#/sys/fs/cgroup}
	rel=${rel#/}
	echo "${rel:+$rel/}$1"
}
if [ -z "$CG" ]; then
	skip "cgroups" "no cgroup2 mount"
elif [ -e "$CG/$CGNAME" ]; then
	skip "cgroups" "$CG/$CGNAME exists already: not ours to remove"
else
	echo "# cgroup2 is mounted on $CG"
	is "$(in_ns awk '/ - cgroup2 /' /proc/self/mountinfo)" "" \
		"under ip netns exec no cgroup2 is mounted (the private-namespace path, mounting it)"
	tool load 00000000000000c1 "$CGNAME/x" <<<"$(cg_rule "$CGNAME/x")"
	is "$status" 0 "load a socket cgroupv2 rule under ip netns exec${stderr:+: $stderr}"
	ok "its cgroup is made in the real hierarchy" test -d "$CG/$CGNAME/x"
	out=$(with_host_mounts nft list table inet wgpolicy)
	has "$out" "socket cgroupv2 level 2 \"$(host_path "$CGNAME/x")\"" \
		"the rule holds the id of that cgroup (nft finds it from the host's mounts)"
	# A real packet from a process in the cgroup, and one from outside it.
	say bash -c 'echo $$ >"$1/cgroup.procs" && exec ip netns exec "$2" bash -c "echo in >/dev/udp/127.0.0.1/9"' \
		_ "$CG/$CGNAME/x" "$NS"
	say in_ns bash -c 'echo out >/dev/udp/127.0.0.1/9'
	has "$(listing)" "counter packets 1 " "one packet matched: the one from the cgroup"

	run with_host_mounts "$T" load 00000000000000c2 "$CGNAME/y" <<<"$(cg_rule "$CGNAME/y")"
	is "$status" 0 "load a cgroup rule with the host's mounts (cgroup2 on $CG)${stderr:+: $stderr}"
	ok "its cgroup is made" test -d "$CG/$CGNAME/y"
	has "$(with_host_mounts nft list table inet wgpolicy)" \
		"socket cgroupv2 level 2 \"$(host_path "$CGNAME/y")\"" "the rule holds that cgroup's id"
	before=$(listing)
	run with_host_mounts "$T" load 00000000000000c3 "$CGNAME/y" <<<"$(cg_rule "$CGNAME/y")
chain bad { type filter hook output priority 0; meta mark set }"
	is "$status" 1 "a broken cgroup ruleset fails"
	has "$stderr" "syntax error" "the error text comes back from where libnftables ran"
	is "$(listing)" "$before" "and the old table is intact"
	run with_host_mounts "$T" save
	has "$stdout" "socket cgroupv2 level 2 \"$CGNAME/y\"" \
		"save lists cgroups as nft resolves them under /sys/fs/cgroup, to load again"
	saved=$stdout
	tool delete
	run with_host_mounts "$T" restore <<<"$saved"
	is "$status" 0 "restore a saved cgroup rule${stderr:+: $stderr}"
	tool dump
	is "$stdout" "inet wgpolicy 00000000000000c2" "restored with its hash"
fi

# --- delete ---
tool delete
is "$status" 0 "delete the table"
is "$(in_ns nft list tables)" "" "no table left in the namespace"
tool delete
is "$status" 0 "delete again: nothing to do, no error"

is "$(nft list tables 2>/dev/null | grep -c '^table inet wgpolicy$')" "$root_before" \
	"the root namespace's tables are as they were"
done_testing
