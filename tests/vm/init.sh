#!/bin/sh
# /init of the test VM (run.sh builds the initramfs): mount what the tools need,
# load the modules modules.load lists, run /test.sh with its TAP on the second
# serial port (ttyS1) and everything else on the console (ttyS0), then leave:
# qemu runs with -no-reboot, so reboot ends it.
/bin/busybox mount -t devtmpfs dev /dev
# The initramfs has no /dev/console, so the kernel gave /init no stdio.
exec </dev/console >/dev/console 2>&1
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t tmpfs run /run
mount -t tmpfs tmp /tmp
echo "init: kernel $(uname -r), up $(cut -d' ' -f1 /proc/uptime) s"

for m in $(cat /modules.load); do
	insmod "/modules/$m.ko" || echo "init: insmod $m failed"
done

stty -F /dev/ttyS1 raw -echo 2>/dev/null
sh /test.sh >/dev/ttyS1
echo "init: test.sh exited $?, up $(cut -d' ' -f1 /proc/uptime) s"
reboot -f
