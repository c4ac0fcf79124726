#!/bin/sh
# Run a wg integration script ($1, TAP) as root in a network namespace of its
# own (unshare -n): every link it makes dies with the namespace. Skips (TAP
# plan 1..0, exit 77) unless root with unshare, ip, wg and wireguard-go.
set -eu

skip() {
	echo "1..0 # SKIP $*"
	exit 77
}

[ "$(id -u)" = 0 ] || skip "not root"
for tool in unshare ip wg wireguard-go; do
	command -v "$tool" >/dev/null || skip "$tool is not installed"
done
unshare -n true 2>/dev/null || skip "cannot make a network namespace"
exec unshare -n -- bash "$@"
