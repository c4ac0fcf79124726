#!/usr/bin/env bash
# The daemon and other nftables tables' mark bits: the ruleset is listed
# again only when nftables' generation changed, and a table taking
# wgpolicy's mark bits, loaded while the daemon runs, is still refused.
#
#   [gw: wgpolicy daemon; policy office: From 10.0.1.0/24, Via = A (wireguard-go)]
#        table ip foreign: 10,000 rules (no mark), loaded before the daemon
#
# Rounds without an nftables transaction (a foreign ip rule added and
# deleted: rtnetlink) reuse the last listing: the daemon's counters
# (status and metrics) say how many listings and reuses. Then a foreign
# table setting whole marks (`meta mark set 0x1`, all 32 bits, ours too)
# comes in: the round its transaction wakes lists the ruleset again and
# refuses it as `apply` does, naming the table and chain, changing nothing;
# once it is gone the configuration compiles again.
set -u
. "$(dirname "$0")/lab.sh"
. "$(dirname "$0")/daemon-lib.sh"
require_root nft python3

GW=$(netns gw)
A=$(ifname a)
keypair me
keypair srv
CONF=$TMP/c
mkdir -p "$CONF" "$TMP/metrics"
# shellcheck disable=SC2154 # lib.sh's keypair sets *_priv and *_pub
printf '[Interface]\nPrivateKey = %s\nAddress = 10.66.0.2/24\nTable = off\n[Peer]\nPublicKey = %s\nEndpoint = 192.0.2.1:51820\nAllowedIPs = 0.0.0.0/0\n' \
	"$me_priv" "$srv_pub" >"$CONF/$A.conf"
chmod 600 "$CONF/$A.conf"
printf '[Policy office]\nFrom = 10.0.1.0/24\nVia = %s\n' "$A" >"$CONF/policy.conf"
METRICS=$TMP/metrics/wgpolicy.prom
printf '[Global]\nMetrics = %s\n' "$METRICS" >"$CONF/global.conf"

RULES=10000
python3 - "$RULES" >"$TMP/foreign.nft" <<'PY'
import sys
print("table ip foreign {\n\tchain c {\n\t\ttype filter hook forward priority 0; policy accept;")
for i in range(int(sys.argv[1])):
    print(f"\t\tip saddr 10.{i // 250 % 250}.{i % 250}.1 tcp dport {1024 + i % 60000} counter accept")
print("\t}\n}")
PY
pp "$GW" nft -f "$TMP/foreign.nft"
is "$(nsx "$GW" nft list chain ip foreign c | grep -c 'counter packets')" "$RULES" \
	"the foreign table holds $RULES rules"

daemon_start "$GW" "$CONF"
unlike "$(cat "$LOG")" "error|failed:" "the first round applied the configuration"
ok "wgpolicy's table is there" nsx "$GW" nft list table inet wgpolicy

field() { daemon_field "$1"; }
rounds_above() { [ "$(field rounds)" -gt "$1" ]; }
# round: a foreign ip rule added or deleted (rtnetlink, no nftables transaction), its round waited for.
toggle=0
round() {
	local r0
	r0=$(field rounds)
	if [ $((toggle ^= 1)) -eq 1 ]; then
		nsx "$GW" ip rule add from 198.51.100.7 table 400 pref 31000
	else
		nsx "$GW" ip rule del pref 31000
	fi
	wait_for 30 rounds_above "$r0"
}

# Our own table's load (the first round) is a transaction too, but ours alone:
# the round it wakes keeps the listing for the generation it made.
round
listings=$(field ruleset_listings)
reuses=$(field ruleset_reuses)
rounds=$(field rounds)
cpu=$(cpu_ns "$DAEMON")
is "$listings" 1 "the ruleset was listed once, by the first round"
for _ in 1 2 3 4 5; do
	round || break
done
cpu=$((($(cpu_ns "$DAEMON") - cpu) / 1000000))
is "$(($(field rounds) - rounds >= 5))" 1 "5 rounds without an nftables transaction ran"
# A listing beside $RULES rules costs the daemon some 400 ms of CPU time here; a round without, <1 ms.
ok "in less than 100 ms of the daemon's CPU time, all 5 ($cpu ms)" [ "$cpu" -lt 100 ]
is "$(field ruleset_listings)" "$listings" "none of them listed the ruleset"
is "$(($(field ruleset_reuses) - reuses >= 5))" 1 "each reused the last listing"
unlike "$(cat "$LOG")" "error|failed:" "nothing refused meanwhile"
wait_for 10 grep -q "^wgpolicy_nft_ruleset_listings_total $listings$" "$METRICS"
is "$(metric "$METRICS" wgpolicy_nft_ruleset_listings_total)" "$listings" "the metrics count the listings"
like "$(metric "$METRICS" wgpolicy_nft_ruleset_reuses_total)" '^[1-9][0-9]*$' "and the reuses"

# ---- a table taking our mark bits, while the daemon runs -----------------------
n=$(log_lines)
before=$(nsx "$GW" nft list table inet wgpolicy)
pp "$GW" nft -f "$(dirname "$0")/../unit/nft/whole-mark.nft" # meta mark set 0x1, chain out
overlap="overlaps mark bits 0xffffffff that nftables table ip other sets \(chain out\)"
ok "the round its transaction wakes refuses it" wait_for 20 sh -c "tail -n +$((n + 1)) '$LOG' | grep -qE '$overlap'"
like "$(log_since "$n")" "error: FirewallMarkMask 0xff000000 $overlap" \
	"the log names the table and chain, as apply does"
like "$(log_since "$n")" "cannot compile the configuration; nothing was changed" "and changes nothing"
is "$(($(field ruleset_listings) > listings))" 1 "the ruleset was listed again"
is "$(nsx "$GW" nft list table inet wgpolicy)" "$before" "wgpolicy's table is as it was"
ok "the daemon runs on" daemon_alive
# Every round while it is there says so again, the listing reused.
n=$(log_lines)
listings=$(field ruleset_listings)
round
like "$(log_since "$n")" "$overlap" "a round without a transaction still refuses it"
is "$(field ruleset_listings)" "$listings" "from the listing kept"

pp "$GW" nft delete table ip other
n=$(log_lines)
round && round
unlike "$(log_since "$n")" "overlaps|error" "once it is gone, the configuration compiles again"
run nsx "$GW" "$W" plan -C "$CONF"
is "$status:$stdout" "0:" "plan: nothing to do"

daemon_stop
ok "the daemon stopped" gone "$DAEMON"
done_testing
