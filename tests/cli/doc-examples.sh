#!/usr/bin/env bash
# TAP: every configuration README.md and the man pages show passes `wgpolicy check`, as a user
# who copies it would find. doc_examples.py finds them (```ini fences, .EX blocks that are
# configuration) and writes each as a folder, beside the interfaces and set files the docs show.
set -u
. "$(dirname "$0")/../tap.sh"

W=${WGPOLICY:?}
SRC=${SOURCE_ROOT:?SOURCE_ROOT must name the source tree}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

docs=("$SRC/README.md" "$SRC/man/wgpolicy.conf.5" "$SRC/man/wgpolicy.8")
run python3 "$(dirname "$0")/doc_examples.py" "$tmp/x" "${docs[@]}"
is "$status" 0 "the examples are extracted"
[ "$status" -eq 0 ] || printf '# %s\n' "$stderr"
blocks=$stdout

# A broken extractor must not pass by finding nothing: each doc shows interfaces, the
# README and wgpolicy.conf(5) policies too.
for want in 'README.md:[0-9]+ \[Interface\]' 'README.md:[0-9]+ \[Policy' \
	'wgpolicy.conf.5:[0-9]+ \[Interface\]' 'wgpolicy.conf.5:[0-9]+ \[Policy' \
	'wgpolicy.conf.5:[0-9]+ \[Global\]' 'wgpolicy.8:[0-9]+ \[Interface\]'; do
	like "$blocks" "$want" "found: $want"
done

while read -r n where first; do
	run "$W" check -C "$tmp/x/$n"
	is "$status" 0 "$where ($first) passes check"
	[ "$status" -eq 0 ] || printf '%s\n' "$stdout" | sed 's/^/# /'
	unlike "$stdout" ": error: " "$where: no error"
done <<<"$blocks"

done_testing
