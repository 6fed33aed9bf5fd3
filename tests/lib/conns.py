#!/usr/bin/python3
"""conns.py HOST PORT N: opens N TCP connections one after another and holds them; prints
how many connected (a refused or dropped one times out after 1.5 s)."""
import socket, sys

host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
held, ok = [], 0
for _ in range(n):
    try:
        held.append(socket.create_connection((host, port), timeout=1.5))
        ok += 1
    except OSError:
        pass
print(ok)
