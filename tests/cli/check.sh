#!/usr/bin/env bash
# TAP: `wgpolicy check` as a user runs it: exit codes, output format, --json, files.
set -u
. "$(dirname "$0")/../tap.sh"

W=${WGPOLICY:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

key() { head -c 32 /dev/urandom | base64; }

mkdir "$tmp/ok"
cat > "$tmp/ok/wg0.conf" <<CONF
[Interface]
PrivateKey = $(key)
Address = 10.8.0.2/24
DNS = 10.8.0.1
[Peer]
PublicKey = $(key)
AllowedIPs = 0.0.0.0/0
Endpoint = 192.0.2.1:51820
CONF
chmod 600 "$tmp/ok/wg0.conf"

run "$W" check -C "$tmp/ok"
is "$status" 0 "valid directory exits 0"
like "$stderr" "configuration valid: 1 interface, 1 peer" "summary on stderr"

run "$W" check "$tmp/ok/wg0.conf"
is "$status" 0 "a file argument works like a directory"

mkdir "$tmp/bad"
printf '[Interface]\nAddress = 10.0.0.1/33\nListenPort = 70000\n' > "$tmp/bad/wg1.conf"
run "$W" check -C "$tmp/bad"
is "$status" 1 "invalid configuration exits 1"
like "$stdout" "$tmp/bad/wg1.conf:2: error: invalid Address '10.0.0.1/33'" "error names file, line and value"
like "$stdout" "$tmp/bad/wg1.conf:3: error: invalid ListenPort '70000'" "ListenPort 70000 is refused, not wrapped"

run "$W" check --json -C "$tmp/bad"
is "$status" 1 "--json keeps the exit code"
json_ok=$(printf '%s' "$stdout" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d), d[0]["line"], d[0]["severity"])' 2>&1)
is "$json_ok" "2 2 error" "--json gives an array of records with line and severity"

chmod 644 "$tmp/ok/wg0.conf"
chmod 755 "$tmp/ok"
run "$W" check -C "$tmp/ok"
is "$status" 0 "a warning does not change the exit code"
like "$stdout" "wg0.conf:2: warning: .*world accessible" "world-readable PrivateKey warns on its line"
unlike "$stdout" "$(sed -n 's/PrivateKey = //p' "$tmp/ok/wg0.conf")" "the private key is never printed"

# wg-quick judges a linked file where it lies: the target and the target's folder.
mkdir -m 700 "$tmp/private"
mkdir -m 755 "$tmp/public"
cp "$tmp/ok/wg0.conf" "$tmp/public/wg2.conf"
ln -s ../public/wg2.conf "$tmp/private/wg2.conf"
run "$W" check "$tmp/private/wg2.conf"
like "$stdout" "wg2.conf:2: warning: .*world accessible" "a link to a world-readable file elsewhere warns, as wg-quick"
cp "$tmp/ok/wg0.conf" "$tmp/private/wg3.conf"
ln -s "$tmp/private/wg3.conf" "$tmp/public/wg3.conf"
run "$W" check "$tmp/public/wg3.conf"
unlike "$stdout" "world accessible" "a link in an open folder to a file in a closed one does not warn, as wg-quick"

run "$W" check -C "$tmp/nonexistent"
is "$status" 1 "missing directory is an error"
like "$stdout" "cannot read configuration folder" "missing directory explained"

run "$W" check --bogus
is "$status" 64 "unknown option is a usage error"

run "$W" check --help
is "$status" 0 "--help exits 0"
like "$stdout" "Usage: wgpolicy check" "--help prints usage"

if [ -d "${EXAMPLES:-}" ]; then
	run "$W" check -C "$EXAMPLES"
	is "$status" 0 "the shipped examples are valid"
	like "$stderr" "policy corp, target wg0: probe 10.8.0.1 every 200ms" \
		"check says which probe each failover target will use"
	like "$stderr" "policy corp, target wg0: probe [^;]*; handshake: down when wg0:ams1 has had none for 220s and wg0:fra1 has had none for 220s" \
		"and which peers' handshakes judge it (PersistentKeepalive 25: 180 + 25 + 15 s)"
fi

done_testing
