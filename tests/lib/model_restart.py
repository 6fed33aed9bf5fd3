#!/usr/bin/python3
"""model_restart.py SEED STEPS: drives a real agent and broker through a seeded random
sequence of publishes, changes, deletes, bad updates, node and group objects, conflicts,
kill -9, restarts with and without the broker, broker restarts with and without its
retained messages, and table flushes. A small reference model of the contract
(topics/README.md) predicts the data plane and the statuses; the live nftables maps and
the Traefik directory are compared with it after every step, the retained statuses after
every resync. Prints PASS/FAIL lines; a failure names the seed and step to replay.

Environment: EDGE (network namespace), T_TMP (work directory), AGENT (binary)."""
import hashlib
import json
import os
import random
import re
import select
import shutil
import signal
import subprocess
import sys
import time

import yaml

NS, TMP, AGENT = os.environ['EDGE'], os.environ['T_TMP'], os.environ['AGENT']
NAMES = ['gw1', 'g1', 'g2']          # the node, then its groups in precedence order
FWD_IDS = ['f0', 'f1', 'f2', 'f3', 'f4']
ROUTE_IDS = ['r0', 'r1', 'r2', 'r3']
PORTS = [(22015, 'tcp'), (22016, 'tcp'), (22017, 'tcp'), (22015, 'udp')]
HOSTS = ['a.example.com', 'b.example.com', 'c.example.com']
EPS = ['websecure', 'websecure', 'web2']
FENCE = ('forward', 'gw1', 'zfence')  # a refused object whose status says "done so far"
DATA, DYN = os.path.join(TMP, 'gw1', 'data'), os.path.join(TMP, 'gw1', 'dynamic')
LOG = os.path.join(TMP, 'gw1.log')


def sh(*args, check=True, **kw):
    return subprocess.run(['ip', 'netns', 'exec', NS] + list(args), check=check,
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, **kw)


# ---- the reference model ----

def claim_key(spec):
    if spec[0] == 'forward':
        return f'{spec[2]}/{spec[1]}'
    return f'host/{spec[3]}/{spec[1]}'


class Slot:
    def __init__(self, kind, oid):
        self.kind, self.id = kind, oid
        self.entries = {}          # source index -> [spec or None, error or None, seq]
        self.want = None           # (source, spec, seq)
        self.claim = None
        self.waiting = None
        self.applied = False
        self.status = None         # (state, source, serving_previous, holder id or None)

    def rank(self):
        """(source, arrival, id) of the object this id would serve, None if none."""
        cand = next((i for i in sorted(self.entries) if self.entries[i][0] is not None), None)
        return None if cand is None else (cand, self.entries[cand][2], self.id)


class Model:
    """The contract, written from topics/README.md: precedence, then arrival rank, then id."""

    def __init__(self):
        self.broker = {}           # (kind, source name, id) -> payload
        self.seen = {}             # what the agent last received for each key
        self.slots = {}
        self.holders = {}
        self.seq = 0

    def slot(self, kind, oid):
        return self.slots.setdefault((kind, oid), Slot(kind, oid))

    def put(self, kind, src, oid, payload, seq=0):
        s = self.slot(kind, oid)
        spec = parse(kind, payload)
        e = s.entries.setdefault(src, [None, None, 0])
        if spec is None:
            e[1] = 'bad'
        else:
            key = claim_key(spec)
            if e[0] is not None and claim_key(e[0]) == key:
                pass
            elif s.claim == key and s.want and s.want[0] == src:
                e[2] = s.want[2]
            elif seq:
                e[2] = seq
            else:
                self.seq += 1
                e[2] = self.seq
            e[0], e[1] = spec, None
        return s

    def delete(self, kind, src, oid):
        s = self.slots.get((kind, oid))
        if s and src in s.entries:
            del s.entries[src]
            return s
        return None

    def release(self, s, dirty):
        if s.claim:
            del self.holders[s.claim]
            dirty.update(w for w in self.slots.values() if w.waiting == s.claim)
            s.claim = None

    def resolve_one(self, s, dirty):
        srcs = sorted(s.entries)
        top = srcs[0] if srcs else None
        cand = next((i for i in srcs if s.entries[i][0] is not None), None)
        s.waiting = None
        state = None if top is None else ('rejected' if s.entries[top][1] else 'applied')
        source, holder_id = top, None
        if cand is None:
            self.release(s, dirty)
            s.want = None
        else:
            spec, seq = s.entries[cand][0], s.entries[cand][2]
            key = claim_key(spec)
            h = self.holders.get(key)
            # a free port goes to the best of those asking for it: a better waiter goes first
            better = [(w.rank(), w) for w in self.slots.values() if w is not s and w.waiting == key
                      and w.rank() and claim_key(w.entries[w.rank()[0]][0]) == key
                      and w.rank() < (cand, seq, s.id)]
            blocker = None if h is s or not better else min(better, key=lambda x: x[0])[1]
            if blocker:
                dirty.add(blocker)
            elif h and h is not s and (cand, seq, s.id) < (h.want[0], h.want[2], h.id):
                h.claim = None
                del self.holders[key]
                dirty.add(h)
                h = None
            if h and h is not s:
                blocker = h
            if not blocker:
                if h is s and (s.want[0], s.want[2]) != (cand, seq):
                    dirty.update(w for w in self.slots.values() if w.waiting == key)
                if s.claim != key:
                    self.release(s, dirty)
                self.holders[key] = s
                s.claim, s.want = key, (cand, spec, seq)
            else:
                state, source, holder_id = 'rejected', cand, blocker.id
                if not (s.claim and s.applied and s.want and s.want[0] in s.entries
                        and s.entries[s.want[0]][0] is not None):
                    self.release(s, dirty)
                    s.want = None
                s.waiting = key
        s.status = None if state is None else \
            (state, NAMES[source], state == 'rejected' and s.want is not None, holder_id)

    def resolve(self, dirty):
        dirty = set(dirty)
        while dirty:
            s = min(dirty, key=lambda x: (x.kind, x.id))
            dirty.discard(s)
            self.resolve_one(s, dirty)
        for key, s in list(self.slots.items()):
            s.applied = s.want is not None
            if not s.entries and not s.want:
                del self.slots[key]

    def live(self, kind, src, oid, payload):
        """A publish the agent receives as it happens."""
        self.offline(kind, src, oid, payload)
        self.receive(kind, src, oid, payload, 0)

    def offline(self, kind, src, oid, payload):
        """A publish only the broker sees (the agent is down)."""
        if payload is None:
            self.broker.pop((kind, NAMES[src], oid), None)
        else:
            self.broker[(kind, NAMES[src], oid)] = payload

    def receive(self, kind, src, oid, payload, seq):
        k = (kind, NAMES[src], oid)
        if payload is None:
            self.seen.pop(k, None)
            s = self.delete(kind, src, oid)
        else:
            self.seen[k] = payload
            s = self.put(kind, src, oid, payload, seq)
        if s:
            self.resolve([s])

    def restart(self):
        """kill -9: only what the agent saved survives (bad payloads are not saved)."""
        for k in list(self.seen):
            if parse(k[0], self.seen[k]) is None:
                del self.seen[k]
        for s in self.slots.values():
            for src in list(s.entries):
                if s.entries[src][0] is None:
                    del s.entries[src]
                else:
                    s.entries[src][1] = None
        self.resolve(list(self.slots.values()))

    def replay(self):
        """A (re)connect: the broker replays its retained messages, then the sweep."""
        self.seq += 1
        replay_seq, dirty = self.seq, []
        for k, payload in sorted(self.broker.items()):
            if self.seen.get(k) != payload or parse(k[0], payload) is None:
                self.seen[k] = payload
                dirty.append(self.put(k[0], NAMES.index(k[1]), k[2], payload, replay_seq))
        self.resolve(dirty)
        for k in [k for k in self.seen if k not in self.broker]:
            del self.seen[k]
        dirty = []
        for (kind, oid), s in list(self.slots.items()):
            for src in [i for i in s.entries if (kind, NAMES[i], oid) not in self.broker]:
                del s.entries[src]
                dirty.append(s)
        self.resolve(dirty)

    def dataplane(self):
        fwd, routes = set(), {}
        for s in self.slots.values():
            if not s.want:
                continue
            src, spec = NAMES[s.want[0]], s.want[1]
            if spec[0] == 'forward':
                fwd.add((spec[2], spec[1], spec[3], spec[4]))
            else:
                routes[f'edge-agent.{src}.{s.id}.yml'] = (spec[1], spec[2], spec[3])
        return fwd, routes

    def statuses(self):
        return {(s.kind, s.id): s.status for s in self.slots.values() if s.status}


def parse(kind, payload):
    """The spec of a payload this test generated, None if it is one of its bad ones."""
    d = json.loads(payload)
    if kind == 'forward':
        if d['public_port'] == 22 or not isinstance(d['public_port'], int) or \
                not d['target_ip'].startswith('10.60.0.'):
            return None
        return ('forward', d['public_port'], d.get('proto', 'tcp'), d['target_ip'], d['target_port'])
    if not re.match(r'^http://10\.60\.0\.\d+:\d+$', d['target_url']) or d['hostname'] != d['hostname'].lower():
        return None
    return ('route', d['hostname'], d['target_url'], d.get('entrypoint', 'websecure'))


def payload(rng, kind, bad):
    if kind == 'forward':
        port, proto = rng.choice(PORTS)
        d = {'public_port': port, 'target_ip': f'10.60.0.{rng.randint(1, 9)}',
             'target_port': rng.randint(1, 65535), 'proto': proto}
        if bad:
            d.update(rng.choice([{'public_port': 22}, {'target_ip': '192.0.2.5'}, {'public_port': '80x'}]))
    else:
        d = {'hostname': rng.choice(HOSTS), 'target_url': f'http://10.60.0.{rng.randint(1, 9)}:{rng.randint(1, 65535)}',
             'entrypoint': rng.choice(EPS)}
        if bad:
            d.update(rng.choice([{'target_url': 'http://backend:80'}, {'hostname': 'UPPER.example.com'}]))
    return json.dumps(d)


# ---- the real parts ----

class World:
    def __init__(self, seed):
        self.seed, self.agent, self.broker, self.sub = seed, None, None, None
        self.fence_n = 0
        self.conf = os.path.join(TMP, 'model-mosquitto.conf')
        self.pdir = os.path.join(TMP, 'broker')
        os.makedirs(self.pdir, exist_ok=True)
        subprocess.run(['chown', 'mosquitto', self.pdir], stderr=subprocess.DEVNULL)
        with open(self.conf, 'w') as f:
            f.write(f'listener 1883 127.0.0.1\nallow_anonymous true\nmax_queued_messages 100000\n'
                    f'persistence true\npersistence_location {self.pdir}/\nautosave_interval 1\n')

    def broker_start(self, wipe=False):
        if wipe:
            for name in os.listdir(self.pdir):
                os.unlink(os.path.join(self.pdir, name))
        self.broker = subprocess.Popen(['ip', 'netns', 'exec', NS, 'mosquitto', '-c', self.conf],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            if sh('mosquitto_sub', '-t', 'x', '-C', '1', '-W', '1', '-E', check=False).returncode == 0:
                break
            time.sleep(0.05)
        # mirrors the broker's retained statuses: those at subscription, then every change
        self.sub = subprocess.Popen(['ip', 'netns', 'exec', NS, 'stdbuf', '-oL', 'mosquitto_sub', '-v',
                                     '-t', 'edge/gw1/status/+/+'],
                                    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.sub_buf = b''
        self.retained = {}

    def pump(self, timeout):
        """Reads what the status subscriber printed; False once it has ended."""
        r, _, _ = select.select([self.sub.stdout], [], [], timeout)
        if not r:
            return True
        chunk = os.read(self.sub.stdout.fileno(), 65536)
        self.sub_buf += chunk
        *lines, self.sub_buf = self.sub_buf.split(b'\n')
        for line in lines:
            topic, _, body = line.decode().partition(' ')
            if body and body != '(null)':   # how mosquitto_sub -v prints an empty payload
                self.retained[topic] = body
            else:
                self.retained.pop(topic, None)
        return bool(chunk)

    def broker_stop(self):
        for p in (self.sub, self.broker):
            p.terminate()
            p.wait()

    def agent_start(self, broker=True):
        env = ['env', '-i', f'PATH={os.environ["PATH"]}', 'NODE_ID=gw1', 'EDGE_GROUPS=g1,g2',
               f'DATA_DIR={DATA}', f'TRAEFIK_DYNAMIC_DIR={DYN}', 'SYNC_QUIET_MS=300',
               'ALLOWED_TARGETS=10.60.0.0/24', 'DELETE_GUARD_MIN=100000', 'LOG_LEVEL=debug',
               'MQTT_URL=mqtt://127.0.0.1:' + ('1883' if broker else '1884')]
        os.makedirs(DATA, exist_ok=True)
        os.makedirs(DYN, exist_ok=True)
        with open(LOG, 'a') as log:
            self.agent = subprocess.Popen(['ip', 'netns', 'exec', NS] + env + [AGENT],
                                          stdout=log, stderr=log)

    def agent_kill(self):
        self.agent.send_signal(signal.SIGKILL)
        self.agent.wait()

    def pub(self, kind, src, oid, payload):
        topic = f'edge/{src}/{kind}s/{oid}'
        args = ['-n'] if payload is None else ['-m', payload]
        sh('mosquitto_pub', '-q', '1', '-r', '-t', topic, *args)

    def syncs(self):
        try:
            return open(LOG).read().count('retained replay complete')
        except FileNotFoundError:
            return 0

    def wait_sync(self, before):
        return wait(lambda: self.syncs() > before, 20)

    def fence(self, model):
        """Publishes the fence again and waits for its status: all before it is done."""
        self.fence_n += 1
        p = json.dumps({'public_port': 22, 'target_ip': '10.60.0.1', 'target_port': self.fence_n})
        digest = hashlib.sha256(p.encode()).hexdigest()[:16]
        self.pub(*FENCE, p)
        model.live(FENCE[0], 0, FENCE[2], p)
        end = time.time() + 20
        while time.time() < end:
            if digest in self.retained.get('edge/gw1/status/forwards/zfence', ''):
                return True
            if not self.pump(0.5):
                return False
        return False

    def dataplane(self):
        fwd = set()
        for proto in ('tcp', 'udp'):
            out = sh('nft', 'list', 'map', 'inet', 'edge_agent', f'fwd_{proto}', check=False).stdout
            for port, ip, tport in re.findall(r'(\d+) : ([\d.]+) \. (\d+)', out):
                fwd.add((proto, int(port), ip, int(tport)))
        routes = {}
        for name in os.listdir(DYN):
            if not name.startswith('edge-agent.') or not name.endswith('.yml'):
                continue
            try:
                doc = yaml.safe_load(open(os.path.join(DYN, name)))['http']
                router = next(iter(doc['routers'].values()))
                host = re.match(r'Host\(`([^`]*)`\)', router['rule']).group(1)
                url = next(iter(doc['services'].values()))['loadBalancer']['servers'][0]['url']
                routes[name] = (host, url, router['entryPoints'][0])
            except Exception as e:  # a file the agent should never leave half-written
                routes[name] = ('unreadable', str(e), '')
        return fwd, routes

    def statuses(self):
        got = {}
        for topic, body in self.retained.items():
            _, _, _, kinds, oid = topic.split('/')
            d = json.loads(body)
            m = re.search(r'is held by (?:forward|route) ([a-z0-9_-]+)', d.get('error', ''))
            got[(kinds[:-1], oid)] = (d['state'], d.get('source'), d.get('serving_previous', False),
                                      m.group(1) if m else None)
        return got


def wait(cond, seconds):
    end = time.time() + seconds
    while True:
        if cond():
            return True
        if time.time() > end:
            return False
        time.sleep(0.1)


def diff(want, got):
    lines = []
    for k in sorted(set(want) | set(got), key=str):
        w, g = (want.get(k), got.get(k)) if isinstance(want, dict) else (k in want, k in got)
        if w != g:
            lines.append(f'    {k}: model {w}, live {g}')
    return '\n'.join(lines)


def run(seed, steps):
    rng, model, world = random.Random(seed), Model(), World(seed)
    failures = []
    log = []

    def fail(step, what, detail=''):
        if os.environ.get('MODEL_TRACE'):   # the whole sequence and the model's slots
            print('\n'.join(log), file=sys.stderr)
            for k, sl in sorted(model.slots.items()):
                print(f'  model {k}: entries {sl.entries} want {sl.want} status {sl.status}',
                      file=sys.stderr)
        failures.append(f'seed {seed} step {step} ({" / ".join(log[-3:])}): {what}\n{detail}')
        return False

    def check_dataplane(step):
        want = model.dataplane()
        if os.environ.get('MODEL_TRACE') == '2':
            print(f'{step} model forwards {sorted(want[0])}', file=sys.stderr)
        if wait(lambda: world.dataplane() == want, 10):
            return True
        got = world.dataplane()
        return fail(step, 'data plane differs from the model',
                    diff(want[0], got[0]) + '\n' + diff(want[1], got[1]))

    def check_statuses(step):
        if not world.fence(model):
            return fail(step, 'no status for the fence after the resync')
        want, got = model.statuses(), world.statuses()
        return want == got or fail(step, 'retained statuses differ from the model', diff(want, got))

    def resync(step, before):
        if not world.wait_sync(before):
            return fail(step, 'no resync')
        model.replay()
        return check_statuses(step) and check_dataplane(step)

    shutil.rmtree(os.path.join(TMP, 'gw1'), ignore_errors=True)
    sh('nft', 'flush', 'ruleset', check=False)
    world.broker_start(wipe=True)
    before = world.syncs()
    world.agent_start()
    if not world.wait_sync(before):
        return [f'seed {seed} step 0: the agent never synced'], 0
    model.replay()
    kills = 0
    for step in range(1, steps + 1):
        r = rng.random()
        kind = rng.choice(['forward', 'route'])
        src = rng.choice([0, 0, 1, 2])
        oid = rng.choice(FWD_IDS if kind == 'forward' else ROUTE_IDS)
        if r < 0.55:
            p = payload(rng, kind, False)
            log.append(f'{step}: publish {kind} {NAMES[src]}/{oid} {p}')
            world.pub(kind, NAMES[src], oid, p)
            model.live(kind, src, oid, p)
        elif r < 0.65:
            p = payload(rng, kind, True)
            log.append(f'{step}: bad update {kind} {NAMES[src]}/{oid} {p}')
            world.pub(kind, NAMES[src], oid, p)
            model.live(kind, src, oid, p)
        elif r < 0.77:
            log.append(f'{step}: delete {kind} {NAMES[src]}/{oid}')
            world.pub(kind, NAMES[src], oid, None)
            model.live(kind, src, oid, None)
        elif r < 0.83:
            n = rng.randint(0, 3)
            log.append(f'{step}: kill -9, {n} publish(es) while down, restart with the broker')
            world.agent_kill()
            kills += 1
            for _ in range(n):
                k2 = rng.choice(['forward', 'route'])
                s2, o2 = rng.choice([0, 1, 2]), rng.choice(FWD_IDS if k2 == 'forward' else ROUTE_IDS)
                p = None if rng.random() < 0.3 else payload(rng, k2, rng.random() < 0.2)
                log.append(f'{step}:   while down: {k2} {NAMES[s2]}/{o2} {p}')
                world.pub(k2, NAMES[s2], o2, p)
                model.offline(k2, s2, o2, p)
            model.restart()
            before = world.syncs()
            world.agent_start()
            if not resync(step, before):
                break
            continue
        elif r < 0.87:
            log.append(f'{step}: kill -9, broker stopped, table flushed, restart without the broker')
            world.agent_kill()
            kills += 1
            world.broker_stop()
            sh('nft', 'flush', 'ruleset')
            model.restart()
            world.agent_start(broker=False)
            if not check_dataplane(step):
                break
            world.agent_kill()
            world.broker_start()
            before = world.syncs()
            world.agent_start()
            if not resync(step, before):
                break
            continue
        elif r < 0.90:
            log.append(f'{step}: broker restart, retained messages kept')
            before = world.syncs()
            world.broker_stop()
            world.broker_start()
            if not resync(step, before):
                break
            continue
        elif r < 0.93:
            log.append(f'{step}: broker restart without its retained messages; state published again')
            world.agent.send_signal(signal.SIGSTOP)
            world.broker_stop()
            world.broker_start(wipe=True)
            items = sorted(model.broker.items())
            rng.shuffle(items)
            for (k2, s2, o2), p in items:
                world.pub(k2, s2, o2, p)
            before = world.syncs()
            world.agent.send_signal(signal.SIGCONT)
            if not resync(step, before):
                break
            continue
        else:
            how = rng.choice([['flush', 'ruleset'], ['delete', 'table', 'inet', 'edge_agent']])
            log.append(f'{step}: nft {" ".join(how)}')
            sh('nft', *how, check=False)
            if not check_dataplane(step):
                break
            continue
        if not world.fence(model):
            fail(step, 'no status for the fence')
            break
        if not check_dataplane(step):
            break
    world.agent_kill()
    world.broker_stop()
    return failures, kills


def main():
    seed, steps = int(sys.argv[1]), int(sys.argv[2])
    try:
        failures, kills = run(seed, steps)
    except Exception as e:  # the harness itself: still a failure of this seed, replayable
        failures, kills = [f'seed {seed}: the test itself failed: {e!r}'], 0
        for p in subprocess.run(['ip', 'netns', 'pids', NS], stdout=subprocess.PIPE,
                                text=True).stdout.split():
            os.kill(int(p), signal.SIGKILL)
    name = f'model seed {seed}, {steps} steps ({kills} kill -9)'
    if failures:
        print(f'FAIL {name}: {failures[0].splitlines()[0]}')
        print('\n'.join(failures[0].splitlines()[1:]))
        print(f'  replay: MODEL_SEEDS={seed} MODEL_STEPS={steps} bash tests/integration/model_restart.sh')
        sys.exit(1)
    print(f'PASS {name}')


if __name__ == '__main__':
    main()
