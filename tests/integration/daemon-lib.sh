# The daemon in a scenario: started in a namespace in the background, its
# log, status and metrics read back, faults put on a tunnel's server, packet
# capture on the servers' tunnel devices, and the delays that make a failover
# time. Sourced after lab.sh (for its helpers; the lab itself is the
# scenario's choice) by the daemon scenarios and by bench/failover and
# bench/daemon-soak.
# shellcheck shell=bash

LOG=$TMP/daemon.log
DAEMON_NS=
DAEMON=
# Held to what systemd/wgpolicy.service leaves it: CAP_NET_ADMIN, CAP_NET_RAW, no new privileges.
HELD=()
command -v setpriv >/dev/null &&
	HELD=(setpriv --bounding-set=-all,+net_admin,+net_raw --no-new-privs --)

now_ns() { date +%s%N; }
gone() { ! kill -0 "$1" 2>/dev/null; }
rss_kb() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$1/status"; }
cpu_ns() { awk '{ print $1 }' "/proc/$1/schedstat"; } # time on a CPU, in ns
daemon_alive() { kill -0 "$DAEMON" 2>/dev/null; }
status_json() { nsx "$DAEMON_NS" "$W" status --json; }
# Lines of the daemon's log after line $1.
log_since() { tail -n +"$(($1 + 1))" "$LOG"; }
log_lines() { wc -l <"$LOG"; }
show_log() { sed 's/^/#   /' "$LOG" | tail -n "${1:-40}"; }
running() { grep -q "running:" "$LOG"; }

# daemon_start NS CONF [VAR=VALUE...]: `wgpolicy daemon -C CONF` in NS, with
# these variables, logging to $LOG (appended); $DAEMON is its PID, killed by
# the trap. A TAP bail-out when it does not start.
daemon_start() {
	local ns=$1 conf=$2 n=0
	shift 2
	DAEMON_NS=$ns
	[ -f "$LOG" ] && n=$(log_lines)
	note "[${ns#wgp"$ID"-}] ${*:+$* }wgpolicy daemon -C $conf"
	ip netns exec "$ns" env "$@" "${HELD[@]}" "$W" daemon -C "$conf" >>"$LOG" 2>&1 &
	DAEMON=$!
	PIDS+=("$DAEMON")
	if ! wait_for 20 sh -c "tail -n +$((n + 1)) '$LOG' | grep -q running:"; then
		echo "Bail out! the daemon did not start"
		show_log
		exit 1
	fi
}

# daemon_stop [PID]: SIGTERM to the daemon (or PID), and wait (60 s at most: valgrind) for it to end.
daemon_stop() {
	local pid=${1:-$DAEMON}
	kill -TERM "$pid" 2>/dev/null
	wait_for 60 gone "$pid"
}

# daemon_field NAME: one of the daemon's counters in its status.
daemon_field() {
	status_json | python3 -c 'import json, sys; print(json.load(sys.stdin)["daemon"]["daemon"][sys.argv[1]])' "$1"
}

# metric FILE NAME{LABELS}: its value in a metrics file.
metric() {
	awk -v m="$2" '$1 == m { print $2; found = 1 } END { exit !found }' "$1"
}

fault() { # fault NS: drop the tunnel's UDP as it reaches the server
	nsx "$1" nft -f - <<-NFT
	table inet fault {
		chain in { type filter hook prerouting priority raw; policy accept; udp dport 51820 drop; }
	}
	NFT
}
repair() { nsx "$1" nft delete table inet fault; }

# tcpdump_on NS DEV FILE: lan1's echo requests as they come out of a server's tunnel, timestamped.
tcpdump_on() {
	ip netns exec "$1" tcpdump -l -n -tt -i "$2" "icmp[icmptype] == icmp-echo and src host 10.0.1.2" \
		>"$3" 2>"$3.err" &
	PIDS+=($!)
	wait_for 5 grep -q "listening on" "$3.err"
}

# first_after FILE T_NS: ms from T_NS to the first packet in FILE after it; fails when none.
first_after() {
	awk -v t="$(($2 / 1000000))" '{ ms = int($1 * 1000) } ms >= t { print ms - t; found = 1; exit }
		END { exit !found }' "$1"
}

# waited FILE T_NS VAR: wait (10 s at most) for a packet in FILE after T_NS; its delay in VAR.
waited() {
	local d
	wait_for 10 first_after "$1" "$2" || return 1
	d=$(first_after "$1" "$2") && printf -v "$3" '%s' "$d"
}

# lan1_flow: lan1 pings the internet every 10 ms, bounded (80 s), in the background.
# Not -w: with it, ping ends at the first ICMP error (a kill switch's).
lan1_flow() {
	timeout 90 ip netns exec "$LAN1" ping -q -i 0.01 -c 8000 203.0.113.66 >/dev/null 2>&1 &
	PIDS+=($!)
}

# active: the first policy's active target, as `wgpolicy status` says.
active() {
	status_json | python3 -c 'import json,sys; print(json.load(sys.stdin)["daemon"]["policies"][0]["active"])'
}
is_active() { [ "$(active)" = "$1" ]; }

sorted() { printf '%s\n' "$@" | sort -n | tr '\n' ' '; }
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
