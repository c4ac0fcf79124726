#!/usr/bin/env bash
# wgpolicy exec puts a command in its policy's cgroup (created if missing).
set -u
. "$(dirname "$0")/lib.sh"
require_root

root=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
[ -n "$root" ] || { echo "1..0 # SKIP no cgroup v2 here"; exit 0; }
cg="wgpolicy-test-$ID.slice/app.scope"
trap 'rmdir "$root/$cg" "$root/${cg%/*}" 2>/dev/null; cleanup' EXIT
mkdir -p "$TMP/c"
printf '[Policy app]\nCgroup = %s\nVia = direct\n' "$cg" > "$TMP/c/policy.conf"

run "$W" exec -C "$TMP/c" app -- cat /proc/self/cgroup
is "$status" 0 "exec runs the command"
like "$stdout" "^0::/$cg\$" "the command runs in the policy's cgroup"
run "$W" exec -C "$TMP/c" app -- sh -c 'exit 7'
is "$status" 7 "exec hands back the command's exit status"
run "$W" exec -C "$TMP/c" nope -- true
is "$status" 1 "an unknown policy is an error"
like "$stderr" "no \[Policy nope\]" "and says so"
printf '[Policy plain]\nTo = 192.0.2.0/24\nVia = direct\n' > "$TMP/c/policy.conf"
run "$W" exec -C "$TMP/c" plain -- true
is "$status" 1 "a policy without Cgroup cannot exec"
like "$stderr" "selects no Cgroup" "and says what to add"
run "$W" exec -C "$TMP/c" plain
is "$status" 64 "a missing command is a usage error"

done_testing
