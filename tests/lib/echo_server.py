#!/usr/bin/python3
"""Backend stand-in: answers TCP and UDP on PORT with '<name> <peer-ip> <payload>'.
echo_server.py NAME PORT [ADDRESS]: bound to ADDRESS (default all), so UDP replies leave
from the address they were sent to."""
import socket, sys, threading

name, port = sys.argv[1], int(sys.argv[2])
addr = sys.argv[3] if len(sys.argv) > 3 else "0.0.0.0"

def tcp():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port)); s.listen(64)
    while True:
        c, peer = s.accept()
        try:
            c.settimeout(2)
            data = c.recv(1024)
            c.sendall(f"{name} tcp {peer[0]} {data.decode(errors='replace').strip()}\n".encode())
        except OSError:
            pass
        c.close()

def udp():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, port))
    while True:
        data, peer = s.recvfrom(2048)
        s.sendto(f"{name} udp {peer[0]} {data.decode(errors='replace').strip()}\n".encode(), peer)

threading.Thread(target=udp, daemon=True).start()
tcp()
