# Shared by the integration scenarios (TAP): network namespaces, veth pairs,
# WireGuard keys, and cleanup by trap, also on failure. Every change happens
# inside namespaces made here; nothing touches the machine's own namespace.
# shellcheck shell=bash
. "$(dirname "${BASH_SOURCE[0]}")/../tap.sh"

W=${WGPOLICY:?WGPOLICY must name the wgpolicy binary}
ID=${ID:-$$}
PIDS=()
TMP=$(mktemp -d "/tmp/wgp-it-$ID.XXXXXX")

# require_root [TOOL...]: root, ip, wg, wireguard-go and the TOOLs, or a TAP skip of it all.
require_root() {
	local tool
	if [ "$(id -u)" -ne 0 ]; then
		echo "1..0 # SKIP needs root for network namespaces"
		exit 0
	fi
	for tool in ip wg wireguard-go "$@"; do
		command -v "$tool" >/dev/null || { echo "1..0 # SKIP $tool is not installed"; exit 0; }
	done
}

cleanup() {
	local ns pid
	for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
	# netns runs in $(...) subshells, so find ours by name rather than by a list.
	for ns in $(ip netns list | awk -v p="wgp$ID-" 'index($1, p) == 1 {print $1}'); do
		# Userspace WireGuard ends when its tun device goes with the namespace.
		ip netns pids "$ns" 2>/dev/null | while read -r pid; do kill "$pid" 2>/dev/null; done
		ip netns del "$ns" 2>/dev/null
	done
	rm -rf "$TMP"
}
trap cleanup EXIT

# netns NAME: a fresh namespace with lo up and the checks that would bite us off.
netns() {
	local ns="wgp$ID-$1"
	ip netns add "$ns" || return 1
	ip -n "$ns" link set lo up
	# New namespaces inherit rp_filter from the host; strict would drop policy-routed replies.
	ip netns exec "$ns" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
	echo "$ns"
}

# nsx NS CMD...: run a command inside a namespace.
nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# resolvconf_standin: resolvconf would rewrite this machine's /etc/resolv.conf: a
# stand-in, first in PATH, keeps each interface's entry in $TMP/resolv/NAME and lists
# it back (wg-quick's save reads it with -l).
resolvconf_standin() {
	mkdir -p "$TMP/bin" "$TMP/resolv"
	cat >"$TMP/bin/resolvconf" <<SH
#!/bin/sh
case "\$1" in
-a) cat > "$TMP/resolv/\$2" ;;
-d) rm -f "$TMP/resolv/\$2" ;;
-l) cat "$TMP/resolv/\$2" 2>/dev/null ;;
esac
SH
	chmod +x "$TMP/bin/resolvconf"
	export PATH="$TMP/bin:$PATH"
}

# veth NS1 IF1 NS2 IF2: a cable between two namespaces.
veth() {
	ip link add "$2" netns "$1" type veth peer name "$4" netns "$3" &&
		ip -n "$1" link set "$2" up && ip -n "$3" link set "$4" up
}

keypair() { # keypair VAR: sets VAR_priv and VAR_pub
	local priv
	priv=$(wg genkey)
	printf -v "${1}_priv" '%s' "$priv"
	printf -v "${1}_pub" '%s' "$(printf '%s' "$priv" | wg pubkey)"
}

# wait_for TIMEOUT_S CMD...: poll every 100 ms, bounded.
wait_for() {
	local deadline=$((SECONDS + $1)); shift
	until "$@" >/dev/null 2>&1; do
		[ $SECONDS -ge $deadline ] && return 1
		sleep 0.1
	done
}

# conf_files BODY FILE...: wg-quick files, [Interface] with PrivateKey $me_priv then BODY, mode 0600.
conf_files() {
	local body=$1 f
	shift
	for f; do
		printf '[Interface]\nPrivateKey = %s\n%s\n' "$me_priv" "$body" > "$f"
		chmod 600 "$f"
	done
}

# quick_up DESC NS FILE: wg-quick up FILE in NS, on wireguard-go, as a check.
quick_up() {
	run nsx "$2" env WG_QUICK_USERSPACE_IMPLEMENTATION=wireguard-go wg-quick up "$3"
	is "$status" 0 "$1: wg-quick up"
}

# A unique interface name per test run: /var/run/wireguard is shared by all namespaces.
ifname() { printf 'w%s%s' "$1" "$(printf '%x' "$ID" | tail -c 8)"; }

# Normalised kernel state of a namespace, for comparing wgpolicy with wg-quick:
# protocol tags, kernel-made routes and interface names aside.
snapshot() {
	local ns=$1 ifc=$2
	{
		echo "## rules"
		for f in -4 -6; do nsx "$ns" ip $f rule show | sed -E 's/ proto [a-z0-9]+//'; done
		echo "## routes"
		for f in -4 -6; do
			nsx "$ns" ip $f route show table all | grep -v -E ' proto kernel|^local |^multicast |^anycast |fe80::/64|ff00::/8' |
				sed -E 's/ proto [a-z0-9]+//; s/ pref medium//' | sort
		done
		# Which address of a subnet is its primary (the source of its packets) too.
		echo "## addresses"
		nsx "$ns" ip -o addr show dev "$ifc" | awk '{print $3, $4, / secondary / ? "secondary" : ""}' |
			grep -v fe80 | sort
		echo "## link"
		nsx "$ns" ip -o link show dev "$ifc" | grep -o 'mtu [0-9]*'
		echo "## wg"
		# One line per peer block, blocks sorted: peer order is not configuration.
		nsx "$ns" wg showconf "$ifc" | grep -v -E '^(ListenPort|PrivateKey)|^$' |
			awk '/^\[/ { if (b) print b; b = $0; next } { b = b " | " $0 } END { print b }' | sort
	} | sed "s/$ifc/IFACE/g"
}
