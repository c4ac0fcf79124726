#!/usr/bin/env bash
# Handshakes as a health input, and a stale handshake that has the endpoint's
# name looked up again: WireGuard's own timers, in real time (about 4 minutes).
# The policy lab (lab.sh, named.sh), the daemon in a mount namespace of its own with the
# test's /etc/hosts, and a tunnel N to a server whose name moves:
#
#   [lan1] ── [gw: wgpolicy daemon] ══ A (PersistentKeepalive 5) ══ [vpn0] S0, NA 192.0.2.2
#   [lan2] ──┘                      ══ B (no keepalive, idle)   ══ [vpn1] S1, NB 192.0.2.18
#                                   ══ N (PersistentKeepalive 5, Endpoint = vpn.example.test:51900)
#
#   office: From lan1, Via = A, B    idle: From lan2, Via = B, A    no Check, no Probe:
#   no target has a probe address, so handshakes are the only health input.
#   ResolveInterval = off: only a stale handshake has the name looked up again.
#
# Fault: vpn0's servers S0 and NA stop; the hosts file now says vpn1 (NB, the
# same server as NA). Then, counted from each peer's latest handshake:
#   135 s  N's handshake is stale: vpn.example.test is looked up again, its
#          new address set on N's peer, and N reaches NB;
#   200 s  A (180 s + keepalive 5 + 15) is dead: office fails over to B.
# Neither comes early. B, idle without keepalive, with no handshake at all,
# is never judged: idle stays on it. S0 back: A shakes hands, office returns.
set -u
. "$(dirname "$0")/lab.sh"
. "$(dirname "$0")/named.sh"
named_start

printf 'PersistentKeepalive = 5\n' >>"$CONF/$A.conf"
# shellcheck disable=SC2154
named_tunnel "$N" "$gwn_priv" vpn.example.test:51900 10.6.0.2/24 10.6.0.1/32 "PersistentKeepalive = 5"
printf '[Policy office]\nFrom = 10.0.1.0/24\nVia = %s, %s\n[Policy idle]\nFrom = 10.0.2.0/24\nVia = %s, %s\n' \
	"$A" "$B" "$B" "$A" >"$CONF/policy.conf"
printf '[Global]\nResolveInterval = off\n' >"$CONF/global.conf"

run "$W" check -C "$CONF"
like "$stderr" "policy office, target $A: no probe address [^;]*; handshake: down when $A peer #1 \(line [0-9]+\) has had none for 200s" \
	"check: A is judged by its handshakes alone, dead after 200 s"
like "$stderr" "policy idle, target $B: no probe address [^;]*; handshake: not judged \(no peer with PersistentKeepalive\)" \
	"check: B is not judged (no keepalive)"

printf '192.0.2.2 vpn.example.test\n' >"$TMP/hosts"
printf 'hosts: files\n' >"$TMP/nsswitch.conf"
named_daemon hosts nsswitch.conf
handshake_of() { nsx "$GW" wg show "$1" latest-handshakes | awk '{ print $2 }'; }
has_handshake() { [ "$(handshake_of "$1")" -gt 0 ]; }
# active POLICY: the target the daemon says the policy goes by.
active() {
	status_json | python3 -c 'import json, sys
print([p for p in json.load(sys.stdin)["daemon"]["policies"] if p["name"] == sys.argv[1]][0]["active"])' "$1"
}
# targets: each policy's targets, health and handshake verdict, a line each.
targets() {
	status_json | python3 -c 'import json, sys
for p in json.load(sys.stdin)["daemon"]["policies"]:
    for t in p["targets"]:
        print(p["name"], t["target"], "up" if t["up"] else "down", "dead" if t["handshake_dead"] else "-")'
}
ok "the daemon runs" daemon_alive
ok "A has a handshake (keepalive)" wait_for 15 has_handshake "$A"
ok "N has a handshake with NA (keepalive)" wait_for 15 has_handshake "$N"
is "$(endpoint_of "$N")" "192.0.2.2:51900" "N's peer: endpoint 192.0.2.2:51900 (vpn0)"
is "$(active office) $(active idle)" "$A $B" "office via A, idle via B"

# ---- the fault ---------------------------------------------------------------------
pp "$VPN0" kill "$(wg_pid "$VPN0" "$S0")" "$(wg_pid "$VPN0" "$NA")"
printf '192.0.2.18 vpn.example.test\n' >"$TMP/hosts"
note "hosts: vpn.example.test is 192.0.2.18 (vpn1)"
sleep 2 # a handshake under way when the servers stopped has shown by now
hs_a=$(handshake_of "$A") hs_n=$(handshake_of "$N")
note "latest handshakes: A $(($(date +%s) - hs_a)) s ago, N $(($(date +%s) - hs_n)) s ago"

# Watch, once a second, for 260 s after A's handshake at most: N's endpoint and office's target.
moved_at="" failed_at=""
while [ $(($(date +%s) - hs_a)) -lt 260 ]; do
	[ -z "$moved_at" ] && [ "$(endpoint_of "$N")" = 192.0.2.18:51900 ] && moved_at=$(date +%s)
	[ -z "$failed_at" ] && [ "$(active office)" = "$B" ] && failed_at=$(date +%s)
	[ -n "$moved_at" ] && [ -n "$failed_at" ] && break
	sleep 1
done
since() { if [ -n "$1" ]; then echo "$(($1 - $2)) s after"; else echo "never, $(($(date +%s) - $2)) s after"; fi; }
note "N's endpoint moved $(since "$moved_at" "$hs_n") its latest handshake"
note "office failed over $(since "$failed_at" "$hs_a") A's latest handshake"
ok "N's endpoint follows the name: 192.0.2.18:51900" test -n "$moved_at"
ok "... once its handshake is stale, not before: 135 s ($((${moved_at:-0} - hs_n)) s)" \
	test "$((${moved_at:-0} - hs_n))" -ge 134
ok "... and soon after (within 135 + 35 s)" test "$((${moved_at:-0} - hs_n))" -le 170
like "$(cat "$LOG")" "peer $N peer #1 \(line [0-9]+\): no handshake for 13[5-9]s: looking vpn\.example\.test up again" \
	"the log says why the name is looked up again"
like "$(cat "$LOG")" "endpoint vpn\.example\.test: now 192\.0\.2\.18 \(was 192\.0\.2\.2\)" "... and what it now is"
ok "N reaches NB through the new endpoint" wait_for 30 nsx "$GW" ping -c1 -W1 10.6.0.1
ok "office failed over to B" test -n "$failed_at"
ok "... when A's handshake was 200 s old, not before ($((${failed_at:-0} - hs_a)) s)" \
	test "$((${failed_at:-0} - hs_a))" -ge 199
ok "... and soon after (within 200 + 35 s)" test "$((${failed_at:-0} - hs_a))" -le 235
like "$(cat "$LOG")" "policy office: target $A is down \(no handshake for 20[0-9]s from its peers with PersistentKeepalive\)" \
	"the log says why A is down"
has "$(targets)" "office $A down dead" "status: A is down, its handshakes dead"
like "$(nsx "$GW" "$W" status)" "    $A: DOWN \(no handshake\), .*; handshake: down when $A peer #1 \(line [0-9]+\) has had none for 200s\)" \
	"status (text) says so, and what judges A"
lookups=$(status_json | python3 -c 'import json, sys; print(json.load(sys.stdin)["daemon"]["endpoints"][0]["lookups"])')
is "$lookups" 2 "the name was looked up twice: at start, and when the handshake went stale"

# ---- A's server back -------------------------------------------------------------------
restart() {
	# shellcheck disable=SC2154 # lab.sh's keypair sets *_priv and *_pub
	lab_server "$VPN0" "$S0" "$srv0_priv" "$gw0_pub" 10.8.0.1 fd08::1 10.8.0.2 fd08::2
}
ok "S0 restarted" restart
t=$(date +%s)
is_active() { [ "$(active "$1")" = "$2" ]; }
ok "A shakes hands again (its keepalive retries), and office returns to A" wait_for 40 is_active office "$A"
note "office back on A $(($(date +%s) - t)) s after S0 restarted"
like "$(cat "$LOG")" "policy office: target $A has a new handshake: up again" "the log says why"

# ---- B: idle, without keepalive --------------------------------------------------------
# Its one handshake came as it was made (the kernel's IPv6 chatter at link-up); nothing
# was sent through it since. Older than a peer with keepalive may go, it is not judged.
b_age() { local h; h=$(handshake_of "$B"); if [ "$h" -eq 0 ]; then echo never; else echo $(($(date +%s) - h)); fi; }
old_enough() { [ "$(b_age)" = never ] || [ "$(b_age)" -ge 225 ]; }
wait_for 60 old_enough
ok "B's latest handshake: $(b_age) s ago (past the 200-220 s of a peer with keepalive)" old_enough
is "$(active idle)" "$B" "idle still goes via B"
has "$(targets)" "idle $B up -" "status: B is up, its handshakes not judged"
ok "the daemon still runs" daemon_alive
unlike "$(cat "$LOG")" "cannot compile|failed:" "no round failed"

[ -n "${SHOWLOG:-}" ] && show_log 200
done_testing
