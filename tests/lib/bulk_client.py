#!/usr/bin/python3
"""bulk_client.py HOST PORT UP DOWN: sends UP bytes to bulk_server.py, reads its answer;
prints "sent UP received N from <ip the server saw>" or "error: ..."."""
import socket, sys

host, port, up, down = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
try:
    s = socket.create_connection((host, port), timeout=10)
    s.sendall(f"{up} {down}\n".encode() + b"x" * up)
    data = bytearray()
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    line, _, rest = bytes(data).partition(b"\n")
    print(f"sent {up} received {len(rest)} from {line.decode(errors='replace')}")
except OSError as e:
    print(f"error: {e}")
