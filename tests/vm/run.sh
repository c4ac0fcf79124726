#!/usr/bin/env bash
# TAP: kernel WireGuard, in a qemu VM booting Debian's own kernel (this host's
# kernel has no WireGuard module). tests/vm/prepare gets qemu, busybox and the
# kernel package (unpacked into a cache, never installed); this script builds an
# initramfs of init.sh as /init, wireguard.sh as /test.sh, busybox, the host's
# ip, wg and $WGPOLICY with their libraries and the modules, boots it with no
# network device and passes the TAP the VM writes to its second serial port
# through. The console log goes to stderr. Nothing touches the host's network.
# Skips loudly (1..0 # SKIP) when qemu or the kernel cannot be had.
# Env: WGPOLICY (the binary), VM_CACHE (default: next to WGPOLICY, vm-cache),
# VM_TIMEOUT (seconds for the whole VM, default 240), VM_ACCEL (tcg, the default,
# or kvm), VM_CPU (qemu -cpu), VM_SMP (vCPUs, default 1).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
W=${WGPOLICY:?WGPOLICY must name the wgpolicy binary}
cache=${VM_CACHE:-$(dirname "$W")/vm-cache}
vm_timeout=${VM_TIMEOUT:-240}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

say() { echo "vm: $*" >&2; }
skip_all() {
	say "SKIP: $*"
	echo "1..0 # SKIP $*"
	exit 0
}
bail() {
	say "FAIL: $*"
	echo "not ok 1 - $*"
	echo "1..1"
	exit 1
}

"$here/prepare" "$cache" 2>"$tmp/prepare.log"
rc=$?
cat "$tmp/prepare.log" >&2
case $rc in
0) ;;
77) skip_all "$(tail -n 1 "$tmp/prepare.log" | sed 's/^vm\/prepare: cannot: //')" ;;
*) bail "tests/vm/prepare failed (exit $rc)" ;;
esac
kdir="$cache/$(cat "$cache/current")"

# copy_libs FILE: the shared libraries ldd names for FILE, at the same paths.
copy_libs() {
	local f
	for f in $(ldd "$1" 2>/dev/null | grep -o '/[^ ]*'); do
		[ -e "$root$f" ] || cp -L --parents "$f" "$root"
	done
}

# copy_bin FILE: FILE at the same path, and its libraries.
copy_bin() {
	cp -L --parents "$1" "$root"
	copy_libs "$1"
}

build_initramfs() {
	local b f
	root="$tmp/root"
	mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,run,tmp,var/lib,modules}
	mkdir -p "$root"/etc/{wgpolicy,wireguard}
	ln -s ../run "$root/var/run"
	for b in ip wg; do
		f=$(command -v "$b") || bail "no $b on the host (tests/vm/prepare installs it)"
		copy_bin "$f"
	done
	cp -L "$W" "$root/usr/bin/wgpolicy"
	copy_libs "$W"
	b=$(command -v busybox) || bail "no busybox on the host"
	copy_bin "$b"
	[ -e "$root/bin/busybox" ] || cp -L "$b" "$root/bin/busybox"
	for f in $(busybox --list); do
		[ -e "$root/usr/bin/$f" ] || [ -e "$root/usr/sbin/$f" ] || [ -e "$root/bin/$f" ] ||
			ln -s busybox "$root/bin/$f"
	done
	cp "$kdir"/modules/*.ko "$root/modules/"
	cp "$kdir/modules.load" "$root/"
	cp "$here/init.sh" "$root/init"
	cp "$here/wireguard.sh" "$root/test.sh"
	cp "$here/../tap.sh" "$root/tap.sh"
	chmod 755 "$root/init" "$root/test.sh"
	(cd "$root" && find . | busybox cpio -o -H newc -R 0:0 2>/dev/null) | gzip -1 >"$tmp/initrd.gz"
}

build_initramfs
say "initramfs: $(du -k "$tmp/initrd.gz" | cut -f1) KiB, kernel $(cat "$kdir/release")"

# TCG unless asked: on these machines /dev/kvm opens, yet qemu aborts with -cpu host
# (an MSR nested KVM refuses) and hangs with -cpu qemu64; TCG takes seconds here.
accel=${VM_ACCEL:-tcg}
case $accel in
kvm) cpu=${VM_CPU:-host} ;;
*) cpu=${VM_CPU:-max} ;;
esac
smp=${VM_SMP:-1}

say "booting: qemu-system-x86_64 -accel $accel, timeout ${vm_timeout}s"
start=$(date +%s.%N)
timeout -k 5 "$vm_timeout" qemu-system-x86_64 \
	-accel "$accel" -cpu "$cpu" -smp "$smp" -m 512M \
	-nographic -monitor none -no-reboot -nic none \
	-serial stdio -serial "file:$tmp/tap" \
	-kernel "$kdir/vmlinuz" -initrd "$tmp/initrd.gz" \
	-append "console=ttyS0 panic=-1 quiet loglevel=3" \
	</dev/null >"$tmp/console" 2>&1
rc=$?
secs=$(echo "$(date +%s.%N) - $start" | bc 2>/dev/null || echo "?")
tr -d '\r' <"$tmp/console" | sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g; s/\x1bc/\n/g' >&2
say "qemu exited $rc after ${secs}s ($accel)"

tr -d '\r' <"$tmp/tap" >"$tmp/tap.txt"
# Results and comments pass through; the plan is ours, so that a VM that died
# half way is one more failure rather than a TAP stream without a plan.
grep -E '^(ok|not ok|#)' "$tmp/tap.txt"
echo "# VM boot and test: ${secs}s ($accel, $smp vCPU)"
n=$(grep -cE '^(ok|not ok)' "$tmp/tap.txt")
if [ "$rc" -ne 0 ] || ! grep -qx "1\.\.$n" "$tmp/tap.txt"; then
	n=$((n + 1))
	echo "not ok $n - the VM ran the test to its end (qemu exit $rc; the timeout's is 124)"
	echo "1..$n"
	exit 1
fi
echo "1..$n"
! grep -q '^not ok' "$tmp/tap.txt"
