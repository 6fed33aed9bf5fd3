#!/usr/bin/python3
"""bulk_server.py PORT: per connection reads "UP DOWN\\n" and UP bytes, then answers
"<peer-ip>\\n" and DOWN bytes (large segments both ways, for MTU and MSS checks)."""
import socket, sys, threading

def serve(c, peer):
    try:
        c.settimeout(10)
        f = c.makefile("rb")
        up, down = (int(x) for x in f.readline().split())
        got = 0
        while got < up:
            chunk = f.read(min(65536, up - got))
            if not chunk:
                return
            got += len(chunk)
        c.sendall(f"{peer[0]}\n".encode() + b"y" * down)
    except (OSError, ValueError):
        pass
    finally:
        c.close()

s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1])))
s.listen(16)
while True:
    c, peer = s.accept()
    threading.Thread(target=serve, args=(c, peer), daemon=True).start()
