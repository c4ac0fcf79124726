#!/usr/bin/env python3
"""Write the configurations of the apply benchmark (bench/apply).

Usage: gen_apply.py OUT_DIR PREFIX

Interface names are PREFIX plus one letter (/var/run/wireguard is shared by
every network namespace, so the caller makes PREFIX unique). In OUT_DIR:

peers-N/IF.conf     N in 1000 and 10000: one interface, N peers (distinct keys,
                    one distinct /32 each), Table = off: only the device is set
peers-N/IF.wg       the same device as `wg setconf` reads it
peers-N/changed/    the same, but the middle peer has another AllowedIPs
endpoints/IF.conf   10000 peers as peers-10000, each with an Endpoint of its own
                    (10.200.0.0/14), and no MTU: one path MTU to ask per peer
routes/IF.conf      100 peers of 100 /32 each, Table = 1234: 10000 owned routes
routes/off/IF.conf  the same with Table = off: the device without its routes
routes/changed/     the same as routes/, but one prefix of the middle peer moved
routes/add.batch    `ip -batch` input adding the same 10000 routes
set/IF.conf         one peer carrying 0.0.0.0/0, Table = off, and set/policy.conf:
                    To = @big, Via = IF, KillSwitch = no, [Set big] of 10000
                    /32 in set/big.txt: 10000 routes in the policy's table
                    and no change to the device when the set changes
set/changed/        the same, but one prefix of the set replaced
up/IF.conf          an ordinary wg-quick file: Address, one peer, one route

Keys are generated as `wg genkey` does (clamped), so that the device reads
back as written; the files are the same for the same PREFIX.
"""
import base64
import os
import random
import sys

ADDRESS = "10.99.0.1/16"
MTU = 1420
PORT = 51999


def b64(k):
    return base64.b64encode(bytes(k)).decode()


def private_key(rng):
    k = bytearray(rng.randbytes(32))
    k[0] &= 248
    k[31] = (k[31] & 127) | 64
    return b64(k)


def public_key(rng):
    k = bytearray(rng.randbytes(32))
    k[31] &= 127
    return b64(k)


def host(i):
    """The i-th /32 of 10.100.0.0/14."""
    return f"10.{100 + (i >> 16)}.{(i >> 8) & 255}.{i & 255}/32"


def interface(priv, table):
    lines = ["[Interface]", f"PrivateKey = {priv}", f"ListenPort = {PORT}"]
    if table is not None:
        lines += [f"Address = {ADDRESS}", f"MTU = {MTU}", f"Table = {table}"]
    return lines + [""]


def peer(pub, allowed, endpoint=None):
    lines = ["[Peer]", f"PublicKey = {pub}", "AllowedIPs = " + ", ".join(allowed)]
    return lines + ([f"Endpoint = {endpoint}:51820"] if endpoint else []) + [""]


def write(path, lines):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write("\n".join(lines))
    os.chmod(path, 0o600)  # else check warns that the PrivateKey is world accessible


def device(rng, groups, table, endpoints=None):
    """Lines of one interface whose peers carry @groups of prefixes (at @endpoints)."""
    lines = interface(private_key(rng), table)
    for i, allowed in enumerate(groups):
        lines += peer(public_key(rng), allowed, endpoints[i] if endpoints else None)
    return lines


def peers(out, name, n):
    rng = random.Random(f"wgpolicy-bench-peers-{n}")
    groups = [[host(i)] for i in range(n)]
    state = rng.getstate()
    write(f"{out}/{name}.conf", device(rng, groups, "off"))
    rng.setstate(state)
    write(f"{out}/{name}.wg", device(rng, groups, None))
    rng.setstate(state)
    groups[n // 2] = [host(n + 1)]
    write(f"{out}/changed/{name}.conf", device(rng, groups, "off"))


def with_endpoints(out, name, n):
    rng = random.Random(f"wgpolicy-bench-endpoints-{n}")
    ends = [f"10.{200 + (i >> 16)}.{(i >> 8) & 255}.{i & 255}" for i in range(n)]
    lines = device(rng, [[host(i)] for i in range(n)], "off", ends)
    write(f"{out}/{name}.conf", [line for line in lines if not line.startswith("MTU")])


def routes(out, name, n_peers, per_peer):
    rng = random.Random(f"wgpolicy-bench-routes-{n_peers}x{per_peer}")
    groups = [[host(p * per_peer + i) for i in range(per_peer)] for p in range(n_peers)]
    state = rng.getstate()
    write(f"{out}/{name}.conf", device(rng, groups, "1234"))
    rng.setstate(state)
    write(f"{out}/off/{name}.conf", device(rng, groups, "off"))
    with open(f"{out}/add.batch", "w") as f:
        for g in groups:
            f.writelines(f"route add {h} dev {name} table 1234\n" for h in g)
    rng.setstate(state)
    groups[n_peers // 2][0] = host(n_peers * per_peer + 1)
    write(f"{out}/changed/{name}.conf", device(rng, groups, "1234"))


def dest_set(out, name, n):
    rng = random.Random(f"wgpolicy-bench-set-{n}")
    dev = device(rng, [["0.0.0.0/0"]], "off")
    policy = ["[Policy big]", "To = @big", f"Via = {name}", "KillSwitch = no", "",
              "[Set big]", "File = big.txt", ""]
    hosts = [host(i) for i in range(n)]
    for d in (out, f"{out}/changed"):
        write(f"{d}/{name}.conf", dev)
        write(f"{d}/policy.conf", policy)
        write(f"{d}/big.txt", hosts + [""])
        hosts[n // 2] = host(n + 1)


def up(out, name):
    rng = random.Random("wgpolicy-bench-up")
    write(f"{out}/{name}.conf", [
        "[Interface]",
        f"PrivateKey = {private_key(rng)}",
        "Address = 10.98.0.2/24",
        "",
        "[Peer]",
        f"PublicKey = {public_key(rng)}",
        "Endpoint = 192.0.2.1:51820",
        "AllowedIPs = 10.98.0.0/24",
        "PersistentKeepalive = 25",
        "",
    ])


def main():
    out, prefix = sys.argv[1], sys.argv[2]
    for n in (1000, 10000):
        peers(f"{out}/peers-{n}", prefix + "p", n)
    with_endpoints(f"{out}/endpoints", prefix + "e", 10000)
    routes(f"{out}/routes", prefix + "r", 100, 100)
    dest_set(f"{out}/set", prefix + "s", 10000)
    up(f"{out}/up", prefix + "u")


if __name__ == "__main__":
    main()
