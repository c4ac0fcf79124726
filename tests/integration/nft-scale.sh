#!/usr/bin/env bash
# The coexistence check beside a large foreign ruleset (a Kubernetes node, a
# big firewall): 10,000 rules in other programs' tables, some using mark bits
# outside wgpolicy's mask. A collision deep inside is still refused, naming
# the table and chain, however the scan of the ruleset was kept: wgpolicy
# keeps it in /run/wgpolicy with nftables' generation and reads it again only
# while the generation is the same (or moved by wgpolicy's own commits alone).
#
#   [gw: policy user: User = 1001, Via = A (wireguard-go), marked]
#        inet fw: 5,000 rules; ip filter, ip nat: 5,000 in chains of 20
set -u
. "$(dirname "$0")/lib.sh"
require_root nft python3

gw=$(netns gw)
A=$(ifname a)
keypair me
keypair srv
mkdir -p "$TMP/c"
# shellcheck disable=SC2154 # lib.sh's keypair sets *_priv and *_pub
printf '[Interface]\nPrivateKey = %s\nAddress = 10.66.0.2/24, fd66::2/64\nTable = off\n[Peer]\nPublicKey = %s\nEndpoint = 192.0.2.1:51820\nAllowedIPs = 0.0.0.0/0, ::/0\n' \
	"$me_priv" "$srv_pub" >"$TMP/c/$A.conf"
chmod 600 "$TMP/c/$A.conf"
printf '[Policy user]\nUser = 1001\nVia = %s\n' "$A" >"$TMP/c/policy.conf"

RULES=10000
python3 - "$RULES" >"$TMP/foreign.nft" <<'PY'
import sys
n = int(sys.argv[1])
marks = ("meta mark set meta mark | 0x00004000", "meta mark & 0x00004000 == 0x00004000 counter",
         "ct mark set ct mark & 0xffffc0ff | 0x00000200", "meta mark & 0x00ff0000 == 0x00040000 accept")
def rule(i):
    if i % 50 == 49:
        return marks[i // 50 % len(marks)]
    return f"ip saddr 10.{i // 250 % 250}.{i % 250}.0/24 tcp dport {1024 + i} counter accept"
def table(family, name, first, count, per):
    chains = [range(c, min(count, c + per)) for c in range(0, count, per)]
    print(f"table {family} {name} {{")
    for k, rs in enumerate(chains):
        print(f"\tchain C{k} {{\n" + "".join(f"\t\t{rule(first + i)}\n" for i in rs) + "\t}")
    print("\tchain HOOK {\n\t\ttype filter hook forward priority 0; policy accept;")
    print("".join(f"\t\tjump C{k}\n" for k in range(len(chains))) + "\t}\n}")
table("inet", "fw", 0, n // 2, 500)
table("ip", "filter", n // 2, n // 4, 20)
table("ip", "nat", n // 2 + n // 4, n - n // 2 - n // 4, 20)
PY
nsx "$gw" nft -f "$TMP/foreign.nft"
is "$(nsx "$gw" nft list ruleset | grep -c 'counter\|mark set\|accept$')" "$RULES" \
	"the foreign tables hold $RULES rules"

state() {
	for f in -4 -6; do nsx "$gw" ip $f rule; done
	nsx "$gw" ip -o link show
	nsx "$gw" nft list ruleset
}
# gen: nftables' generation in gw (NFT_MSG_GETGEN).
gen() {
	nsx "$gw" python3 -c '
import socket, struct
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 12)
s.send(struct.pack("=IHHII", 20, (10 << 8) | 16, 1, 1, 0) + bytes(4))
d, off = s.recv(4096), 20
while off + 4 <= len(d):
    ln, typ = struct.unpack_from("=HH", d, off)
    if typ == 1:
        print(struct.unpack_from(">I", d, off + 4)[0])
    off += (ln + 3) & ~3'
}
# memo: the file that keeps gw's scan, named by gw's netns cookie.
memo() {
	printf '/run/wgpolicy/marks-netns-cookie-%s.json' "$(nsx "$gw" python3 -c '
import socket, struct
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
print(struct.unpack("=Q", s.getsockopt(socket.SOL_SOCKET, 71, 8))[0])')"
}
MEMO=$(memo)
trap 'rm -f "$MEMO"; cleanup' EXIT # the namespace goes, and with it the use of its file
memo_field() { python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$MEMO" "$1"; }
refuses() { # refuses DESCRIPTION PATTERN: plan and apply fail naming PATTERN, nothing changes
	local before
	before=$(state)
	run nsx "$gw" "$W" plan -C "$TMP/c"
	is "$status" 1 "$1: plan refuses"
	like "$stderr" "$2" "$1: plan names the other table"
	run nsx "$gw" "$W" apply -C "$TMP/c"
	is "$status" 1 "$1: apply refuses"
	like "$stderr" "$2" "$1: apply names the other table"
	is "$(state)" "$before" "$1: nothing changed"
}

run nsx "$gw" "$W" apply -C "$TMP/c"
is "$status" 0 "apply beside $RULES foreign rules whose marks are outside the mask"
run nsx "$gw" "$W" plan -C "$TMP/c"
is "$status:$stdout" "0:" "plan: nothing left to do"
ok "the scan is kept for this namespace" test -s "$MEMO"
is "$(memo_field generation)" "$(gen)" "for the generation it saw"
like "$(memo_field uses)" "ip nat" "with the marks of the foreign tables"

# One rule inserted deep in the ruleset, in an existing chain: a transaction, a new generation.
nsx "$gw" nft insert rule ip filter C100 meta mark set meta mark \| 0x02000000
refuses "a rule among $RULES setting 0x02000000" \
	"FirewallMarkMask 0xff000000 overlaps mark bits 0x02000000 that nftables table ip filter sets \(chain C100\)"
h=$(nsx "$gw" nft -a list chain ip filter C100 | awk '/0x02000000/ {print $NF}')
nsx "$gw" nft delete rule ip filter C100 handle "$h"
run nsx "$gw" "$W" apply -C "$TMP/c"
is "$status" 0 "once it is gone, apply goes through"

# wgpolicy's own commit moves the generation; the scan follows it, nobody else having committed.
sed -i 's/User = 1001/User = 1002/' "$TMP/c/policy.conf"
g0=$(gen)
run nsx "$gw" "$W" apply -C "$TMP/c"
is "$status" 0 "apply changes wgpolicy's table"
is "$(($(gen) > g0))" 1 "which is a transaction"
is "$(memo_field generation)" "$(gen)" "the scan is kept for the generation after wgpolicy's own commit"
nsx "$gw" nft add table ip late
nsx "$gw" nft add chain ip late c
nsx "$gw" nft add rule ip late c meta mark 0x1 accept
refuses "a whole mark matched in a table added after" \
	"overlaps mark bits 0xffffffff that nftables table ip late matches \(chain c\)"
nsx "$gw" nft delete table ip late

# What plan reads while the generation holds is the kept scan: emptied, the collision hides...
nsx "$gw" nft insert rule ip nat C3 ct mark set ct mark \| 0x04000000
refuses "a connection mark set within the mask" "mark bits 0x04000000 that nftables table ip nat sets \(chain C3\)"
python3 - "$MEMO" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["uses"] = []
json.dump(d, open(sys.argv[1], "w"))
PY
run nsx "$gw" "$W" plan -C "$TMP/c"
is "$status" 0 "a kept scan of the same generation is used as it is"
# ... but a scan of another boot is not.
python3 - "$MEMO" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["boot"] = "00000000-0000-0000-0000-000000000000"
json.dump(d, open(sys.argv[1], "w"))
PY
refuses "a kept scan from another boot" "mark bits 0x04000000 that nftables table ip nat sets \(chain C3\)"

# Without other programs' tables there is nothing to list, and no scan is kept.
for t in "inet fw" "ip filter" "ip nat"; do
	nsx "$gw" nft delete table $t
done
run nsx "$gw" "$W" plan -C "$TMP/c"
is "$status:$stdout" "0:" "the foreign tables gone, nothing to do"
ok "and the kept scan is gone with them" test ! -e "$MEMO"
run nsx "$gw" "$W" down -C "$TMP/c"
is "$status" 0 "down"
ok "no scan is kept after down either" test ! -e "$MEMO"

done_testing
