#!/usr/bin/env bash
# The daemon under a service manager (Type=notify): READY=1 once applied,
# WATCHDOG=1 at half the interval even with nothing to probe or to write,
# RELOADING=1 then READY=1 on reload, STOPPING=1 on SIGTERM, then exit 0.
# The manager is a datagram socket in $NOTIFY_SOCKET that logs what it gets.
#
#   [gw: wgpolicy daemon, one interface, no policy] ── $NOTIFY_SOCKET ── listener
set -u
. "$(dirname "$0")/lib.sh"
require_root

GW=$(netns gw)
A=$(ifname a)
CONF=$TMP/conf
mkdir -p "$CONF"
keypair k
# shellcheck disable=SC2154 # keypair sets k_priv
printf '[Interface]\nPrivateKey = %s\nAddress = 10.7.0.1/24\nTable = off\n' "$k_priv" >"$CONF/$A.conf"
chmod 600 "$CONF/$A.conf"

# The listener: every datagram, one line, with its time in ms; 20 s at most.
python3 - "$TMP/notify.sock" "$TMP/notify.log" <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(0.5)
end = time.time() + 20
with open(sys.argv[2], "w", buffering=1) as log:
    while time.time() < end:
        try:
            data = s.recv(4096).decode().replace("\n", " ")
        except socket.timeout:
            continue
        log.write("%d %s\n" % (time.time() * 1000, data))
PY
PIDS+=($!)
wait_for 5 test -S "$TMP/notify.sock" || { echo "Bail out! no listener"; exit 1; }

# 400 ms: a WATCHDOG=1 every 200 ms; with no probe and no metrics, only the watchdog wakes the loop.
NOTIFY_SOCKET=$TMP/notify.sock WATCHDOG_USEC=400000 \
	ip netns exec "$GW" "$W" daemon -C "$CONF" >"$TMP/daemon.log" 2>&1 &
DAEMON=$!
PIDS+=("$DAEMON")
got() { grep -c -- "$1" "$TMP/notify.log"; }

ok "READY=1 once the configuration is applied" wait_for 10 grep -q "READY=1" "$TMP/notify.log"
like "$(grep READY=1 "$TMP/notify.log")" "STATUS=running" "with STATUS=running"
ok "the interface is there by then" nsx "$GW" ip link show "$A"
n=$(got WATCHDOG=1)
sleep 2 # what an idle daemon sends in 2 s
w=$(($(got WATCHDOG=1) - n))
ok "idle, WATCHDOG=1 keeps coming: $w in 2 s (at least 5 wanted, 10 expected)" test "$w" -ge 5

run nsx "$GW" "$W" reload
is "$status" 0 "reload"
ok "RELOADING=1, with MONOTONIC_USEC" grep -q "RELOADING=1 MONOTONIC_USEC=[0-9]" "$TMP/notify.log"
ok "READY=1 again after it" wait_for 5 sh -c "grep -A100 RELOADING=1 '$TMP/notify.log' | grep -q READY=1"

kill -TERM "$DAEMON"
gone() { ! kill -0 "$DAEMON" 2>/dev/null; }
ok "SIGTERM: the daemon ends" wait_for 10 gone
wait "$DAEMON"
is "$?" 0 "with exit code 0"
ok "STOPPING=1 on the way out" grep -q "STOPPING=1" "$TMP/notify.log"
ok "the interface stays (no --down-on-exit)" nsx "$GW" ip link show "$A"

done_testing
