#!/usr/bin/env bash
# A link deleted behind wgpolicy's back takes its per-interface sysctls with
# it, but the originals wgpolicy saved of them stay in /run/wgpolicy. The
# next apply makes the link anew, with the kernel's defaults: those originals
# are nothing to restore, and must not stand in the way (apply failed its
# own check, "the kernel does not show what was asked", every time).
#
#   [gw: A (wireguard-go), policy g: Group = 1001 via A (marked: rp_filter 2, src_valid_mark 1)]
set -u
. "$(dirname "$0")/lib.sh"
require_root

gw=$(netns gw)
A=$(ifname a)
keypair me
keypair srv
# Debian's default, which a new link takes: strict.
nsx "$gw" sysctl -qw net.ipv4.conf.all.rp_filter=1 net.ipv4.conf.default.rp_filter=1
mkdir -p "$TMP/c"
# shellcheck disable=SC2154 # keypair sets *_priv and *_pub
printf '[Interface]\nPrivateKey = %s\nAddress = 10.66.0.2/24, fd66::2/64\nTable = off\n[Peer]\nPublicKey = %s\nEndpoint = 192.0.2.1:51820\nAllowedIPs = 0.0.0.0/0, ::/0\n' \
	"$me_priv" "$srv_pub" >"$TMP/c/$A.conf"
chmod 600 "$TMP/c/$A.conf"
printf '[Policy g]\nGroup = 1001\nVia = %s\n' "$A" >"$TMP/c/policy.conf"
sysctl_of() { nsx "$gw" sysctl -n "net.ipv4.conf.$A.$1"; }
state() {
	for f in -4 -6; do nsx "$gw" ip $f rule; nsx "$gw" ip $f route show table all; done
	nsx "$gw" ip -o link show | awk '{ print $2 }'
	nsx "$gw" nft list ruleset
	nsx "$gw" sysctl net.ipv4.conf.all.rp_filter net.ipv4.conf.all.src_valid_mark
}
before=$(state)

run nsx "$gw" "$W" apply -C "$TMP/c"
is "$status" 0 "apply: a marked policy through A"
is "$(sysctl_of rp_filter):$(sysctl_of src_valid_mark)" "2:1" "A's rp_filter loose, src_valid_mark on"

nsx "$gw" ip link del "$A"
rm "$TMP/c/policy.conf"
run nsx "$gw" "$W" apply -C "$TMP/c"
is "$status" 0 "A deleted, the policy removed: apply makes A anew"
unlike "$stderr" "does not show what was asked|undone" "without tripping over A's old sysctls"
is "$(sysctl_of rp_filter):$(sysctl_of src_valid_mark)" "1:0" "the new A keeps the kernel's defaults"
run nsx "$gw" "$W" plan -C "$TMP/c"
is "$status:$stdout" "0:" "nothing left to do"

# The same with the policy kept: the new A gets the policy's values, and down gives back the defaults.
printf '[Policy g]\nGroup = 1001\nVia = %s\n' "$A" >"$TMP/c/policy.conf"
run nsx "$gw" "$W" apply -C "$TMP/c"
is "$status" 0 "the policy back"
nsx "$gw" ip link del "$A"
nsx "$gw" sysctl -qw net.ipv4.conf.default.rp_filter=0
run nsx "$gw" "$W" apply -C "$TMP/c"
is "$status" 0 "A deleted again, the default changed to 0: apply"
is "$(sysctl_of rp_filter)" 2 "the new A's rp_filter loose again"
run nsx "$gw" "$W" down -C "$TMP/c"
is "$status" 0 "down"
nsx "$gw" sysctl -qw net.ipv4.conf.default.rp_filter=1
is "$(state)" "$before" "the gateway is as before"

done_testing
