#!/usr/bin/env bash
# Per application: processes in one cgroup v2 group leave by tunnel A, the
# same program outside it goes direct. nftables marks the cgroup's packets
# (socket cgroupv2), one fwmark rule routes them, and masquerade on A gives
# them A's source address, since their source was chosen before the mark.
#
#   [gw: cgroup wgpolicy-lab-ID.slice/app.scope → A] ══ A ══ [vpn0] ── [inet]
#            └──────────── up0 (everything else) ─────────────────────┘
#
# The command is put in the cgroup by `wgpolicy exec POLICY -- CMD` when the
# binary has it, else by writing its pid to cgroup.procs (said in the output).
# Proof: vpn0 counts the app's flows coming out of its tunnel from A's address;
# inet counts the other process's flows in clear from the uplink address.
set -u
. "$(dirname "$0")/lab.sh"
lab_start
cg2=$(cgroup2_root)
[ -n "$cg2" ] || { echo "1..0 # SKIP no cgroup2 mount"; exit 0; }

slice=wgpolicy-lab-$ID.slice
cgroup=$slice/app.scope
LAB_CGROUPS=("$cg2/$cgroup" "$cg2/$slice")
cat >"$CONF/policy.conf" <<CONF
[Policy app]
Cgroup = $cgroup
Via = $A
CONF

# in_app CMD...: CMD in the gateway namespace, its process in the policy's cgroup. The cgroup
# is entered outside `ip netns exec`, which remounts /sys and so hides the cgroup2 mount.
if "$W" --help 2>&1 | grep -q '^ *exec '; then
	note "placing processes with: wgpolicy exec app -- CMD"
	in_app() { "$W" exec -C "$CONF" app -- ip netns exec "$GW" "$@"; }
else
	note "wgpolicy has no exec command: processes are placed by writing to cgroup.procs"
	mkdir -p "$cg2/$cgroup"
	in_app() {
		sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' sh "$cg2/$cgroup" \
			ip netns exec "$GW" "$@"
	}
fi
app_probe() { in_app /usr/bin/python3 - "$@" <"$PROBE"; }

count "$VPN0" app iifname "$S0" ip saddr 10.8.0.2 ip daddr 203.0.113.31 tcp dport 443
count "$VPN0" app6 iifname "$S0" ip6 saddr fd08::2 ip6 daddr 2001:db8:ff::31 tcp dport 443
count "$VPN0" other iifname "$S0" ip daddr 203.0.113.32
count "$VPN1" any iifname "$S1" ip daddr 203.0.113.0/24
count "$INET" app_clear iifname gw ip daddr 203.0.113.31
count "$INET" app_clear6 iifname gw ip6 daddr 2001:db8:ff::31
count "$INET" other iifname gw ip saddr 198.51.100.2 ip daddr 203.0.113.32 tcp dport 443

gw_wgpolicy apply
ok "tunnels up" tunnels_ready

run app_probe tcp 203.0.113.31 443
is "$status" 0 "the app → 203.0.113.31:443: echoed"
run app_probe tcp 2001:db8:ff::31 443
is "$status" 0 "the app → [2001:db8:ff::31]:443: echoed"
run in_app sh -c 'cat /proc/self/cgroup'
like "$stdout" "^0::/$cgroup\$" "the app's processes are in the policy's cgroup"
echoes "another process → 203.0.113.32:443: echoed" "$GW" 203.0.113.32 443
is "$stdout" 198.51.100.2 "the other process's socket got the uplink address"

seen "vpn0 got the app's IPv4 flow from A's address (masqueraded)" "$VPN0" app
seen "vpn0 got the app's IPv6 flow from A's address (masqueraded)" "$VPN0" app6
unseen "not one packet of the app's flows in clear on the uplink" "$INET" app_clear app_clear6
seen "inet got the other process's flow directly" "$INET" other
unseen "vpn0 saw none of the other process's traffic" "$VPN0" other
unseen "vpn1 carried nothing" "$VPN1" any

# A child of the app stays in its cgroup, and so on its path.
count "$VPN0" child iifname "$S0" ip saddr 10.8.0.2 ip daddr 203.0.113.33 udp dport 5353
in_app sh -c '/usr/bin/python3 - udp 203.0.113.33 5353 5' <"$PROBE"
is "$(packets "$VPN0" child)" 5 "a child process's 5 datagrams came out of vpn0's tunnel"

run nsx "$GW" "$W" down
is "$status" 0 "down"
done_testing
