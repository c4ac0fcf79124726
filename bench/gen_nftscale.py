#!/usr/bin/env python3
"""Write the inputs of the foreign-ruleset benchmark (bench/nftscale).

Usage: gen_nftscale.py OUT_DIR IFACE

In OUT_DIR:

foreign-N.nft   N in 0, 1000, 10000: N rules in other programs' tables, as a
                busy host has them: half in `table inet fw` (a firewall: one
                chain per 500 rules, address and port matches), half in
                iptables-nft style tables (`ip filter`, `ip nat`, `ip mangle`,
                chains KUBE-SVC-*, native expressions as iptables-nft writes
                them). One rule in 50 uses marks the way kube-proxy (0x4000,
                0x8000), mwan3 (0x3f00) and Tailscale (0x00ff0000) do: set
                within a mask, matched under a mask, in the packet mark and
                the connection mark. None of them touches 0xff000000, the
                default FirewallMarkMask.
collide.nft     one table (`ip mangle-late`) whose rule deep in a chain sets
                0x01000000 within the mask 0xff000000: wgpolicy must refuse it.
conf/           IFACE (wireguard-go, Table = off, one peer) and one policy
                `User = 1001`, `Via = IFACE`: a marked policy.
conf-set/       the same plus a policy `To = @big` whose set holds 10,000
                prefixes (wgpolicy's own table then carries them).
The files are the same for the same arguments.
"""
import base64
import os
import random
import sys

SIZES = (0, 1000, 10000)

MARK_RULES = (
    "meta mark set meta mark | 0x00004000",                      # kube-proxy masquerade mark
    "meta mark & 0x00004000 == 0x00004000 counter",               # ... matched
    "meta mark set meta mark & 0xffffc0ff | 0x00000100",          # mwan3
    "ct mark set ct mark & 0xffffc0ff | 0x00000200",              # mwan3, conntrack
    "meta mark & 0x00003f00 == 0x00000200 counter accept",
    "meta mark set meta mark & 0xff00ffff | 0x00040000",          # Tailscale
    "meta mark & 0x00ff0000 == 0x00040000 counter accept",
    "ct mark & 0x00008000 != 0 counter drop",                     # kube-proxy drop mark
)


def rule(i):
    if i % 50 == 49:
        return MARK_RULES[(i // 50) % len(MARK_RULES)]
    a, b = i // 250 % 250, i % 250
    return f"ip saddr 10.{a}.{b}.0/24 tcp dport {1024 + i % 60000} counter accept"


def chains(prefix, first, n, per):
    out = []
    for c in range(0, n, per):
        body = "\n".join(f"\t\t{rule(first + i)}" for i in range(c, min(n, c + per)))
        out.append(f"\tchain {prefix}{c // per} {{\n{body}\n\t}}")
    return out


def hooked(name, hook, jumps):
    js = "\n".join(f"\t\tjump {j}" for j in jumps)
    return f"\tchain {name} {{\n\t\ttype filter hook {hook} priority 0; policy accept;\n{js}\n\t}}"


def table(family, name, prefix, hook, first, n, per):
    body = chains(prefix, first, n, per)
    jumps = [f"{prefix}{c}" for c in range(len(body))]
    body.append(hooked(hook.upper(), hook, jumps))
    return f"table {family} {name} {{\n" + "\n".join(body) + "\n}\n"


def foreign(n):
    half = n // 2
    rest = n - half
    out = [table("inet", "fw", "fw-", "input", 0, half, 500)]
    # iptables-nft style: kube-proxy's many small chains, spread over three tables.
    third = rest // 3
    for k, (name, hook) in enumerate((("filter", "forward"), ("nat", "output"),
                                      ("mangle", "prerouting"))):
        m = third if k < 2 else rest - 2 * third
        out.append(table("ip", name, "KUBE-SVC-", hook, half + k * third, m, 20))
    return "".join(out)


def key(rng):
    k = bytearray(rng.randbytes(32))
    k[0] &= 248
    k[31] = (k[31] & 127) | 64
    return base64.b64encode(bytes(k)).decode()


def write(path, text, mode=0o644):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)


def main():
    out, iface = sys.argv[1], sys.argv[2]
    rng = random.Random(7)
    for n in SIZES:
        write(f"{out}/foreign-{n}.nft", foreign(n))
    write(f"{out}/collide.nft", table("ip", "mangle-late", "late-", "prerouting", 0, 0, 1)
          .replace("\tchain PREROUTING", "\tchain deep {\n\t\tip saddr 10.1.1.0/24 counter\n"
                   "\t\tmeta mark set meta mark & 0x00ffffff | 0x01000000\n\t}\n\tchain PREROUTING")
          .replace("policy accept;\n", "policy accept;\n\t\tjump deep\n"))
    iface_conf = (f"[Interface]\nPrivateKey = {key(rng)}\nAddress = 10.66.0.2/24, fd66::2/64\nTable = off\n"
                  f"[Peer]\nPublicKey = {key(rng)}\nEndpoint = 192.0.2.1:51820\n"
                  "AllowedIPs = 0.0.0.0/0, ::/0\n")
    policy = f"[Policy user]\nUser = 1001\nVia = {iface}\n"
    write(f"{out}/conf/{iface}.conf", iface_conf, 0o600)
    write(f"{out}/conf/policy.conf", policy)
    write(f"{out}/conf-set/{iface}.conf", iface_conf, 0o600)
    write(f"{out}/conf-set/policy.conf",
          policy + f"\n[Policy big]\nTo = @big\nVia = {iface}\n\n[Set big]\nFile = big.txt\n")
    prefixes = sorted({(rng.randrange(1, 223), rng.randrange(256), rng.randrange(256))
                       for _ in range(12000)})[:10000]
    write(f"{out}/conf-set/big.txt", "".join(f"{a}.{b}.{c}.0/24\n" for a, b, c in prefixes))


main()
