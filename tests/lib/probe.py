#!/usr/bin/python3
"""probe.py tcp|udp HOST PORT [MESSAGE]: prints the reply; exit 1 on timeout or refusal."""
import socket, sys

proto, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
msg = (sys.argv[4] if len(sys.argv) > 4 else "hello").encode()
try:
    if proto == "tcp":
        s = socket.create_connection((host, port), timeout=2)
        s.sendall(msg + b"\n")
        print(s.recv(1024).decode().strip())
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(2)
        s.sendto(msg, (host, port))
        print(s.recvfrom(1024)[0].decode().strip())
except OSError as e:
    print(f"error: {e}", file=sys.stderr)
    sys.exit(1)
