#!/usr/bin/env bash
# The daemon over a compressed "hour", in the policy lab (lab.sh), under
# valgrind --leak-check=full: FAULTS faults (tunnel A's UDP dropped in vpn0
# until office fails over to B, then let through until it fails back), with
# an owned rule, route and the nft table deleted behind its back and a
# reload every 10 faults; then SIGTERM and valgrind's leak summary: no error,
# no definite or indirect leak. bench/valgrind.supp hides libnftables'
# uninitialised netlink padding. In `make check` with FAULTS=10 (a minute);
# bench/daemon-soak runs it with 100 and SOAK_NATIVE=1, which first runs the
# daemon natively: idle for 10 s (CPU from /proc/PID/schedstat, RSS from
# /proc/PID/status), then through the faults, for its figures.
# Root only; everything inside the lab's namespaces. Prints TAP.
set -u
FAULTS=${FAULTS:-10}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lab.sh"
. "$here/daemon-lib.sh"
lab_require valgrind
lab_start
DAEMON_NS=$GW

printf 'Probe = 10.8.0.1\n' >>"$CONF/$A.conf"
printf 'Probe = 10.9.0.1\n' >>"$CONF/$B.conf"
printf '[Global]\nMetrics = %s/wgpolicy.prom\n' "$TMP" >"$CONF/global.conf"
office() {
	printf '[Policy office]\nFrom = 10.0.1.0/24\nVia = %s, %s\n' "$A" "$B"
	printf 'Check = probe 10.8.0.1 interval 100ms timeout 100ms down 3 up 3\n'
	[ $# -eq 0 ] || printf '%s\n' "$@"
}
# Idle with the default Check (200 ms, down 3, up 5): the settings the targets are for.
office | grep -v '^Check' >"$CONF/policy.conf"

# faults PID N: N faults and repairs, each waited for; every 10th also deletes an
# owned rule, route and the nft table and reloads (Conntrack flipped). Sets
# DONE and RSS_10 (RSS of PID after the first 10).
faults() {
	local pid=$1 i
	DONE=0 RSS_10=""
	for i in $(seq 1 "$2"); do
		fault "$VPN0"
		wait_for 20 is_active "$B" || return 1
		repair "$VPN0"
		wait_for 20 is_active "$A" || return 1
		DONE=$i
		[ $((i % 10)) -eq 0 ] || continue
		nsx "$GW" ip rule del pref 10001
		nsx "$GW" ip route del default dev "$A" table 52000
		nsx "$GW" nft delete table inet wgpolicy
		if [ $((i % 20)) -eq 0 ]; then
			office >"$CONF/policy.conf"
		else
			office "Conntrack = keep" >"$CONF/policy.conf"
		fi
		nsx "$GW" "$W" reload >/dev/null
		wait_for 20 sh -c "ip netns exec $GW ip rule show pref 10001 | grep -q ." || return 1
		[ -n "$RSS_10" ] || RSS_10=$(rss_kb "$pid")
	done
}

if [ "${SOAK_NATIVE:-0}" = 1 ]; then
# ---- natively: idle, then the faults ---------------------------------------
	ip netns exec "$GW" "$W" daemon -C "$CONF" >"$TMP/native.log" 2>&1 &
	pid=$!
	PIDS+=("$pid")
	ok "the daemon runs natively" wait_for 20 is_active "$A"
	sleep 1
	t0=$(cpu_ns "$pid") s0=$(date +%s%N)
	sleep 10
	t1=$(cpu_ns "$pid") s1=$(date +%s%N)
	cpu=$(awk -v t=$((t1 - t0)) -v ns=$((s1 - s0)) 'BEGIN { printf "%.3f", 100 * t / ns }')
	rss=$(rss_kb "$pid")
	note "idle for 10 s, probing 2 targets every 200 ms: CPU $cpu% ($(((t1 - t0) / 1000)) µs), RSS $rss KiB"
	ok "idle CPU under 0.1% ($cpu%)" awk -v c="$cpu" 'BEGIN { exit !(c < 0.1) }'
	ok "RSS under 8 MiB ($rss KiB)" test "$rss" -lt 8192
	office >"$CONF/policy.conf" # 100 ms probes from here on
	nsx "$GW" "$W" reload >/dev/null
	start=$SECONDS
	faults "$pid" "$FAULTS"
	is "$DONE" "$FAULTS" "natively: $FAULTS faults, each failed over and back ($((SECONDS - start)) s)"
	end=$(rss_kb "$pid")
	note "native RSS: $rss KiB idle, ${RSS_10:-?} KiB after 10 faults, $end KiB after $DONE"
	if [ -n "$RSS_10" ]; then
		ok "memory stable: RSS after $DONE faults within 512 KiB of RSS after 10, under 8 MiB" \
			test "$((end - RSS_10))" -lt 512 -a "$end" -lt 8192
	else
		skip "memory stable after 10 faults" "only $DONE faults"
	fi
	daemon_stop "$pid"
	
fi

# ---- under valgrind ------------------------------------------------------------
office | grep -v '^Check' >"$CONF/policy.conf"
ip netns exec "$GW" valgrind --suppressions="$here/../../bench/valgrind.supp" --leak-check=full \
	--show-leak-kinds=definite,indirect,possible --errors-for-leak-kinds=definite,indirect \
	--error-exitcode=99 --log-file="$TMP/valgrind.log" \
	"$W" daemon -C "$CONF" >"$TMP/daemon.log" 2>&1 &
vg=$!
PIDS+=("$vg")
ok "the daemon runs under valgrind" wait_for 60 is_active "$A"
office >"$CONF/policy.conf"
nsx "$GW" "$W" reload >/dev/null
rss_start=$(rss_kb "$vg")
start=$SECONDS
faults "$vg" "$FAULTS"
is "$DONE" "$FAULTS" "under valgrind: $FAULTS faults, each failed over and back ($((SECONDS - start)) s)"
failovers=$(nsx "$GW" "$W" status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["daemon"]["policies"][0]["failovers"])')
note "status: $failovers failovers and failbacks"
# valgrind's own allocator keeps what it frees: informative only.
note "RSS under valgrind: $rss_start KiB at start, ${RSS_10:-?} KiB after 10 faults, $(rss_kb "$vg") KiB after $DONE"
daemon_stop "$vg"
wait "$vg"
rc=$?
is "$rc" 0 "valgrind: no error, no definite or indirect leak (exit $rc)"
sed -n '/HEAP SUMMARY/,$p' "$TMP/valgrind.log" | sed 's/^==[0-9]*== */#   /' | grep -v '^#   $'
if [ "$rc" -ne 0 ]; then
	grep -B2 -A25 'definitely lost in\|indirectly lost in\|Invalid\|uninitialised' "$TMP/valgrind.log" |
		head -120 | sed 's/^/# /'
fi
done_testing
