#!/usr/bin/python3
"""A wedged or hostile wireguard-go: serves a UAPI socket that never gives a proper reply.

  uapi_hostile.py SOCKET flood|drip [--drip-every S]

flood: answers every request with an endless reply (lines that never end with the blank
       line), as fast as the client reads.
drip:  answers with one byte every --drip-every seconds, forever.

Each connection is logged on stdout when it ends: "conn N mode sent=BYTES end=REASON".
"""
import argparse
import os
import socket
import sys
import threading
import time

count = 0
lock = threading.Lock()


def serve(conn, n, opts):
    sent, reason = 0, "?"
    try:
        conn.settimeout(5)
        req = b""
        while b"\n\n" not in req:
            chunk = conn.recv(4096)
            if not chunk:
                raise ConnectionError("closed before the request ended")
            req += chunk
        print(f"conn {n} {opts.mode} request={req.split(b'=')[0].decode(errors='replace')}", flush=True)
        if opts.mode == "flood":
            conn.settimeout(30)
            line = b"protocol_version=1\n" * 3449    # ~64 KiB
            while True:     # send(), not sendall(): count every byte the kernel took
                sent += conn.send(line)
        else:
            while True:
                conn.sendall(b"p")
                sent += 1
                time.sleep(opts.drip_every)
    except (OSError, ConnectionError) as e:
        reason = type(e).__name__
    finally:
        conn.close()
        print(f"conn {n} {opts.mode} sent={sent} end={reason}", flush=True)


def main():
    global count
    ap = argparse.ArgumentParser()
    ap.add_argument("socket")
    ap.add_argument("mode", choices=("flood", "drip"))
    ap.add_argument("--drip-every", type=float, default=2.0)
    opts = ap.parse_args()
    try:
        os.unlink(opts.socket)
    except FileNotFoundError:
        pass
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(opts.socket)
    srv.listen(16)
    print(f"listening on {opts.socket} ({opts.mode})", flush=True)
    while True:
        conn, _ = srv.accept()
        with lock:
            count += 1
            n = count
        threading.Thread(target=serve, args=(conn, n, opts), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
