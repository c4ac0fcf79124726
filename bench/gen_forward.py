#!/usr/bin/env python3
"""Write the configurations and packets of the forwarding benchmark (bench/forward).

Usage: gen_forward.py OUT_DIR IFNAME ROUTER_MAC SENDER_MAC SIZE...

The set of SIZE prefixes is the first SIZE of one shuffled list of /24s of
10.0.0.0/8 (even third octets only, so that no two merge into one interval
in nftables), so each set holds the smaller ones. In OUT_DIR:

base/IFNAME.conf        the router's tunnel (Table = off, one peer carrying
                        0.0.0.0/0, no endpoint) and no policy
dst-N/, src-N/          the same tunnel, and policy.conf: To = @set or
                        From = @set, Via = IFNAME, [Set set] File = set.txt
                        (the default kill switch: routes and nftables guard)
dst-routes-N/, src-routes-N/
                        the same with KillSwitch = routes
naive-dst-N/, naive-src-N/
                        add.batch and del.batch for `ip -batch`: one rule per
                        prefix, `to P` or `from P`, lookup NAIVE_TABLE
miss.trafgen            16 UDP packets that match no set: from and to the odd
                        /24 beside a set prefix (the lookups go deep)
match.trafgen           16 UDP packets from a set prefix to another one
env                     shell assignments: MATCH_DST (the /24 match.trafgen
                        sends to), NAIVE_TABLE, NAIVE_PREF

The files are the same for the same arguments.
"""
import ipaddress
import os
import random
import sys

from gen_apply import private_key, public_key, write

NAIVE_TABLE = 200
NAIVE_PREF = 20000
FLOWS = 16


def prefixes():
    """Every even /24 of 10.0.0.0/8, shuffled: the sets are its first N."""
    rng = random.Random("wgpolicy-bench-forward")
    nets = [ipaddress.ip_network(f"10.{i >> 8}.{i & 255}.0/24") for i in range(0, 1 << 16, 2)]
    rng.shuffle(nets)
    return nets


def tunnel(name):
    rng = random.Random("wgpolicy-bench-forward-keys")
    write(f"{name}.conf", [
        "[Interface]",
        f"PrivateKey = {private_key(rng)}",
        "Table = off",
        "",
        "[Peer]",
        f"PublicKey = {public_key(rng)}",
        "AllowedIPs = 0.0.0.0/0",
        "",
    ])


def policy(out, ifname, key, nets, killswitch=None):
    tunnel(f"{out}/{ifname}")
    write(f"{out}/policy.conf", [
        "[Policy bench]",
        f"{key} = @set",
        f"Via = {ifname}",
        *([f"KillSwitch = {killswitch}"] if killswitch else []),
        "",
        "[Set set]",
        "File = set.txt",
        "",
    ])
    with open(f"{out}/set.txt", "w") as f:
        f.writelines(f"{n}\n" for n in nets)


def naive(out, selector, nets):
    os.makedirs(out, exist_ok=True)
    for verb in ("add", "del"):
        with open(f"{out}/{verb}.batch", "w") as f:
            f.writelines(f"rule {verb} {selector} {n} lookup {NAIVE_TABLE} pref {NAIVE_PREF}\n"
                         for n in nets)


def checksum(header):
    s = sum((header[i] << 8) | header[i + 1] for i in range(0, len(header), 2))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def frame(router_mac, sender_mac, src, dst):
    """A minimum Ethernet frame: IPv4, UDP 4000 -> 5000, 18 bytes of zeros."""
    ip = [0x45, 0, 0, 46, 0, 0, 0x40, 0, 64, 17, 0, 0] + list(src.packed) + list(dst.packed)
    c = checksum(ip)
    ip[10:12] = [c >> 8, c & 0xFF]
    udp = [0x0F, 0xA0, 0x13, 0x88, 0, 26, 0, 0]  # checksum 0: none (RFC 768)
    mac = [int(b, 16) for b in router_mac.split(":") + sender_mac.split(":")]
    return mac + [0x08, 0x00] + ip + udp + [0] * 18


def packets(path, router_mac, sender_mac, src_net, dst_net):
    src = src_net.network_address + 2
    with open(path, "w") as f:
        for i in range(1, FLOWS + 1):
            b = frame(router_mac, sender_mac, src, dst_net.network_address + i)
            f.write("{ " + ", ".join(f"0x{x:02x}" for x in b) + " }\n")


def beside(net):
    """The odd /24 next to an even one: in no set, but deep in the same tries."""
    return ipaddress.ip_network(f"{net.network_address + 256}/24")


def main():
    out, ifname, router_mac, sender_mac = sys.argv[1:5]
    sizes = [int(n) for n in sys.argv[5:]]
    nets = prefixes()
    tunnel(f"{out}/base/{ifname}")
    for n in sizes:
        policy(f"{out}/dst-{n}", ifname, "To", nets[:n])
        policy(f"{out}/src-{n}", ifname, "From", nets[:n])
        policy(f"{out}/dst-routes-{n}", ifname, "To", nets[:n], "routes")
        policy(f"{out}/src-routes-{n}", ifname, "From", nets[:n], "routes")
        naive(f"{out}/naive-dst-{n}", "to", nets[:n])
        naive(f"{out}/naive-src-{n}", "from", nets[:n])
    packets(f"{out}/miss.trafgen", router_mac, sender_mac, beside(nets[0]), beside(nets[1]))
    packets(f"{out}/match.trafgen", router_mac, sender_mac, nets[0], nets[1])
    with open(f"{out}/env", "w") as f:
        f.write(f"MATCH_DST={nets[1]}\nNAIVE_TABLE={NAIVE_TABLE}\nNAIVE_PREF={NAIVE_PREF}\n")


if __name__ == "__main__":
    main()
