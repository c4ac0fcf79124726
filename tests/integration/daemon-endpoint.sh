#!/usr/bin/env bash
# The daemon follows an endpoint's host name, and never waits for a lookup.
# The policy lab (lab.sh, named.sh), plus a tunnel N whose endpoint is a name; the
# daemon runs in a mount namespace of its own (unshare -m) where /etc/hosts,
# /etc/resolv.conf and /etc/nsswitch.conf are the test's files:
#
#   [gw: wgpolicy daemon, N: Endpoint = vpn.example.test:51900] ── [inet] ─┬─ [vpn0] 192.0.2.2  NA
#                                                                        └─ [vpn1] 192.0.2.18 NB
#
# NA and NB are one server (the same key, the same tunnel address 10.6.0.1)
# in two places. The name first says vpn0; then NA stops and the hosts file
# says vpn1 (ResolveInterval = 1s): the peer's endpoint must follow, and
# pings through N reach NB. Last, a tunnel M whose name only DNS knows, with
# a resolver that never answers (its queries are dropped in inet): while the
# lookup hangs, the daemon answers status and puts back a deleted rule as
# fast as ever, brings M up without an endpoint, and says why.
set -u
. "$(dirname "$0")/lab.sh"
. "$(dirname "$0")/named.sh"
named_start

M=$(ifname m)
now_ns() { date +%s%N; }
keypair gwm
count "$VPN0" via_a iifname "$NA" ip saddr 10.6.0.2
count "$VPN1" via_b iifname "$NB" ip saddr 10.6.0.2

# shellcheck disable=SC2154
named_tunnel "$N" "$gwn_priv" vpn.example.test:51900 10.6.0.2/24 10.6.0.1/32 "PersistentKeepalive = 1"
office_policy >"$CONF/policy.conf"
printf '[Global]\nResolveInterval = 1s\n' >"$CONF/global.conf"

printf '192.0.2.2 vpn.example.test\n' >"$TMP/hosts"
printf 'nameserver 198.51.100.1\n' >"$TMP/resolv.conf"
printf 'hosts: files dns\n' >"$TMP/nsswitch.conf"
named_daemon hosts resolv.conf nsswitch.conf
is_endpoint() { [ "$(endpoint_of "$1")" = "$2" ]; }
pings() { nsx "$GW" ping -c1 -W1 10.6.0.1; }

ok "the daemon runs" daemon_alive
like "$(cat "$LOG")" "endpoint vpn.example.test: 192\.0\.2\.2$" "it looked the name up in its hosts file"
is "$(endpoint_of "$N")" "192.0.2.2:51900" "N's peer: endpoint 192.0.2.2:51900 (vpn0) from the first round"
ok "pings through N" wait_for 10 pings
ok "... reach NA in vpn0" test "$(packets "$VPN0" via_a)" -gt 0

# ---- the server moves: NA stops, the name now says vpn1 -----------------------
pp "$VPN0" kill "$(wg_pid "$VPN0" "$NA")"
t=$(now_ns)
printf '192.0.2.18 vpn.example.test\n' >"$TMP/hosts"
note "hosts: vpn.example.test is 192.0.2.18"
ok "N's peer follows: endpoint 192.0.2.18:51900" wait_for 10 is_endpoint "$N" 192.0.2.18:51900
moved_ms=$((($(now_ns) - t) / 1000000))
note "the new address set on the peer ${moved_ms} ms after the hosts file changed (ResolveInterval 1s)"
ok "within 3 s ($moved_ms ms)" test "$moved_ms" -lt 3000
like "$(cat "$LOG")" "endpoint vpn.example.test: now 192\.0\.2\.18 \(was 192\.0\.2\.2\)" "the log says the name moved"
like "$(cat "$LOG")" "\[#\] wg set $N peer [^ ]+ endpoint 192\.0\.2\.18:51900" "and shows the peer set to it"
b0=$(packets "$VPN1" via_b)
# WireGuard shakes hands anew once data to the old session goes unanswered (15 s).
t=$(now_ns)
ok "pings through N again" wait_for 30 pings
note "first answer through NB $((($(now_ns) - t) / 1000000)) ms after the endpoint changed"
ok "... reaching NB in vpn1" test "$(packets "$VPN1" via_b)" -gt "$b0"
lookups=$(status_json | python3 -c 'import json, sys; print([n for n in json.load(sys.stdin)["daemon"]["endpoints"] if n["host"] == "vpn.example.test"][0]["lookups"])')
ok "status: the name was looked up on schedule ($lookups lookups so far)" test "$lookups" -ge 3
like "$(nsx "$GW" "$W" status)" "endpoint vpn\.example\.test: 192\.0\.2\.18, (next lookup in [01] s|looking it up)" \
	"status (text) shows the name's address"

# ---- a lookup that hangs -------------------------------------------------------
# inet drops DNS: the resolver (198.51.100.1) never answers, 3 s a try, 2 tries.
pp "$INET" nft add rule inet lab count udp dport 53 drop
pp "$INET" nft add rule inet lab count tcp dport 53 drop
printf 'nameserver 198.51.100.1\noptions timeout:3 attempts:2\n' >"$TMP/resolv.conf"
# shellcheck disable=SC2154
named_tunnel "$M" "$gwm_priv" hang.example.test:51901 10.5.0.2/24 10.5.0.1/32
run nsx "$GW" "$W" reload
is "$status" 0 "reload: tunnel M, whose name only DNS knows"
busy() {
	status_json | python3 -c 'import json, sys
n = [n for n in json.load(sys.stdin)["daemon"]["endpoints"] if n["host"] == "hang.example.test"]
sys.exit(not (n and n[0]["busy"]))'
}
ok "status: hang.example.test is being looked up" wait_for 5 busy
ok "M is up meanwhile" nsx "$GW" ip link show "$M" up
is "$(endpoint_of "$M")" "(none)" "M's peer has no endpoint while its name has no address"
# While the lookup hangs: status answers, and a deleted rule comes back.
worst=0
for i in 1 2 3; do
	t=$(now_ns)
	run status_json
	ms=$((($(now_ns) - t) / 1000000))
	[ "$ms" -gt "$worst" ] && worst=$ms
	[ "$status" -eq 0 ] || break
done
ok "status answered 3 times during the lookup, the slowest in $worst ms (under 1 s)" test "$worst" -lt 1000
owned_rule() { nsx "$GW" ip rule show pref 10001 | grep -q "from 10.0.1.0/24 lookup 52000"; }
ok "the office rule is there" owned_rule
t=$(now_ns)
pp "$GW" ip rule del pref 10001
ok "deleted, it is back" wait_for 5 owned_rule
back_ms=$((($(now_ns) - t) / 1000000))
ok "in $back_ms ms (under 1 s), while the lookup still hangs" test "$back_ms" -lt 1000
ok "the lookup was still under way" busy
ok "it fails in the end, and the log says what M's peer does meanwhile" \
	wait_for 30 grep -q "endpoint hang.example.test: cannot resolve: .*; its peers go without an endpoint until it does" "$LOG"
ok "the daemon still runs" daemon_alive
unlike "$(cat "$LOG")" "cannot compile" "no round failed for want of an address"

[ -n "${SHOWLOG:-}" ] && show_log 200
done_testing
