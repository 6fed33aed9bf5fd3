#!/usr/bin/python3
"""http_clients.py PORT DIR N: opens N connections to 127.0.0.1:PORT that send nothing,
writes DIR/connected, waits for DIR/go, then sends a request on the first (byte by byte)
and writes the answer to DIR/answer ("closed" if the server closed it first)."""
import os, socket, sys, time

port, d, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
conns = [socket.create_connection(('127.0.0.1', port), timeout=10) for _ in range(n)]
open(os.path.join(d, 'connected'), 'w').close()
while not os.path.exists(os.path.join(d, 'go')):
    time.sleep(0.05)
answer = b''
try:
    for b in b'GET /metrics HTTP/1.0\r\n\r\n':
        conns[0].sendall(bytes([b]))
        time.sleep(0.01)
    while True:
        chunk = conns[0].recv(65536)
        if not chunk:
            break
        answer += chunk
except OSError as e:
    answer = f'error {e}'.encode()
with open(os.path.join(d, 'answer'), 'wb') as f:
    f.write(answer or b'closed')
