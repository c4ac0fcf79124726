# The daemon in a scenario: started in a namespace in the background, its
# log, status and metrics read back, faults put on a tunnel's server. Sourced
# after lab.sh (for its helpers; the lab itself is the scenario's choice).
# shellcheck shell=bash

LOG=$TMP/daemon.log
DAEMON_NS=
DAEMON=
# Held to what systemd/wgpolicy.service leaves it: CAP_NET_ADMIN, CAP_NET_RAW, no new privileges.
HELD=()
command -v setpriv >/dev/null &&
	HELD=(setpriv --bounding-set=-all,+net_admin,+net_raw --no-new-privs --)

now_ns() { date +%s%N; }
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

# daemon_stop: SIGTERM, and wait (10 s at most) for it to end.
daemon_stop() {
	kill -TERM "$DAEMON"
	wait_for 10 sh -c "! kill -0 $DAEMON"
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
