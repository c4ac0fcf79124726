#!/usr/bin/env bash
# src/wg's userspace backend against real wireguard-go, checked with wg(8).
# Runs inside the network namespace tests/wg/run.sh made for it:
#
#   lo up
#   wgptPID   wireguard-go started by wg_spawn, driven by wg_apply/wg_dump (tests/wg/wgtool)
#             peers A, B, C (+1000) with documentation-range endpoints, never reached
#   wgpuPID   a second one, its program named by WGPOLICY_USERSPACE_IMPLEMENTATION
#
# /var/run/wireguard is shared by all namespaces: names carry our PID. Cleanup
# (trap) deletes our links, kills the wireguard-go processes of this namespace
# started for our names, and removes their sockets.
# keypair sets NAME_priv and NAME_pub (printf -v), which shellcheck cannot see.
# shellcheck disable=SC2154
set -u
# shellcheck source=tests/tap.sh
. "$(dirname "$0")/../tap.sh"

T=${WGTOOL:?WGTOOL must name tests/wg/wgtool}
IF=wgpt$$
IF2=wgpu$$
TMP=$(mktemp -d /tmp/wgpt.XXXXXX)
PIDS=()

cleanup() {
	local i p
	for i in "$IF" "$IF2"; do ip link del "$i" 2>/dev/null; done
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	rm -f "/var/run/wireguard/$IF.sock" "/var/run/wireguard/$IF2.sock"
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# The wireguard-go processes serving $1 in this network namespace (it daemonizes: no $!).
ours() {
	local me d
	me=$(readlink /proc/self/ns/net)
	for d in /proc/[0-9]*; do
		[ "$(readlink "$d/ns/net" 2>/dev/null)" = "$me" ] || continue
		case "$(tr '\0' ' ' <"$d/cmdline" 2>/dev/null)" in
		*wireguard-go" $1 ") echo "${d#/proc/}" ;;
		esac
	done
}

# A dump (wg show IF dump, or wgtool's) as sorted lines: "dev", "peer" and "ip";
# the device's keys and the live counters aside.
view() {
	awk -F'\t' 'NR == 1 { print "dev", ($1 == "(none)" ? "(none)" : "(hidden)"), $3, $4; next }
		{ print "peer", $1, $2, $3, $8; n = split($4, a, ","); for (i = 1; i <= n; i++) print "ip", $1, a[i] }' "$1" |
		LC_ALL=C sort
}

# contains TEXT LINE DESC: LINE is one of TEXT's lines, literally.
contains() {
	if grep -qxF -- "$2" <<<"$1"; then _tap_result ok "$3"; else _tap_result fail "$3" "no line '$2'"; fi
}

# How wireguard-go names a peer in its log: the first and last four characters of its key.
short() { printf '%s…%s' "${1:0:4}" "${1:39:4}"; }

# The log lines of the UAPI since line $1 of the log.
uapi_log_since() { tail -n +"$(($1 + 1))" "$TMP/wg.log" | grep 'UAPI:' || true; }

snapshot() { # snapshot N: our dump and wg's, as views
	wg show "$IF" dump >"$TMP/wg$1" && "$T" dump "$IF" >"$TMP/our$1"
	view "$TMP/wg$1" >"$TMP/wgv$1"
	view "$TMP/our$1" >"$TMP/ourv$1"
}

keypair() {
	local priv
	priv=$(wg genkey)
	printf -v "${1}_priv" '%s' "$priv"
	printf -v "${1}_pub" '%s' "$(printf '%s' "$priv" | wg pubkey)"
}

say ip link set lo up
keypair dev
keypair A
keypair B
keypair C
psk=$(wg genpsk)

# --- spawn -------------------------------------------------------------------------------
# LOG_LEVEL makes wireguard-go keep logging to its inherited stderr: wg.log shows every
# peer the UAPI was told about.
LOG_LEVEL=debug say "$T" spawn "$IF" 2>>"$TMP/wg.log"
is "$?" 0 "wg_spawn starts wireguard-go and returns once its socket answers"
mapfile -t -O "${#PIDS[@]}" PIDS < <(ours "$IF")
is "${#PIDS[@]}" 1 "one wireguard-go serves $IF"
ok "its tun link is in this namespace" ip link show dev "$IF" >/dev/null
ok "wg_uapi_present sees it" "$T" present "$IF"
run "$T" spawn "$IF"
is "$status" 1 "a second spawn for the same name fails"
like "$stderr" "already answers" "and says the socket already answers"

# --- device and three peers in one wg_apply ----------------------------------------------
cat >"$TMP/spec1" <<EOF
dev $dev_priv 51820 0x1234
add $A_pub $psk 192.0.2.1:51820 25 10.1.0.0/16,fd01::/64
add $B_pub - [2001:db8::2]:51821 0 10.2.0.1/32
add $C_pub - - 0 10.3.0.0/24,10.3.1.0/24
EOF
run "$T" set "$IF" <"$TMP/spec1"
is "$status" 0 "device and three peers set in one call"
is "$(wg show "$IF" public-key)" "$dev_pub" "the private key arrived (its public key matches)"
is "$(wg show "$IF" listen-port)" 51820 "listen port"
is "$(wg show "$IF" fwmark)" 0x1234 "fwmark"
snapshot 1
ok "wg_dump reads what wg shows" cmp -s "$TMP/ourv1" "$TMP/wgv1"
v1=$(cat "$TMP/wgv1")
contains "$v1" "dev (hidden) 51820 0x1234" "device as set"
contains "$v1" "peer $A_pub $psk 192.0.2.1:51820 25" "peer A as set"
contains "$v1" "peer $B_pub (none) [2001:db8::2]:51821 off" "peer B as set"
contains "$v1" "peer $C_pub (none) (none) off" "peer C as set"
is "$(grep -c "^ip $A_pub " "$TMP/wgv1") $(grep -c "^ip $C_pub " "$TMP/wgv1")" "2 2" \
	"allowed IPs as set"
lacks "$(cat "$TMP/our1")" "$dev_priv" "wgtool's dump never prints the private key"
lacks "$(cat "$TMP/wg.log")" "$dev_priv" "nor does anything reach the daemon's log"

# --- change one peer: the others untouched --------------------------------------------------
# B roams (as if it had sent from elsewhere): re-sending B would undo this.
say wg set "$IF" peer "$B_pub" endpoint 198.51.100.7:4000
mark=$(wc -l <"$TMP/wg.log")
echo "change $A_pub $psk 192.0.2.99:51820 10 10.1.0.0/16,10.9.0.0/16" >"$TMP/spec2"
run "$T" set "$IF" <"$TMP/spec2"
is "$status" 0 "one peer changed"
snapshot 2
ok "wg_dump still reads what wg shows" cmp -s "$TMP/ourv2" "$TMP/wgv2"
v2=$(cat "$TMP/wgv2")
contains "$v2" "peer $A_pub $psk 192.0.2.99:51820 10" "A: new endpoint and keepalive"
contains "$v2" "ip $A_pub 10.9.0.0/16" "A: the new allowed IP"
lacks "$v2" "ip $A_pub fd01::/64" "A: the dropped allowed IP is gone"
contains "$v2" "peer $B_pub (none) 198.51.100.7:4000 off" "B keeps its roamed endpoint"
is "$(grep -v "$A_pub" "$TMP/wgv2" | grep -v 198.51.100.7)" \
	"$(grep -v "$A_pub" "$TMP/wgv1" | grep -v '2001:db8::2')" "B and C otherwise as before"
log=$(uapi_log_since "$mark")
has "$log" "peer($(short "$A_pub"))" "the daemon was told about A"
lacks "$log" "$(short "$B_pub")" "and never about B"
lacks "$log" "$(short "$C_pub")" "nor about C"

# --- remove one ---------------------------------------------------------------------------
mark=$(wc -l <"$TMP/wg.log")
echo "del $C_pub" | run "$T" set "$IF"
is "$status" 0 "one peer removed"
snapshot 3
ok "wg_dump reads what wg shows" cmp -s "$TMP/ourv3" "$TMP/wgv3"
is "$(wg show "$IF" peers | LC_ALL=C sort)" "$(printf '%s\n' "$A_pub" "$B_pub" | LC_ALL=C sort)" \
	"C is gone, A and B remain"
is "$(grep -v "$C_pub" "$TMP/wgv2")" "$(cat "$TMP/wgv3")" "A and B exactly as before"
log=$(uapi_log_since "$mark")
has "$log" "peer($(short "$C_pub"))" "the daemon was told about C"
lacks "$log" "$(short "$A_pub")" "and never about A"
lacks "$log" "$(short "$B_pub")" "nor about B"

# --- 1000 peers in one go -------------------------------------------------------------------
start=$(date +%s%N)
echo "gen 1000" | run "$T" set "$IF"
end=$(date +%s%N)
is "$status" 0 "1000 peers added in one wg_apply"
echo "# took $(((end - start) / 1000000)) ms"
is "$(wg show "$IF" peers | wc -l)" 1002 "wg shows 1002 peers"
start=$(date +%s%N)
snapshot 4
end=$(date +%s%N)
echo "# both dumps took $(((end - start) / 1000000)) ms"
ok "wg_dump of 1002 peers reads what wg shows" cmp -s "$TMP/ourv4" "$TMP/wgv4"
is "$(grep -c '^ip ' "$TMP/ourv4")" 1003 "with every allowed IP (A 2, B 1, 1000 new ones 1 each)"

# --- the program from the environment ------------------------------------------------------
WGPOLICY_USERSPACE_IMPLEMENTATION=$(command -v wireguard-go) say "$T" spawn "$IF2" 2>>"$TMP/wg.log"
is "$?" 0 "WGPOLICY_USERSPACE_IMPLEMENTATION names the program"
mapfile -t -O "${#PIDS[@]}" PIDS < <(ours "$IF2")
ok "its link exists" ip link show dev "$IF2" >/dev/null
WGPOLICY_USERSPACE_IMPLEMENTATION=/nonexistent/wg-impl run "$T" spawn "wgpx$$"
is "$status" 1 "a missing program fails"
like "$stderr" "/nonexistent/wg-impl: not found" "and says so"

# --- the link goes, so does the daemon ------------------------------------------------------
say ip link del "$IF"
wait_gone() {
	local i
	for i in $(seq 50); do
		"$T" present "$IF" || return 0
		sleep 0.1
	done
	return 1
}
ok "deleting the link ends wireguard-go: the socket no longer answers" wait_gone

done_testing
