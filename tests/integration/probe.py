# The lab's traffic, read from stdin (`python3 - ARGS < probe.py`) so that any uid can run it.
#   serve PORT...          TCP echo on every address (v4 and v6) of the namespace, until killed
#   tcp HOST PORT          connect, send a line, expect it back; prints the local address used
#   udp HOST PORT N        N datagrams, 20 ms apart, no answer expected
#   udpecho ADDR PORT      answer every datagram to ADDR:PORT with itself, until killed
#   ask HOST PORT          a datagram, and its echo back from HOST:PORT itself (as a resolver's
#                          answer must come back); prints the address that answered
# Every wait is bounded: a connection that hangs fails after 3 s.
import socket
import sys
import threading
import time


def serve(ports):
    def echo(conn):
        with conn:
            conn.settimeout(3)
            try:
                data = conn.recv(256)
                if data:
                    conn.sendall(data)
            except OSError:
                pass

    def accept_loop(s):
        while True:
            conn, _ = s.accept()
            threading.Thread(target=echo, args=(conn,), daemon=True).start()

    for port in ports:
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("::", port))
        s.listen(64)
        threading.Thread(target=accept_loop, args=(s,), daemon=True).start()
    print("ready", flush=True)
    while True:
        time.sleep(3600)


def family(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def echoed(kind, host, port, timeout, shown):
    """Send a line to HOST:PORT and expect it back; print the address shown(socket) gives."""
    with socket.socket(family(host), kind) as s:
        s.settimeout(timeout)
        s.connect((host, port))
        s.sendall(b"wgpolicy lab\n")
        data = s.recv(512)
        print(shown(s)[0])
        return 0 if data == b"wgpolicy lab\n" else 1


def tcp(host, port):
    return echoed(socket.SOCK_STREAM, host, port, 3, socket.socket.getsockname)


def udp(host, port, n):
    with socket.socket(family(host), socket.SOCK_DGRAM) as s:
        for _ in range(n):
            try:
                s.sendto(b"wgpolicy lab\n", (host, port))
            except OSError as e:  # a kill switch answers with unreachable: that is fine here
                print(e, file=sys.stderr)
            time.sleep(0.02)
    return 0


def udpecho(addr, port):
    with socket.socket(family(addr), socket.SOCK_DGRAM) as s:
        if family(addr) == socket.AF_INET6:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        s.bind((addr, port))
        print("ready", flush=True)
        while True:
            data, peer = s.recvfrom(512)
            s.sendto(data, peer)


def ask(host, port):
    # A connected datagram socket takes answers from HOST:PORT alone.
    return echoed(socket.SOCK_DGRAM, host, port, 2, socket.socket.getpeername)


def main(argv):
    cmd = argv[1]
    if cmd == "serve":
        serve([int(p) for p in argv[2:]])
    elif cmd == "tcp":
        return tcp(argv[2], int(argv[3]))
    elif cmd == "udp":
        return udp(argv[2], int(argv[3]), int(argv[4]))
    elif cmd == "udpecho":
        udpecho(argv[2], int(argv[3]))
    elif cmd == "ask":
        return ask(argv[2], int(argv[3]))
    print("usage: serve PORT... | tcp HOST PORT | udp HOST PORT N | udpecho ADDR PORT | "
          "ask HOST PORT", file=sys.stderr)
    return 2


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except OSError as e:
        print(e, file=sys.stderr)
        sys.exit(1)
