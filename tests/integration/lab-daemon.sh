# The daemon in the policy lab (lab.sh): faults on a tunnel, packet capture on
# the servers' tunnel devices, and the delays that make a failover time.
# Sourced after lab.sh by the daemon scenarios and by bench/failover.
# shellcheck shell=bash

now_ns() { date +%s%N; }
gone() { ! kill -0 "$1" 2>/dev/null; }
rss_kb() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$1/status"; }
cpu_ns() { awk '{ print $1 }' "/proc/$1/schedstat"; } # time on a CPU, in ns

# fault NS: drop the tunnel's UDP as it reaches the server in NS; repair NS: let it through.
fault() {
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
	nsx "$GW" "$W" status --json |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["daemon"]["policies"][0]["active"])'
}
is_active() { [ "$(active)" = "$1" ]; }

sorted() { printf '%s\n' "$@" | sort -n | tr '\n' ' '; }
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
