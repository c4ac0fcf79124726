# A small TAP library for the shell tests: run, is, like, has, ok, skip, say, done_testing.
# shellcheck shell=bash
_tap_n=0
_tap_failed=0

# run CMD...: sets $status, $stdout, $stderr.
run() {
	local out err
	out=$(mktemp) err=$(mktemp)
	"$@" >"$out" 2>"$err"
	status=$?
	stdout=$(cat "$out")
	stderr=$(cat "$err")
	rm -f "$out" "$err"
}

_tap_result() {
	_tap_n=$((_tap_n + 1))
	if [ "$1" = ok ]; then
		echo "ok $_tap_n - $2"
	else
		_tap_failed=$((_tap_failed + 1))
		echo "not ok $_tap_n - $2"
		[ -n "${3:-}" ] && printf '%s\n' "$3" | sed 's/^/# /'
	fi
	return 0
}

is() { [ "$1" = "$2" ] && _tap_result ok "$3" || _tap_result fail "$3" "got '$1', expected '$2'"; }
like() { printf '%s' "$1" | grep -qE -- "$2" && _tap_result ok "$3" || _tap_result fail "$3" "no match for /$2/ in: $1"; }
unlike() { printf '%s' "$1" | grep -qE -- "$2" && _tap_result fail "$3" "unexpected /$2/" || _tap_result ok "$3"; }
# has TEXT STRING DESC, lacks TEXT STRING DESC: STRING is (not) in TEXT, literally.
has() { printf '%s\n' "$1" | grep -F -- "$2" >/dev/null && _tap_result ok "$3" || _tap_result fail "$3" "no '$2'"; }
lacks() { printf '%s\n' "$1" | grep -F -- "$2" >/dev/null && _tap_result fail "$3" "unexpected '$2'" || _tap_result ok "$3"; }
ok() { local d=$1; shift; "$@" >/dev/null 2>&1 && _tap_result ok "$d" || _tap_result fail "$d" "command failed: $*"; }
skip() { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n - $1 # SKIP ${2:-}"; }
# say CMD...: print the command as a TAP comment, then run it.
say() {
	echo "# $*"
	"$@"
}
done_testing() {
	echo "1..$_tap_n"
	[ "$_tap_failed" -eq 0 ]
}
