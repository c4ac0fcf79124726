#!/usr/bin/env bash
# TAP: operands a user gets wrong are refused with a reason, before anything runs.
# Only refused operands here: nothing may reach the machine's network.
set -u
. "$(dirname "$0")/../tap.sh"

W=${WGPOLICY:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

printf '[Interface]\nPrivateKey = %s\n' "$(head -c 32 /dev/urandom | base64)" > "$tmp/wg0.txt"
cp "$tmp/wg0.txt" "$tmp/verylonginterfacename.conf"
chmod 600 "$tmp"/*

# wg-quick: "The config file must be a valid interface name, followed by .conf".
for f in "$tmp/wg0.txt" "$tmp/verylonginterfacename.conf"; do
	run "$W" plan "$f"
	is "$status" 64 "plan ${f##*/}: a usage error"
	like "$stderr" "'$f' is neither an interface name nor a file named after one" \
		"plan ${f##*/}: the reason names the operand"
done
run "$W" up "$tmp/missing/wg0.txt"
is "$status" 64 "up of a file not named NAME.conf: a usage error"
like "$stderr" "neither an interface name nor a file named after one" "up says why"

# A folder given where a file goes: the way to read a folder is -C.
run "$W" check "$tmp"
is "$status" 1 "check DIR: an error"
like "$stdout" "$tmp: error: cannot read: Is a directory; read a folder with -C $tmp" \
	"check DIR points to -C"
mkdir "$tmp/cfg" "$tmp/cfg/old.conf"
run "$W" check -C "$tmp/cfg"
like "$stdout" "$tmp/cfg/old.conf: error: cannot read: Is a directory\$" \
	"a folder named *.conf inside -C DIR is an error, without that hint"

done_testing
