#!/usr/bin/env bash
# wg-quick's hooks: PreUp, PostUp on the way up, PreDown, PostDown on the way
# down, in that order, with %i as the interface; a failing PreUp stops it all.
set -u
. "$(dirname "$0")/lib.sh"
require_root

ns=$(netns h)
A=$(ifname h)
keypair me
keypair srv
mkdir -p "$TMP/c"
log=$TMP/hooks.log
cat > "$TMP/c/$A.conf" <<CONF
[Interface]
PrivateKey = $me_priv
Address = 10.55.0.2/24
PreUp = echo pre-up %i >> $log
PostUp = echo post-up %i >> $log; ip link show %i >/dev/null && echo link-exists >> $log
PreDown = echo pre-down %i >> $log
PostDown = echo post-down %i >> $log
[Peer]
PublicKey = $srv_pub
Endpoint = 192.0.2.1:51820
AllowedIPs = 10.55.0.0/24
CONF
chmod 600 "$TMP/c/$A.conf"

run nsx "$ns" "$W" up "$TMP/c/$A.conf"
is "$status" 0 "up"
is "$(cat "$log")" "pre-up $A
post-up $A
link-exists" "PreUp before the link, PostUp after it, %i replaced"
: > "$log"
run nsx "$ns" "$W" down "$TMP/c/$A.conf"
is "$status" 0 "down"
is "$(cat "$log")" "pre-down $A
post-down $A" "PreDown and PostDown run on down"

sed -i "s|^PreUp = .*|PreUp = exit 4|" "$TMP/c/$A.conf"
run nsx "$ns" "$W" up "$TMP/c/$A.conf"
is "$status" 1 "a failing PreUp fails up"
is "$(nsx "$ns" ip -o link show | grep -c "$A")" 0 "and nothing is left behind"

done_testing
