#!/usr/bin/env python3
"""Write a benchmark configuration for `wgpolicy check`.

Usage: gen.py OUT_DIR PEERS PREFIXES

OUT_DIR/wg0.conf    one interface with PEERS peers (distinct keys, AllowedIPs, names)
OUT_DIR/policy.conf one policy sending @big via wg0, and [Set big] File = big.txt
OUT_DIR/big.txt     PREFIXES distinct prefixes, one a line, 3/4 IPv4 and 1/4 IPv6

The configuration is valid (check exits 0 with no warning), so the whole
path is measured: read, parse, validate, lint. Deterministic: the same
arguments give the same files, keys included.
"""
import base64
import ipaddress
import os
import random
import sys


def key(rng):
    # Canonical base64 of 32 bytes: 43 characters and '=', as `wg genkey` prints.
    return base64.b64encode(rng.randbytes(32)).decode()


def interface(rng, peers):
    out = [
        "[Interface]",
        f"PrivateKey = {key(rng)}",
        "Address = 10.200.0.1/16, fd00:200::1/64",
        "DNS = 10.200.0.53",
        "ListenPort = 51820",
        "",
    ]
    seen = set()
    for i in range(peers):
        pub = key(rng)
        assert pub not in seen
        seen.add(pub)
        if i == 0:  # the exit: carries everything the policy sends
            allowed = "0.0.0.0/0, ::/0"
        else:
            allowed = f"10.200.{i >> 8}.{i & 255}/32, fd00:200::{i:x}/128"
        out += [
            "[Peer]",
            f"Name = peer{i}",
            f"PublicKey = {pub}",
            f"PresharedKey = {key(rng)}",
            f"Endpoint = 198.51.{100 + (i >> 8)}.{i & 255}:{51820 + i}",
            f"AllowedIPs = {allowed}",
            "PersistentKeepalive = 25",
            "",
        ]
    return "\n".join(out)


def prefixes(rng, n):
    v4 = n * 3 // 4
    seen = set()
    out = []
    while len(out) < n:
        if len(out) < v4:
            plen = rng.choice((16, 20, 22, 24, 24, 24, 28, 32))
            net = ipaddress.IPv4Network((rng.getrandbits(32), plen), strict=False)
        else:
            plen = rng.choice((32, 40, 48, 48, 56, 64))
            net = ipaddress.IPv6Network((rng.getrandbits(128), plen), strict=False)
        if net not in seen:
            seen.add(net)
            out.append(str(net))
    return "\n".join(out) + "\n"


def main():
    out_dir, peers, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    rng = random.Random(f"wgpolicy-bench-{peers}-{n}")
    os.makedirs(out_dir, exist_ok=True)
    wg0 = os.path.join(out_dir, "wg0.conf")
    with open(wg0, "w") as f:
        f.write(interface(rng, peers))
    os.chmod(wg0, 0o600)  # else check warns that the PrivateKey is world accessible
    with open(os.path.join(out_dir, "policy.conf"), "w") as f:
        f.write("[Policy big]\nTo = @big\nVia = wg0\nKillSwitch = yes\n\n"
                "[Set big]\nFile = big.txt\n")
    with open(os.path.join(out_dir, "big.txt"), "w") as f:
        f.write(f"# {n} prefixes\n" + prefixes(rng, n))


if __name__ == "__main__":
    main()
