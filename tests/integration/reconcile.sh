#!/usr/bin/env bash
# The reconciler: a real tunnel, idempotent apply, incremental peer changes,
# foreign objects left alone (a wg-quick neighbour included), and a failed
# apply that leaves nothing behind (also when only reading back shows it).
#
#   [cl: wgpolicy, wg A] --veth 192.0.2.0/24-- [sv: wgpolicy, wg B]
#        10.77.0.2/24 ================ tunnel ================ 10.77.0.1/24
set -u
. "$(dirname "$0")/lib.sh"
require_root ping

cl=$(netns cl)
sv=$(netns sv)
veth "$cl" up0 "$sv" up0
nsx "$cl" ip addr add 192.0.2.2/24 dev up0
nsx "$sv" ip addr add 192.0.2.1/24 dev up0
A=$(ifname a) B=$(ifname b) Q=$(ifname q)
keypair cli
keypair srv
mkdir -p "$TMP/cl" "$TMP/sv"

peers() { # peers N: N extra peers without servers, as a big deployment has
	python3 - "$1" <<'PY'
import base64, os, sys
for i in range(int(sys.argv[1])):
    key = bytearray(os.urandom(32)); key[31] &= 0x7f
    print("[Peer]\nPublicKey = %s\nAllowedIPs = 10.%d.%d.0/24\n" % (
        base64.b64encode(bytes(key)).decode(), 100 + i // 256, i % 256))
PY
}

cat > "$TMP/sv/$B.conf" <<CONF
[Interface]
PrivateKey = $srv_priv
ListenPort = 51820
Address = 10.77.0.1/24
[Peer]
PublicKey = $cli_pub
AllowedIPs = 10.77.0.2/32
CONF
cat > "$TMP/cl/$A.conf" <<CONF
[Interface]
PrivateKey = $cli_priv
Address = 10.77.0.2/24
[Peer]
PublicKey = $srv_pub
Endpoint = 192.0.2.1:51820
AllowedIPs = 10.77.0.0/24
PersistentKeepalive = 1
$(peers 1000)
CONF
chmod 600 "$TMP"/*/*.conf

# State that is not wgpolicy's and must survive everything below.
nsx "$cl" ip rule add from 198.51.100.0/24 table 333 pref 5000
nsx "$cl" ip route add 198.51.100.0/24 dev up0 table 333
nsx "$cl" ip route add 203.0.113.0/24 dev up0

run nsx "$sv" "$W" apply -C "$TMP/sv"
is "$status" 0 "server: apply"
run nsx "$cl" "$W" apply -C "$TMP/cl"
is "$status" 0 "client: apply with 1001 peers"
[ "$status" -eq 0 ] || printf '%s\n' "$stderr" | grep -v '^\[#\]' | sed 's/^/# /'
ok "ping through the tunnel" wait_for 10 nsx "$cl" ping -c1 -W1 10.77.0.1

run nsx "$cl" "$W" plan -C "$TMP/cl"
is "$status" 0 "plan right after apply: nothing to do (exit 0)"
is "$stdout" "" "plan right after apply prints nothing"
run nsx "$cl" "$W" apply -C "$TMP/cl"
is "$status" 0 "second apply succeeds"
like "$stderr" "nothing to change" "second apply changes nothing"
run nsx "$cl" "$W" plan -C "$TMP/cl" "$A"
is "$status" 0 "plan of one interface: nothing to do (exit 0)"
for cmd in plan up; do
	run nsx "$cl" "$W" "$cmd" -C "$TMP/cl" nosuch0
	is "$status" 1 "$cmd of an interface the configuration does not have: exit 1"
	like "$stderr" "no interface nosuch0 in the configuration" "$cmd says so"
done

hs_before=$(nsx "$cl" wg show "$A" latest-handshakes | awk -v k="$srv_pub" '$1 == k {print $2}')
ok "the real peer has a handshake" test "${hs_before:-0}" -gt 0
# Change one peer among 1001: the 500th extra peer gets another prefix.
victim=$(grep -A1 '^\[Peer\]' "$TMP/cl/$A.conf" | grep PublicKey | sed -n 501p | awk '{print $3}')
python3 - "$TMP/cl/$A.conf" "$victim" <<'PY'
import sys
path, key = sys.argv[1], sys.argv[2]
lines = open(path).read().split("\n")
for i, l in enumerate(lines):
    if l == "PublicKey = " + key:
        lines[i + 1] = "AllowedIPs = 172.31.0.0/24"
open(path, "w").write("\n".join(lines))
PY
run nsx "$cl" "$W" plan -C "$TMP/cl"
is "$status" 2 "one changed peer: plan exits 2"
is "$(printf '%s\n' "$stdout" | grep -c .)" 3 "one changed peer: the peer, its new route, its old route"
like "$stdout" "route add 172.31.0.0/24 dev $A" "the new prefix gets its route"
like "$stdout" "peer $(printf '%s' "$victim" | sed 's/[+/]/./g') .*allowed-ips 172.31.0.0/24" "the changed peer is the one planned"
run nsx "$cl" "$W" apply -C "$TMP/cl"
is "$status" 0 "apply of one changed peer"
hs_after=$(nsx "$cl" wg show "$A" latest-handshakes | awk -v k="$srv_pub" '$1 == k {print $2}')
is "$hs_after" "$hs_before" "the untouched peer keeps its session (same handshake)"
ok "ping still works" nsx "$cl" ping -c1 -W2 10.77.0.1

# A full tunnel brought up by wg-quick beside ours.
if command -v wg-quick >/dev/null; then
	keypair q
	cat > "$TMP/$Q.conf" <<CONF
[Interface]
PrivateKey = $q_priv
Address = 10.88.0.2/24
[Peer]
PublicKey = $srv_pub
Endpoint = 192.0.2.1:51821
AllowedIPs = 0.0.0.0/0
CONF
	chmod 600 "$TMP/$Q.conf"
	nsx "$cl" env WG_QUICK_USERSPACE_IMPLEMENTATION=wireguard-go wg-quick up "$TMP/$Q.conf" >/dev/null 2>&1
	quick_rules=$(nsx "$cl" ip rule show | grep -E 'suppress_prefixlength|fwmark')
	run nsx "$cl" "$W" up "$TMP/$Q.conf"
	is "$status" 1 "up of an interface wg-quick brought up is refused"
	like "$stderr" "interface '$Q' exists and is not wgpolicy's" "the refusal names the interface"
else
	skip "up of an interface wg-quick brought up is refused" "wg-quick is not installed"
	skip "the refusal names the interface" "wg-quick is not installed"
fi
foreign() {
	nsx "$cl" ip rule show pref 5000
	nsx "$cl" ip route show table 333
	nsx "$cl" ip route show 203.0.113.0/24
	[ -n "${quick_rules:-}" ] && nsx "$cl" ip rule show | grep -E 'suppress_prefixlength|fwmark' &&
		nsx "$cl" ip -o link show "$Q" | grep -o "$Q"
}
foreign_before=$(foreign)
run nsx "$cl" "$W" apply -C "$TMP/cl"
is "$(foreign)" "$foreign_before" "apply leaves foreign rules, routes and wg-quick's interface alone"

# down of an interface that is another's, or nobody's, is a mistake, said as wg-quick says it.
if [ -n "${quick_rules:-}" ]; then
	run nsx "$cl" "$W" down "$Q"
	is "$status" 1 "down of wg-quick's interface is refused"
	like "$stderr" "$Q is not wgpolicy's \(wg-quick's\? \`wg-quick down $Q\`\)" "naming it"
else
	skip "down of wg-quick's interface is refused" "wg-quick is not installed"
	skip "naming it" "wg-quick is not installed"
fi
run nsx "$cl" "$W" down -C "$TMP/cl" nosuch0
is "$status" 1 "down of an interface neither in the kernel nor in the configuration is refused"
like "$stderr" "no WireGuard interface nosuch0" "naming it"
is "$(foreign)" "$foreign_before" "neither changed anything"

run nsx "$cl" "$W" down
is "$status" 0 "down"
is "$(nsx "$cl" ip -o link show | grep -c "$A")" 0 "down removed our interface"
if [ -n "${quick_rules:-}" ]; then
	is "$(nsx "$cl" ip rule show | grep -E 'suppress_prefixlength|fwmark')" "$quick_rules" \
		"wg-quick's full-tunnel rules survive our down"
	nsx "$cl" wg-quick down "$TMP/$Q.conf" >/dev/null 2>&1
else
	skip "wg-quick's full-tunnel rules survive our down" "wg-quick is not installed"
fi
is "$(nsx "$cl" ip rule show pref 5000; nsx "$cl" ip route show table 333; nsx "$cl" ip route show 203.0.113.0/24)" \
	"$(printf '%s\n' "$foreign_before" | head -3)" "foreign rule and routes survive down"

# A failure in the middle of apply: everything done is undone.
whole() {
	for f in -4 -6; do nsx "$cl" ip $f rule show; nsx "$cl" ip $f route show table all; done
	nsx "$cl" ip -o link show | awk '{print $2}'
	nsx "$cl" ip -o addr show | awk '{print $2, $4}'
	nsx "$cl" sysctl -n net.ipv4.conf.all.src_valid_mark
	nsx "$cl" nft list tables
}
before=$(whole)
cat > "$TMP/cl/$A.conf" <<CONF
[Interface]
PrivateKey = $cli_priv
Address = 10.77.0.2/24
PostUp = exit 3
[Peer]
PublicKey = $srv_pub
Endpoint = 192.0.2.1:51820
AllowedIPs = 0.0.0.0/0
CONF
run nsx "$cl" "$W" apply -C "$TMP/cl"
is "$status" 1 "apply with a failing PostUp fails"
like "$stderr" "exit status 3" "the error names what failed"
like "$stderr" "undo" "it says what it undid"
is "$(whole)" "$before" "after the failure the namespace is exactly as before"

# A peer holding the interface's own key: WireGuard ignores it, and wg-quick routes
# nothing of it. wgpolicy leaves it out the same way, with a warning, rather than ask
# the device for what it does not keep (apply then failed at its read-back).
cat > "$TMP/cl/$A.conf" <<CONF
[Interface]
PrivateKey = $cli_priv
Address = 10.77.0.2/24
[Peer]
PublicKey = $cli_pub
AllowedIPs = 10.77.0.9/32
CONF
run nsx "$cl" "$W" apply -C "$TMP/cl"
is "$status" 0 "apply of a peer holding the interface's own key succeeds"
like "$stderr" "warning: .*own" "with a warning about it"
is "$(nsx "$cl" wg show "$A" peers | wc -l)" 0 "the device has no such peer"
unlike "$(nsx "$cl" ip -4 route show table all)" "10.77.0.9" "and no route of its AllowedIPs"
run nsx "$cl" "$W" plan -C "$TMP/cl"
is "$status:$stdout" "0:" "then plan has nothing to do"
run nsx "$cl" "$W" down -C "$TMP/cl"
is "$(whole)" "$before" "down: the namespace is as before"

done_testing
