#!/usr/bin/python3
"""A stand-in for the user's own controller, for tests and demos (standard library only).

edge-agent does not ship a controller: the operator runs their own, which hands out mesh
addresses and tells every node about the others. This one implements the same join
protocol (topics/join.md) so the agent can be tested end to end:

  POST /join   X-Join-Token: <token>
               {"node_id": "edge-1", "public_key": "<base64>", "endpoint": "192.0.2.7:51820"}
  200          {"address": "10.50.0.2/24", "listen_port": 51820, "mtu": 1420,
                "peers": [{"public_key": ..., "allowed_ips": ["10.50.0.3/32"],
                           "endpoint": ..., "persistent_keepalive": 25}, ...]}
  400 bad body, 401 bad token, 409 key owned by another node, 503 pool exhausted
  (error bodies are one line of plain text).

Policy choices:
- The pool's first host address (10.50.0.1 in 10.50.0.0/24) is reserved for the
  controller's own side of the mesh; nodes get the lowest free address from the second on.
- Allocations are persisted to --state (JSON, replaced atomically), so a node keeps its
  address across re-joins and controller restarts.
- The same node_id with a new public key updates the node (key rotation: the operator
  removed DATA_DIR/wg.key); its address stays. A public key already registered to another
  node_id is refused with 409.
- "endpoint" is optional; each join replaces the stored one (absent: none). Every other
  registered node is returned as a peer: address/32 (or /128), endpoint if known.
- --fail-mode makes every request fail for tests: 500, slow (answers after --slow
  seconds), garbage (200 with a body that is not JSON), 401.
- --answer FILE plays a hostile controller: every valid join gets FILE's contents, as is.
"""
import argparse
import base64
import binascii
import hmac
import ipaddress
import json
import os
import re
import socket
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

NODE_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,62}\Z")
FIELDS = ("node_id", "public_key", "endpoint")
MAX_BODY = 65536


class Refused(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


def key_valid(s):
    if not isinstance(s, str) or len(s) != 44 or not s.endswith("=") or s.endswith("=="):
        return False
    try:
        raw = base64.b64decode(s, validate=True)
    except (binascii.Error, ValueError):
        return False
    return len(raw) == 32 and base64.b64encode(raw).decode() == s


def endpoint_valid(s):
    if not isinstance(s, str):
        return False
    m = re.fullmatch(r"\[([0-9a-fA-F:.]+)\]:(\d{1,5})|(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})", s)
    if not m:
        return False
    host, port = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
    try:
        addr = ipaddress.ip_address(host)
    except ValueError:
        return False
    return (addr.version == 6) == bool(m.group(1)) and 1 <= int(port) <= 65535


class Registry:
    """Nodes and their addresses, persisted to a JSON file."""

    def __init__(self, path, pool, keepalive):
        self.path = path
        self.pool = pool
        self.keepalive = keepalive
        self.lock = threading.Lock()
        self.nodes = {}
        if os.path.exists(path):
            with open(path) as f:
                state = json.load(f)
            if state.get("pool") != str(pool):
                sys.exit(f"controller: {path} was made for pool {state.get('pool')}, not {pool}")
            self.nodes = state.get("nodes", {})

    def save(self):
        tmp = self.path + ".tmp"
        with open(tmp, "w") as f:
            json.dump({"pool": str(self.pool), "nodes": self.nodes}, f, indent=1, sort_keys=True)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)
        fd = os.open(os.path.dirname(os.path.abspath(self.path)), os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def allocate(self):
        used = {n["address"] for n in self.nodes.values()}
        hosts = self.pool.hosts()
        next(hosts, None)  # the first host address is the controller's
        for addr in hosts:
            if str(addr) not in used:
                return str(addr)
        raise Refused(503, f"address pool {self.pool} is exhausted")

    def join(self, node_id, public_key, endpoint):
        with self.lock:
            for other, node in self.nodes.items():
                if other != node_id and node["public_key"] == public_key:
                    raise Refused(409, f'public_key is registered to node "{other}"')
            node = self.nodes.get(node_id)
            if node is None:
                node = {"address": self.allocate()}
            changed = dict(node, public_key=public_key, endpoint=endpoint)
            if changed != self.nodes.get(node_id):
                self.nodes[node_id] = changed
                self.save()
            return self.response(node_id)

    def response(self, node_id):
        me = self.nodes[node_id]
        host_bits = 32 if self.pool.version == 4 else 128
        peers = []
        for other, node in sorted(self.nodes.items(), key=lambda kv: ipaddress.ip_address(kv[1]["address"])):
            if other == node_id:
                continue
            peer = {"public_key": node["public_key"], "allowed_ips": [f"{node['address']}/{host_bits}"]}
            if node.get("endpoint"):
                peer["endpoint"] = node["endpoint"]
            if self.keepalive:
                peer["persistent_keepalive"] = self.keepalive
            peers.append(peer)
        return {"address": f"{me['address']}/{self.pool.prefixlen}", "listen_port": 51820,
                "mtu": 1420, "peers": peers}


def validate(body):
    try:
        req = json.loads(body)
    except (ValueError, UnicodeDecodeError) as e:
        raise Refused(400, f"body is not JSON: {e}")
    if not isinstance(req, dict):
        raise Refused(400, "body must be a JSON object")
    for k in req:
        if k not in FIELDS:
            raise Refused(400, f"unknown field {json.dumps(k)} (accepted: {', '.join(FIELDS)})")
    node_id, key, endpoint = req.get("node_id"), req.get("public_key"), req.get("endpoint")
    if not isinstance(node_id, str) or not NODE_ID.match(node_id):
        raise Refused(400, f"node_id {json.dumps(node_id)} is invalid (accepted: [a-z0-9][a-z0-9_-]{{0,62}})")
    if not key_valid(key):
        raise Refused(400, f"public_key {json.dumps(key)} is not a WireGuard key (accepted: 44 base64 characters ending in one '=')")
    if endpoint is not None and not endpoint_valid(endpoint):
        raise Refused(400, f"endpoint {json.dumps(endpoint)} is not host:port (accepted: IPv4:port or [IPv6]:port)")
    return node_id, key, endpoint


class Handler(BaseHTTPRequestHandler):
    server_version = "edge-controller-standin"

    def log_message(self, fmt, *args):
        sys.stderr.write("controller: %s %s\n" % (self.address_string(), fmt % args))

    def reply(self, status, body, ctype="text/plain; charset=utf-8"):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.reply(405 if self.path == "/join" else 404, "use POST /join\n")

    def do_POST(self):
        opts = self.server.opts
        if self.path != "/join":
            return self.reply(404, f"no such endpoint {self.path} (accepted: /join)\n")
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            return self.reply(411, "Content-Length is required\n")
        if length < 0 or length > MAX_BODY:
            return self.reply(413, f"body over {MAX_BODY} bytes\n")
        body = self.rfile.read(length)
        mode = opts.fail_mode
        if mode == "401":
            return self.reply(401, "join token refused (fail-mode 401)\n")
        if mode == "500":
            return self.reply(500, "internal error (fail-mode 500)\n")
        if mode == "garbage":
            return self.reply(200, "<html>this is not JSON {\n", "application/json")
        if mode == "slow":
            time.sleep(opts.slow)
        token = self.headers.get("X-Join-Token", "")
        if not hmac.compare_digest(token.encode(), opts.token.encode()):
            return self.reply(401, "invalid join token\n")
        try:
            node_id, key, endpoint = validate(body)
            if opts.answer:
                return self.reply(200, open(opts.answer, encoding="utf-8").read(), "application/json")
            resp = self.server.registry.join(node_id, key, endpoint)
        except Refused as e:
            return self.reply(e.status, f"{e}\n")
        self.reply(200, json.dumps(resp) + "\n", "application/json")


def listen_addr(text):
    m = re.fullmatch(r"\[([^\]]+)\]:(\d+)|([^:]+):(\d+)", text)
    if not m:
        raise argparse.ArgumentTypeError(f"{text} is not host:port")
    return (m.group(1), int(m.group(2))) if m.group(1) else (m.group(3), int(m.group(4)))


def main():
    ap = argparse.ArgumentParser(description="Controller stand-in: POST /join for edge-agent tests.")
    ap.add_argument("--listen", type=listen_addr, default=("127.0.0.1", 8443), help="host:port (default 127.0.0.1:8443)")
    ap.add_argument("--token", required=True, help="the join token nodes must send")
    ap.add_argument("--state", required=True, help="JSON file holding the allocations")
    ap.add_argument("--pool", type=ipaddress.ip_network, default=ipaddress.ip_network("10.50.0.0/24"))
    ap.add_argument("--keepalive", type=int, default=25, help="persistent_keepalive for peers (0: none)")
    ap.add_argument("--fail-mode", choices=("none", "500", "slow", "garbage", "401"), default="none")
    ap.add_argument("--slow", type=float, default=30.0, help="seconds --fail-mode slow waits")
    ap.add_argument("--answer", help="answer every valid join with this file, read afresh each "
                    "time (tests of hostile answers)")
    ap.add_argument("--tls-cert", help="serve HTTPS with this certificate chain (PEM)")
    ap.add_argument("--tls-key", help="private key of --tls-cert (PEM)")
    opts = ap.parse_args()

    host, port = opts.listen
    server_class = type("Server", (ThreadingHTTPServer,),
                        {"address_family": socket.AF_INET6 if ":" in host else socket.AF_INET})
    server = server_class((host, port), Handler)
    server.daemon_threads = True
    server.opts = opts
    server.registry = Registry(opts.state, opts.pool, opts.keepalive)
    scheme = "http"
    if opts.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(opts.tls_cert, opts.tls_key)
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
        scheme = "https"
    print(f"controller: listening on {scheme}://{opts.listen[0]}:{port} pool {opts.pool} "
          f"fail-mode {opts.fail_mode}", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
