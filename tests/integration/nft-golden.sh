#!/usr/bin/env bash
# Every nftables table in the golden plans is one nft accepts: each plan's are checked
# with `nft -c` (no commit) inside a namespace of its own, in a private mount
# namespace where cgroup2 is on /sys/fs/cgroup and the cgroups it names exist, with
# the devices its egress hooks name.
set -u
. "$(dirname "$0")/lib.sh"
require_root nft unshare

ns=$(netns chk)
golden=$(dirname "$0")/../golden
for plan in "$golden"/*/expected.plan; do
	name=$(basename "$(dirname "$plan")")
	grep -q '^nft -f' "$plan" || continue
	# Each table with its name: "nft -f - # add table inet wgpolicy-wg0: ..." opens one.
	awk '/^nft -f/ { if (on) print "}"; sub(/:$/, "", $8); print "table " $7 " " $8 " {"; on = 1; next }
	     /^(ip|sysctl|resolvconf|wg|wireguard-go) / { if (on) print "}"; on = 0 }
	     on { print } END { if (on) print "}" }' "$plan" > "$TMP/$name.nft"
	grep -o 'cgroupv2 level [0-9]* "[^"]*"' "$TMP/$name.nft" | sed 's/.*"\(.*\)"/\1/' > "$TMP/$name.cg"
	# Egress hooks need their devices: veths of those names, for this plan only.
	devs=$(grep -o 'hook egress device "[^"]*"' "$TMP/$name.nft" | sed 's/.*"\(.*\)"/\1/')
	i=0
	for dev in $devs; do
		nsx "$ns" ip link add "$dev" type veth peer name "peer$((i++))"
	done
	run nsx "$ns" unshare -m sh -c '
		mount --make-rprivate / &&
		mount -t tmpfs none /sys/fs/cgroup && mount -t cgroup2 none /sys/fs/cgroup &&
		made=""
		while read -r cg; do
			p=/sys/fs/cgroup
			for part in $(echo "$cg" | tr / " "); do
				p=$p/$part
				[ -d "$p" ] || { mkdir "$p" && made="$p $made"; }
			done
		done < "$1"
		nft -c -f "$2"; ret=$?
		for p in $made; do rmdir "$p"; done   # only what was made here, deepest first
		exit $ret' sh "$TMP/$name.cg" "$TMP/$name.nft"
	for dev in $devs; do nsx "$ns" ip link del "$dev"; done
	is "$status" 0 "$name: nft accepts the table"
	[ "$status" -eq 0 ] || printf '%s\n' "$stderr" | sed 's/^/# /'
done

done_testing
