#!/usr/bin/python3
"""state_cache.py DATA_DIR: reads DATA_DIR/state.json and state.journal the way the agent
does (the journal's records over the snapshot's, a final line without its newline ignored),
checks every complete line is JSON, and prints "<kind> <number of ids with an object>" for
forward and route. Exit 1 if a line is not JSON or the version line is wrong."""
import json, os, sys

def records(path, snapshot):
    try:
        data = open(path, 'rb').read()
    except FileNotFoundError:
        return []
    lines = data.split(b'\n')[:-1]
    out = []
    for i, line in enumerate(lines):
        rec = json.loads(line)
        if snapshot and i == 0:
            if rec.get('version') != 2:
                raise ValueError(f'{path}: version {rec.get("version")!r}')
            continue
        out.append(rec)
    return out

def load(d):
    state = {}
    for rec in records(os.path.join(d, 'state.json'), True) + \
            records(os.path.join(d, 'state.journal'), False):
        state[(rec['kind'], rec['id'])] = rec
    return {k: r for k, r in state.items() if r.get('entries') or r.get('serving')}

if __name__ == '__main__':
    try:
        state = load(sys.argv[1])
    except ValueError as e:
        print(f'unreadable: {e}', file=sys.stderr)
        sys.exit(1)
    for kind in ('forward', 'route'):
        print(kind, sum(1 for k in state if k[0] == kind))
