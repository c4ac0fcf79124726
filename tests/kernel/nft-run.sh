#!/bin/sh
# Run tests/kernel/nft.sh ($1, TAP) as root; it makes its own network
# namespace for every nftables change. Skips (TAP plan 1..0, exit 77) unless
# root with ip, nft and nsenter, and network namespaces can be made.
set -eu

skip() {
	echo "1..0 # SKIP $*"
	exit 77
}

[ "$(id -u)" = 0 ] || skip "not root"
for tool in ip nft nsenter bash; do
	command -v "$tool" >/dev/null || skip "$tool is not installed"
done
unshare -n true 2>/dev/null || skip "cannot make a network namespace"
exec bash "$@"
