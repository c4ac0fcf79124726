# The policy lab (lab.sh), plus a server known by a host name, for the
# daemon-endpoint and daemon-stale scenarios: one WireGuard server (one key,
# tunnel address 10.6.0.1, port 51900) in two places, NA in vpn0 (192.0.2.2)
# and NB in vpn1 (192.0.2.18), and the daemon run on the gateway in a mount
# namespace of its own whose /etc files (hosts, resolv.conf, nsswitch.conf)
# are the test's. Sourced after lab.sh; named_start starts it all.
# shellcheck shell=bash

N=$(ifname n) NA=$(ifname x) NB=$(ifname y)
LOG=$TMP/daemon.log

show_log() { sed 's/^/#   /' "$LOG" | tail -n "${1:-40}"; }
status_json() { nsx "$GW" "$W" status --json; }
endpoint_of() { nsx "$GW" wg show "$1" endpoints | awk '{ print $2 }'; }
daemon_alive() { kill -0 "$DAEMON" 2>/dev/null; }

# named_server NS DEV: the server, its key and address the same in both places.
named_server() {
	nsx "$1" wireguard-go "$2" >/dev/null 2>&1 || return 1
	# shellcheck disable=SC2154 # keypair sets *_priv and *_pub
	printf '%s\n' "$srvn_priv" >"$TMP/$2.key"
	# shellcheck disable=SC2154
	nsx "$1" wg set "$2" private-key "$TMP/$2.key" listen-port 51900 \
		peer "$gwn_pub" allowed-ips 10.6.0.2/32 &&
		nsx "$1" ip addr add 10.6.0.1/24 dev "$2" && nsx "$1" ip link set "$2" up
}

# named_start: the lab and both servers, or a TAP bail-out.
named_start() {
	lab_require unshare
	lab_start
	keypair srvn && keypair gwn &&
		named_server "$VPN0" "$NA" && named_server "$VPN1" "$NB" ||
		{ echo "Bail out! the named servers did not start"; exit 1; }
}

# named_tunnel IF PRIVKEY ENDPOINT ADDRESS PEER_ADDR [LINE]: a gateway's tunnel to the server.
named_tunnel() {
	# shellcheck disable=SC2154
	printf '[Interface]\nPrivateKey = %s\nAddress = %s\n[Peer]\nPublicKey = %s\nEndpoint = %s\nAllowedIPs = %s\n%s\n' \
		"$2" "$4" "$srvn_pub" "$3" "$5" "${6:-}" >"$CONF/$1.conf"
	chmod 600 "$CONF/$1.conf"
}

# wg_pid NS DEV: the wireguard-go serving DEV in NS.
wg_pid() {
	local pid
	for pid in $(ip netns pids "$1"); do
		tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "^wireguard-go $2 " &&
			{ echo "$pid"; return 0; }
	done
	return 1
}

# named_daemon FILE...: `wgpolicy daemon -C $CONF` on the gateway, where each /etc/FILE is
# $TMP/FILE, bound: write those in place, never replace them (the mount holds the inode).
named_daemon() {
	note "[gw] unshare -m: $(printf '/etc/%s ' "$@")bound; wgpolicy daemon -C \$CONF"
	ip netns exec "$GW" unshare -m sh -c '
		dir=$1 w=$2 conf=$3
		shift 3
		for f; do mount --bind "$dir/$f" "/etc/$f" || exit 1; done
		exec "$w" daemon -C "$conf"' sh "$TMP" "$W" "$CONF" "$@" >"$LOG" 2>&1 &
	DAEMON=$!
	PIDS+=("$DAEMON")
	if ! wait_for 20 grep -q "running:" "$LOG"; then
		echo "Bail out! the daemon did not start"
		show_log
		exit 1
	fi
}
