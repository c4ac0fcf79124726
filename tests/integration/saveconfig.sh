#!/usr/bin/env bash
# SaveConfig = true: `down` writes the running interface back to its file.
# The same file is brought up by wg-quick (userspace, wireguard-go) in one
# namespace and by wgpolicy in another, changed the same way at runtime (a
# peer added, another's keepalive changed, an address added), and brought
# down: the two files must say the same, in the same order (the order of
# the peers aside, which wireguard-go does not keep), and the file wgpolicy
# wrote must bring the changed interface back as it was (the added peer's
# AllowedIPs within an address's prefix: routes come from the file at up). Then a wgpolicy
# configuration: its own keys and its other sections survive the save, a
# file with errors is not written over, the private key is never shown, and
# the daemon stopping with --down-on-exit saves too.
#
#   [wq: wg-quick] up0 192.0.2.2/24 --veth-- up0 192.0.2.3/24 [wp: wgpolicy]
set -u
. "$(dirname "$0")/lib.sh"
require_root wg-quick

wq=$(netns wq)
wp=$(netns wp)
veth "$wq" up0 "$wp" up0
nsx "$wq" ip addr add 192.0.2.2/24 dev up0
nsx "$wp" ip addr add 192.0.2.3/24 dev up0

keypair me
keypair srv
keypair srv2
psk=$(wg genpsk)

resolvconf_standin

# name|config body after PrivateKey
cases=(
"split-tunnel|Address = 10.8.0.2/24, fd08::2/64
DNS = 10.8.0.1, fd08::1
MTU = 1380
ListenPort = 51900
SaveConfig = true
PostUp = true %i up
PreDown = true %i down
[Peer]
PublicKey = $srv_pub
PresharedKey = $psk
Endpoint = 192.0.2.1:51820
AllowedIPs = 10.8.0.0/24, 192.168.100.0/24
PersistentKeepalive = 25"
"full-tunnel|Address = 10.8.0.2/24
ListenPort = 51901
SaveConfig = TRUE
[Peer]
PublicKey = $srv_pub
Endpoint = [2001:db8::1]:51820
AllowedIPs = 0.0.0.0/0, ::/0"
"kernel-order|Address = 10.8.0.3/24, fd09::2/64, 10.8.0.2/24, fd08::2/64
Address = 10.7.0.1/24
ListenPort = 51903
SaveConfig = true
[Peer]
PublicKey = $srv_pub
AllowedIPs = 192.168.9.0/24, 10.8.0.0/24, 172.16.0.0/12
AllowedIPs = fd10::/64, 192.168.1.0/24"
"table-off|Address = 10.8.0.2/24
Table = off
ListenPort = 51902
SaveConfig = true
[Peer]
PublicKey = $srv_pub
Endpoint = 192.0.2.1:51820
AllowedIPs = 0.0.0.0/0"
)

# The files, line by line in their order (addresses as the kernel lists them,
# AllowedIPs as WireGuard keeps them), but for the order of the peers, which
# wireguard-go lists in no fixed order (a Go map's). IPv6 link-local
# addresses, which the kernel gives wireguard-go's device and wg-quick saves
# as Address (wgpolicy leaves out what it would not configure), are left out.
normal() {
	/usr/bin/python3 - "$1" "$2" <<'PY'
import sys
text = open(sys.argv[1]).read().replace(sys.argv[2], "IFACE")
sections = []
for line in text.splitlines():
    if line.startswith("["):
        sections.append([line])
    elif line and not line.startswith("Address = fe80:"):
        sections[-1].append(line)
for s in sections[:1] + sorted(sections[1:]):
    print(" | ".join(s))
PY
}

n=0
for c in "${cases[@]}"; do
	name=${c%%|*}
	body=${c#*|}
	n=$((n + 1))
	qi=$(ifname "q$n") pi=$(ifname "p$n")
	conf_files "$body" "$TMP/$qi.conf" "$TMP/$pi.conf"
	quick_up "$name" "$wq" "$TMP/$qi.conf"
	run nsx "$wp" "$W" up "$TMP/$pi.conf"
	is "$status" 0 "$name: wgpolicy up"
	[ "$status" -eq 0 ] || printf '%s\n' "$stderr" | sed 's/^/# /'
	# The same changes at runtime, by hand, in both.
	for side in "wq $qi" "wp $pi"; do
		set -- $side
		ns=${!1}
		nsx "$ns" wg set "$2" peer "$srv2_pub" allowed-ips 10.8.0.3/32 \
			endpoint 192.0.2.9:51822 persistent-keepalive 15
		nsx "$ns" wg set "$2" peer "$srv_pub" persistent-keepalive 10
		nsx "$ns" ip addr add 10.9.0.2/24 dev "$2"
	done
	running=$(snapshot "$wp" "$pi")
	nsx "$wq" wg-quick down "$TMP/$qi.conf" >/dev/null 2>&1
	run nsx "$wp" "$W" down "$TMP/$pi.conf"
	is "$status" 0 "$name: wgpolicy down"
	like "$stderr" "SaveConfig: $pi's running configuration written to $TMP/$pi.conf" \
		"$name: down says it saved the running configuration"
	lacks "$stdout$stderr" "$me_priv" "$name: down never shows the private key"
	has "$(cat "$TMP/$pi.conf")" "PrivateKey = $me_priv" "$name: the file holds it"
	is "$(stat -c %a "$TMP/$pi.conf")" 600 "$name: the file is 0600"
	if diff -u <(normal "$TMP/$qi.conf" "$qi") <(normal "$TMP/$pi.conf" "$pi") > "$TMP/$name.diff"; then
		_tap_result ok "$name: the file says what wg-quick's save_config wrote, in its order"
	else
		_tap_result fail "$name: the file says what wg-quick's save_config wrote, in its order" \
			"$(cat "$TMP/$name.diff")"
	fi
	run nsx "$wp" "$W" up "$TMP/$pi.conf"
	is "$status" 0 "$name: up from the saved file"
	is "$(snapshot "$wp" "$pi")" "$running" "$name: it brings back the interface as it ran, changes and all"
	nsx "$wp" "$W" down "$TMP/$pi.conf" >/dev/null 2>&1
done

# A wgpolicy configuration folder: wgpolicy's keys, and sections other than the interface's.
D=$TMP/conf
mkdir -p "$D"
A=$(ifname a)
cat > "$D/$A.conf" <<CONF
# The office tunnel.
[Interface]
PrivateKey = $me_priv
Address = 10.8.0.2/24
DNS = 10.8.0.1, corp.example
MTU = auto
Table = off
SaveConfig = true

[Peer]
# wgpolicy's name for it, which the policy uses
Name = ams1
PublicKey = $srv_pub
Endpoint = localhost:51820
AllowedIPs = 10.8.0.0/24, 192.168.100.0/24
Probe = 10.8.0.1

# Through the tunnel, this one destination.
[Policy corp]
To = 192.168.100.0/24   # the corporate LAN
Via = $A:ams1
KillSwitch = no

[Set spare]
Address = 172.16.0.0/12
CONF
chmod 600 "$D/$A.conf"
policy_text=$(sed -n '/^# Through the tunnel/,$p' "$D/$A.conf")
run nsx "$wp" "$W" apply -C "$D"
is "$status" 0 "folder: apply"
[ "$status" -eq 0 ] || printf '%s\n' "$stderr" | sed 's/^/# /'
nsx "$wp" wg set "$A" peer "$srv2_pub" allowed-ips 10.8.0.3/32

# A file with errors is not written over, and nothing goes down.
cp "$D/$A.conf" "$TMP/good.conf"
sed -i 's/^SaveConfig = true/SaveConfig = true\nBogus = 1/' "$D/$A.conf"
cp "$D/$A.conf" "$TMP/bad.conf"
run nsx "$wp" "$W" down -C "$D" "$A"
is "$status" 1 "folder: down refuses when the file has errors"
like "$stderr" "has errors: its running configuration is not saved over it" "folder: and says why"
is "$(cat "$D/$A.conf")" "$(cat "$TMP/bad.conf")" "folder: the file is as it was"
ok "folder: the interface is still up" nsx "$wp" ip link show "$A"
cp "$TMP/good.conf" "$D/$A.conf"

run nsx "$wp" "$W" down -C "$D" "$A"
is "$status" 0 "folder: down"
saved=$(cat "$D/$A.conf")
has "$saved" "Name = ams1" "folder: the peer keeps its name"
has "$saved" "Probe = 10.8.0.1" "folder: and its probe"
has "$saved" "Endpoint = localhost:51820" "folder: and its endpoint by name"
has "$saved" "DNS = corp.example" "folder: the search domain stays"
has "$saved" "MTU = auto" "folder: MTU = auto stays auto"
has "$saved" "Table = off" "folder: Table stays"
has "$saved" "AllowedIPs = 10.8.0.3/32" "folder: the peer added at runtime is saved"
lacks "$saved" "FwMark" "folder: the mark wgpolicy gave the tunnel for its policy is not"
has "$saved" "$policy_text" "folder: the policy and the set are kept as written, comments too"
lacks "$saved" "# The office tunnel." "folder: comments of [Interface] go, as with wg-quick"
run nsx "$wp" "$W" check -C "$D"
is "$status" 0 "folder: the saved configuration checks"
run nsx "$wp" "$W" apply -C "$D"
is "$status" 0 "folder: apply of the saved configuration"
like "$(nsx "$wp" wg show "$A" allowed-ips)" "10.8.0.3/32" "folder: the added peer is back"
nsx "$wp" "$W" down -C "$D" >/dev/null 2>&1

# The daemon stopping with --down-on-exit saves as down does. (While it runs it keeps
# the interface as configured: what it saves is its running state at the end.)
sed -i 's/^\[Interface\]$/[Interface]\n# a comment the save drops/' "$D/$A.conf"
ip netns exec "$wp" "$W" daemon -C "$D" --down-on-exit >"$TMP/daemon.log" 2>&1 &
daemon=$!
PIDS+=("$daemon")
ok "daemon: runs" wait_for 20 grep -q "running:" "$TMP/daemon.log"
kill -TERM "$daemon"
gone() { ! kill -0 "$daemon" 2>/dev/null; }
ok "daemon: stops on SIGTERM" wait_for 10 gone
log=$(cat "$TMP/daemon.log")
has "$log" "[#] SaveConfig: $A's running configuration written to $D/$A.conf" "daemon: it saved $A"
first() { grep -n -F -m1 -- "$1" <<<"$log" | cut -d: -f1; }
ok "daemon: before it removed the interface" test "$(first SaveConfig)" -lt "$(first "ip link delete dev $A")"
saved=$(cat "$D/$A.conf")
lacks "$saved" "# a comment the save drops" "daemon: the file was written anew"
has "$saved" "Name = ams1" "daemon: as down writes it"
is "$(nsx "$wp" ip -o link show | grep -c "$A")" 0 "daemon: $A is gone"

done_testing
