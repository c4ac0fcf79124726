#!/bin/sh
# Run the rtnetlink test program ($1) in a network namespace of its own.
#
#   lo up        wgpk0 ====veth==== wgpk1          wgpk2 ====veth==== wgpk3
#                mtu 1450, up      mtu 1300, up    down              down
#                main: default dev wgpk0; 10.6.0.0/16 dev wgpk0 mtu 1400
#   wgpkgoPID    wireguard-go's tun link, when wireguard-go is installed
#
# Skips (TAP plan 1..0, exit 77) unless root with unshare. The namespace dies
# with this script; wireguard-go is killed by its PID in a trap.
set -eu
test_prog=$1

skip() {
	echo "1..0 # SKIP $*"
	exit 77
}

if [ "${WGPK_NETNS:-}" != inside ]; then
	[ "$(id -u)" = 0 ] || skip "not root"
	command -v unshare >/dev/null || skip "no unshare"
	command -v ip >/dev/null || skip "no ip"
	unshare -n true 2>/dev/null || skip "cannot make a network namespace"
	# The namespace we came from, which the test program refuses to touch.
	WGPK_OUTER_NETNS=$(stat -L -c %d:%i /proc/self/ns/net)
	export WGPK_OUTER_NETNS
	WGPK_NETNS=inside exec unshare -n -- "$0" "$@"
fi

# From here on: inside the new namespace only.
# Under busybox sh (the kernel-WireGuard VM) "ip" is busybox's own applet: WGPK_IP names iproute2.
if [ -n "${WGPK_IP:-}" ]; then
	ip() { "$WGPK_IP" "$@"; }
fi
say() {
	echo "# $*"
	"$@"
}

wggo_pid=
wggo_name=
cleanup() {
	if [ -n "$wggo_pid" ]; then
		kill "$wggo_pid" 2>/dev/null || true
		wait "$wggo_pid" 2>/dev/null || true
		rm -f "/var/run/wireguard/$wggo_name.sock"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

say ip link set lo up
say ip link add wgpk0 mtu 1450 type veth peer name wgpk1 mtu 1300
say ip link set wgpk0 up
say ip link set wgpk1 up
say ip link add wgpk2 type veth peer name wgpk3
say ip route add default dev wgpk0
say ip route add 10.6.0.0/16 dev wgpk0 mtu 1400
# A LAN of another program's link: the kernel makes its prefix route.
say ip address add 10.5.0.1/24 dev wgpk1

# /var/run/wireguard is shared by every namespace: the name must be unique.
if command -v wireguard-go >/dev/null; then
	wggo_name=wgpkgo$$
	WG_PROCESS_FOREGROUND=1 wireguard-go "$wggo_name" >/dev/null 2>&1 &
	wggo_pid=$!
	i=0
	while [ ! -S "/var/run/wireguard/$wggo_name.sock" ] && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
fi
wggo_link=
[ -n "$wggo_name" ] && [ -S "/var/run/wireguard/$wggo_name.sock" ] && wggo_link=$wggo_name

WGPK_NETNS=inside WGPK_WGGO=$wggo_link "$test_prog"
