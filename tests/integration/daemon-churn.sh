#!/usr/bin/env bash
# What others do to the daemon's objects, again and again: flaps, and more
# notifications than the daemon can take.
#
#   [gw: wgpolicy daemon; $A (wireguard-go); office: From 10.0.1.0/24, Via = $A]
#        foreign: rule pref 5000 lookup 333; table 333, thousands of routes coming and going
#
# (a) office's rule deleted 8 times in a row, put back each time: the 4th
# deletion within 10 s starts a flap, said once with its rate; its
# re-assertions go unlogged while other objects' do not; 10 s after the last
# one the flap is summed up. Counted in status and the metrics.
# (b) With the default notification buffer, a burst of route changes (a flush)
# is taken without an overrun.
# (c) The daemon again, with a tiny notification buffer
# (WGPOLICY_TEST_NL_RCVBUF): stopped (SIGSTOP) while thousands of foreign
# routes come and go and office's rule is deleted, whose notification is
# lost; continued, it hears of the overrun, resyncs, and the rule is back.
# Then the same with the daemon running. Foreign rules and routes are as
# they were left, every time.
set -u
. "$(dirname "$0")/lab.sh"
. "$(dirname "$0")/daemon-lib.sh"
lab_require

BURST=${BURST:-4000} # foreign routes added, then every other one deleted
GW=$(netns gw) || { echo "Bail out! no namespace"; exit 1; }
A=$(ifname a)
CONF=$TMP/gw
METRICS=$TMP/wgpolicy.prom
mkdir -p "$CONF"
keypair k && keypair peer
# A peer nobody serves: the daemon's objects are what matters here, not packets.
# shellcheck disable=SC2154 # keypair sets *_priv and *_pub
printf '[Interface]\nPrivateKey = %s\nAddress = 10.8.0.2/24\nTable = off\n[Peer]\nPublicKey = %s\nAllowedIPs = 0.0.0.0/0\n' \
	"$k_priv" "$peer_pub" >"$CONF/$A.conf"
chmod 600 "$CONF/$A.conf"
printf '[Policy office]\nFrom = 10.0.1.0/24\nVia = %s\n' "$A" >"$CONF/policy.conf"
printf '[Global]\nMetrics = %s\n' "$METRICS" >"$CONF/global.conf"

pp "$GW" ip rule add from 10.5.0.0/24 lookup 333 pref 5000
daemon_start "$GW" "$CONF"
owned_rule() { nsx "$GW" ip rule show pref 10001 | grep -q "from 10.0.1.0/24 lookup 52000"; }
owned_route() { nsx "$GW" ip route show table 52000 | grep -q "^default dev $A "; }
ok "office's rule is there" owned_rule
ok "office's route is there" owned_route

# ---- (a) a flap ---------------------------------------------------------------
RULE_ADD="[#] ip -4 rule add from 10.0.1.0/24 table 52000 pref 10001 proto 87"
FLAP="rule 'ip -4 rule add from 10.0.1.0/24 table 52000 pref 10001 proto 87'"
n=$(log_lines)
back=0
t=$(now_ns)
for _ in 1 2 3 4 5 6 7 8; do
	nsx "$GW" ip rule del pref 10001
	wait_for 5 owned_rule && back=$((back + 1))
done
last=$(now_ns)
note "8 deletions and re-assertions in $(((last - t) / 1000000)) ms"
is "$back" 8 "office's rule deleted 8 times: put back every time"
is "$(log_since "$n" | grep -cF -- "$RULE_ADD")" 3 "the first 3 re-assertions are logged, the rest not"
is "$(log_since "$n" | grep -cF -- "$FLAP flapping")" 1 "the flap is said once"
like "$(log_since "$n")" "$FLAP flapping: 4 changes in [0-9.]+ s \([0-9.]+/s\)" \
	"with its count, time and rate"
note "$(log_since "$n" | grep -F flapping)"
m=$(log_lines)
nsx "$GW" ip route del default dev "$A" table 52000
ok "office's route deleted meanwhile: put back" wait_for 5 owned_route
has "$(log_since "$m")" "[#] ip -4 route add 0.0.0.0/0 dev $A table 52000" \
	"and logged: another object, not flapping"
is "$(daemon_field flapping) $(daemon_field flaps)" "1 1" "status: 1 object flapping, 1 flap"
has "$(nsx "$GW" "$W" status -C "$CONF")" "1 object flapping" "status, as text, says so too"
ok "metrics: flaps_total 1, flapping_objects 1" \
	wait_for 6 sh -c "grep -qx 'wgpolicy_flaps_total 1' '$METRICS' && grep -qx 'wgpolicy_flapping_objects 1' '$METRICS'"
ok "10 s after the last change the flap is summed up (15 s at most)" \
	wait_for 15 sh -c "tail -n +$((n + 1)) '$LOG' | grep -qF -- \"$FLAP calmed down\""
note "summed up $((($(now_ns) - last) / 1000000)) ms after the last change was put back (polled)"
like "$(log_since "$n")" "$FLAP calmed down: 8 changes in [0-9.]+ s \([0-9.]+/s\)" \
	"the summary counts all 8 changes"
is "$(daemon_field flapping) $(daemon_field flaps)" "0 1" "status: nothing flapping now, 1 flap"
n=$(log_lines)
nsx "$GW" ip rule del pref 10001
ok "deleted once more, after the calm: put back" wait_for 5 owned_rule
has "$(log_since "$n")" "$RULE_ADD" "and logged again"

# ---- foreign churn -------------------------------------------------------------
# adds/dels: $BURST blackhole routes in table 333, then every odd one deleted.
route_of() { printf 'blackhole 10.%d.%d.%d/32 table 333\n' $((200 + $1 / 65536)) $(($1 / 256 % 256)) $(($1 % 256)); }
for ((i = 0; i < BURST; i++)); do printf 'route add %s\n' "$(route_of $i)"; done >"$TMP/adds"
for ((i = 1; i < BURST; i += 2)); do printf 'route del %s\n' "$(route_of $i)"; done >"$TMP/dels"
# As ip shows them: a host route without its /32.
for ((i = 0; i < BURST; i += 2)); do route_of $i | sed 's|/32 table 333||'; done | sort >"$TMP/kept"
table_333() { nsx "$GW" ip route show table 333 | sed 's/ *$//' | sort; }
foreign_rule() { nsx "$GW" ip rule show pref 5000; }
rule_before=$(foreign_rule)
# churn NAME: the burst, then table 333 emptied again for the next.
churn_check() {
	local name=$1
	is "$(table_333 | diff - "$TMP/kept" | head -5)" "" "$name: table 333 holds exactly the $((BURST / 2)) routes left"
	is "$(foreign_rule)" "$rule_before" "$name: the foreign rule is untouched"
	nsx "$GW" ip route flush table 333
}
overruns() { daemon_field overruns; }

# ---- (b) the default buffer takes a flush ---------------------------------------
o=$(overruns)
t=$(now_ns)
nsx "$GW" ip -batch "$TMP/adds" && nsx "$GW" ip -batch "$TMP/dels"
note "$BURST routes added and $((BURST / 2)) deleted in $((($(now_ns) - t) / 1000000)) ms"
sleep 0.5 # for the daemon to read what is left
is "$(overruns)" "$o" "default buffer: $((BURST * 3 / 2)) notifications and no overrun"
churn_check "default buffer"

# ---- (c) overruns -----------------------------------------------------------------
daemon_stop
daemon_start "$GW" "$CONF" WGPOLICY_TEST_NL_RCVBUF=4096
n=$(log_lines)
pp "$GW" kill -STOP "$DAEMON"
nsx "$GW" ip -batch "$TMP/adds"
pp "$GW" ip rule del pref 10001
nsx "$GW" ip -batch "$TMP/dels"
t=$(now_ns)
pp "$GW" kill -CONT "$DAEMON"
ok "tiny buffer, daemon stopped through a burst and office's rule deleted: the rule is back" \
	wait_for 5 owned_rule
note "back $((($(now_ns) - t) / 1000000)) ms after SIGCONT"
has "$(log_since "$n")" "kernel notifications overran: resyncing everything" "the log says it overran and resyncs"
has "$(log_since "$n")" "$RULE_ADD" "the log shows the rule put back"
ok "status counts the overrun" test "$(overruns)" -ge 1
ok "so do the metrics" wait_for 6 sh -c "awk '\$1 == \"wgpolicy_netlink_overruns_total\" && \$2 >= 1 { f = 1 } END { exit !f }' '$METRICS'"
churn_check "stopped daemon"

o=$(overruns)
n=$(log_lines)
nsx "$GW" ip -batch "$TMP/adds" &
batch=$!
sleep 0.05
pp "$GW" ip rule del pref 10001
wait "$batch"
nsx "$GW" ip -batch "$TMP/dels"
ok "tiny buffer, daemon running through a burst, office's rule deleted in it: back" wait_for 5 owned_rule
ok "overran again ($(($(overruns) - o)) more), resynced" test "$(overruns)" -gt "$o"
churn_check "running daemon"
run nsx "$GW" "$W" plan -C "$CONF"
is "$status $stdout" "0 " "plan: nothing left to do"
ok "the daemon still runs" daemon_alive

done_testing
