#!/usr/bin/env python3
"""One measurement window of the forwarding benchmark (bench/forward).

Usage: forward_window.py SECONDS DEV OTHER SENDER_NETNS

Run inside the router's namespace while trafgen sends from SENDER_NETNS. Waits
(up to 5 s) until packets flow, then over SECONDS counts what routing handed
to DEV (queued or dropped by a full queue: tx_packets + tx_dropped) and to
OTHER, and the CPU time of the work that moved them: trafgen's processes and
ksoftirqd of the CPU its worker is bound to. Without IRQ time accounting (as
here), a softirq run on the way out of trafgen's send counts as trafgen's
time, and the rest runs in ksoftirqd: together, the whole path of a packet,
sender, router and sink, on one CPU. With it (CONFIG_IRQ_TIME_ACCOUNTING),
softirqs are not a task's time: that CPU's irq and softirq time from
/proc/stat is added instead.

Prints: packets per second of wall-clock time, nanoseconds of CPU per packet,
the packets that went to OTHER, and the share of the CPU the work got.
"""
import gzip
import os
import subprocess
import sys
import time


def comm(pid):
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return ""


def sent(dev):
    n = 0
    for k in ("tx_packets", "tx_dropped"):
        with open(f"/sys/class/net/{dev}/statistics/{k}") as f:
            n += int(f.read())
    return n


def runtime(pid):
    with open(f"/proc/{pid}/schedstat") as f:
        return int(f.read().split()[0])  # ns on a CPU


def irq_time_accounted():
    for path in ("/proc/config.gz", f"/boot/config-{os.uname().release}"):
        try:
            opener = gzip.open if path.endswith(".gz") else open
            with opener(path, "rt") as f:
                return "CONFIG_IRQ_TIME_ACCOUNTING=y\n" in f.read()
        except OSError:
            continue
    return False


def irq_ns(cpus):
    """irq and softirq time of @cpus so far, in ns (USER_HZ ticks in /proc/stat)."""
    total = 0
    with open("/proc/stat") as f:
        for line in f:
            name, *fields = line.split()
            if name.startswith("cpu") and name[3:].isdigit() and int(name[3:]) in cpus:
                total += int(fields[5]) + int(fields[6])
    return total * 1e9 / os.sysconf("SC_CLK_TCK")


def workers(sender):
    """trafgen's processes, and ksoftirqd of the CPUs its bound worker runs on."""
    pids = subprocess.run(["ip", "netns", "pids", sender], capture_output=True, text=True,
                          check=True).stdout.split()
    gen = [p for p in pids if comm(p) == "trafgen"]
    cpus = set()
    for p in gen:
        mask = os.sched_getaffinity(int(p))
        if len(mask) == 1:
            cpus |= mask
    if not cpus:
        sys.exit("forward_window: no trafgen worker bound to one CPU")
    names = {f"ksoftirqd/{c}" for c in cpus}
    return gen + [p for p in os.listdir("/proc") if p.isdigit() and comm(p) in names], cpus


def main():
    secs, dev, other, sender = float(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    start = sent(dev) + sent(other)
    for _ in range(100):  # trafgen sets up its ring first
        if sent(dev) + sent(other) > start:
            break
        time.sleep(0.05)
    time.sleep(0.1)
    work, cpus = workers(sender)
    irq = irq_ns if irq_time_accounted() else lambda cpus: 0

    def used():
        return sum(map(runtime, work)) + irq(cpus)

    t0, c0, o0, w0 = time.monotonic(), sent(dev), sent(other), used()
    time.sleep(secs)
    t1, c1, o1, w1 = time.monotonic(), sent(dev), sent(other), used()
    n = c1 - c0
    print(f"{n / (t1 - t0):.0f} {(w1 - w0) / max(n, 1):.1f} {o1 - o0} "
          f"{(w1 - w0) / 1e9 / (t1 - t0):.2f}")


if __name__ == "__main__":
    main()
