#!/usr/bin/env bash
# Roaming: WireGuard moves a peer's endpoint to wherever its authenticated
# packets come from. The seed article: "WireGuard rekeying and roaming are
# transparent, but ensure your routing and firewall logic tolerates endpoint
# changes". Here vpn0, A's server, changes its address (a server on a dynamic
# address) and speaks first: the gateway's peer follows it to 192.0.2.3, and
# wgpolicy must leave it there (plan: nothing to do, doctor: no FAIL, apply
# and the daemon: no `wg set ... endpoint 192.0.2.2`), or lan1's traffic
# would go to an address nobody has any more. A new Endpoint in the
# configuration is still set.
#
#   [lan1] ── [gw: office From 10.0.1.0/24 → A] ══ A ══ [vpn0] 192.0.2.2 → 192.0.2.3 ── [inet]
#
# Proof: the gateway's peer endpoint, and lan1's flows counted at vpn0 out of
# its tunnel.
set -u
. "$(dirname "$0")/lab.sh"
. "$(dirname "$0")/daemon-lib.sh"
lab_start
office_policy >"$CONF/policy.conf"
endpoint_of() { nsx "$GW" wg show "$A" endpoints | awk '{ print $2 }'; }
is_endpoint() { [ "$(endpoint_of)" = "$1" ]; }
# through_a N: a TCP exchange from lan1 to 203.0.113.N that vpn0 sees come out of its tunnel.
through_a() {
	count "$VPN0" "a$1" iifname "$S0" ip saddr 10.0.1.2 ip daddr "203.0.113.$1"
	echoes "$2: lan1's flow is echoed" "$LAN1" "203.0.113.$1" 80
	seen "$2: it went through A" "$VPN0" "a$1"
}

gw_wgpolicy apply
ok "tunnels up" tunnels_ready
is "$(endpoint_of)" 192.0.2.2:51820 "A's peer: the configured endpoint"

# vpn0 moves to 192.0.2.3 (the old address goes), then speaks first through its tunnel.
pp "$VPN0" ip addr del 192.0.2.2/28 dev up0
pp "$VPN0" ip addr add 192.0.2.3/28 dev up0
pp "$VPN0" ip route add default via 192.0.2.1
# wireguard-go sends from the source address it last used until told the endpoint anew.
gw_port=$(nsx "$GW" wg show "$A" listen-port)
# shellcheck disable=SC2154 # lab_up's keypair sets gw0_pub
pp "$VPN0" wg set "$S0" peer "$gw0_pub" endpoint "198.51.100.2:$gw_port"
speak() { nsx "$VPN0" ping -c1 -W1 10.8.0.2; }
ok "vpn0 reaches the gateway through A from its new address" wait_for 10 speak
is "$(endpoint_of)" 192.0.2.3:51820 "A's peer roamed to 192.0.2.3"

run nsx "$GW" "$W" plan -C "$CONF"
is "$status" 0 "plan: nothing to do (exit 0)"
lacks "$stdout" "endpoint 192.0.2.2" "plan: no endpoint put back"
run nsx "$GW" "$W" doctor -C "$CONF"
is "$status" 0 "doctor: no FAIL"
like "$stdout" "^ok +plan: the kernel matches the configuration" "doctor: the plan check is ok"
gw_wgpolicy apply "apply after the roam"
lacks "$stderr" "endpoint 192.0.2.2" "apply: no endpoint put back"
is "$(endpoint_of)" 192.0.2.3:51820 "after apply: still 192.0.2.3"
through_a 31 "after apply"

# A change of the peer for another reason keeps the endpoint it roamed to.
printf 'PersistentKeepalive = 25\n' >>"$CONF/$A.conf"
gw_wgpolicy apply "apply a keepalive"
like "$stderr" "wg set $A peer [^ ]+ persistent-keepalive 25" "apply: the peer is changed"
lacks "$stderr" "endpoint 192.0.2.2" "apply: but not its endpoint"
is "$(endpoint_of)" 192.0.2.3:51820 "after the change: still 192.0.2.3"

# The daemon's rounds (its first, and a reload's) leave the roamed endpoint too.
daemon_start "$GW" "$CONF"
run nsx "$GW" "$W" reload
is "$status" 0 "the daemon reloads"
is "$(endpoint_of)" 192.0.2.3:51820 "daemon: still 192.0.2.3"
lacks "$(cat "$LOG")" "endpoint 192.0.2.2" "daemon: no endpoint put back"
through_a 32 "daemon"
daemon_stop

# A new Endpoint in the configuration is set, roam or not: vpn0 has a third address.
pp "$VPN0" ip addr add 192.0.2.4/28 dev up0
sed -i 's/^Endpoint = 192.0.2.2:51820$/Endpoint = 192.0.2.4:51820/' "$CONF/$A.conf"
gw_wgpolicy apply "apply a new Endpoint"
has "$stderr" "endpoint 192.0.2.4:51820" "apply: the new endpoint is set"
is "$(endpoint_of)" 192.0.2.4:51820 "A's peer: the new configured endpoint"
run nsx "$GW" "$W" plan -C "$CONF"
is "$status" 0 "then plan has nothing to do"

# What wgpolicy recorded of the endpoints it set goes with the interfaces: a file
# of A's own, beside the namespace's (10,000 peers' records are read only with A).
records() { ls /run/wgpolicy/ | grep -c "\.endpoints\.$A\.json\$"; }
is "$(records)" 1 "the endpoints set are recorded in A's own file in /run/wgpolicy"
ok "it holds A's peer's endpoint" grep -q "192.0.2.4:51820" /run/wgpolicy/*.endpoints."$A".json
ns_file=$(ls /run/wgpolicy/*.endpoints."$A".json | sed "s/\.endpoints\.$A\.json\$/.json/")
run grep -c "192.0.2.4:51820" "$ns_file"
is "$stdout" 0 "the namespace's file holds no endpoints"
run nsx "$GW" "$W" down
is "$status" 0 "down"
is "$(records)" 0 "down: no record of A's peers is left"

done_testing
