#!/usr/bin/python3
"""check_traefik.py FILE...: validate Traefik dynamic-config YAML files.

Each file must load as YAML and pass the SchemaStore Traefik v3 file-provider schema,
plus rules of Traefik's file provider that the schema does not know: no Go template
delimiters, no empty routers/services maps, and no empty mapping, list or null at all
(a router's `tls: {}` aside), and only keys that Traefik v3.6's reference dynamic file
has (the writer's own names aside). Prints PASS/FAIL per file; exits 1 on
any failure.
"""
import json
import os
import sys

import jsonschema
import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCHEMA = os.path.join(REPO, "..", "shared", "reference", "traefik",
                      "traefik-v3-file-provider.json")
REFERENCE = os.path.join(REPO, "..", "shared", "reference", "traefik",
                         "reference-dynamic-file.v3.6.yaml")
# names chosen by the writer: the level under these keys is any name
NAMED = {"routers", "services", "middlewares", "serversTransports",
         "customRequestHeaders", "customResponseHeaders"}


def named(path):
    return bool(path) and (path[-1] in NAMED or path[-2:] == ("healthCheck", "headers"))


def empties(v, path):
    """Empty mappings, lists and nulls: Traefik refuses some and freezes the provider;
    the one empty mapping with a meaning is a router's `tls: {}`."""
    if v is None or v == {} or v == []:
        if not (path.endswith(".tls") and v == {}):
            yield f"{path.lstrip('.') or '(top)'} is empty or null (leave the key out)"
    if isinstance(v, dict):
        for k, x in v.items():
            yield from empties(x, f"{path}.{k}")
    elif isinstance(v, list):
        for i, x in enumerate(v):
            yield from empties(x, f"{path}[{i}]")


def key_paths(v, path=(), out=None):
    """Every key path in a document, names under NAMED as '*' and list items as '[]'."""
    out = set() if out is None else out
    if isinstance(v, dict):
        for k, x in v.items():
            k = "*" if named(path) else str(k)
            out.add(path + (k,))
            key_paths(x, path + (k,), out)
    elif isinstance(v, list):
        for x in v:
            key_paths(x, path + ("[]",), out)
    return out


def unknown_keys(doc, known):
    """Keys Traefik v3.6's own reference file does not have: unknown keys freeze the provider."""
    for p in sorted(key_paths(doc) - known):
        yield "key " + ".".join(p) + " is not in Traefik v3.6's reference dynamic file"


def traefik_problems(text, doc):
    if "{{" in text or "}}" in text:
        yield "contains a Go template delimiter ('{{' or '}}')"
    for proto, section in (doc or {}).items():
        if not isinstance(section, dict):
            continue
        for key in ("routers", "services"):
            if key in section and not section[key]:
                yield f"{proto}.{key} is empty (Traefik rejects it; delete the file)"
    yield from empties(doc, "")


def check(path, validator, known):
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        doc = yaml.safe_load(text)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
        return [str(e).replace("\n", " ")]
    problems = list(traefik_problems(text, doc))
    problems += list(unknown_keys(doc, known))
    for err in sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path)):
        where = ".".join(str(p) for p in err.absolute_path) or "(top)"
        problems.append(f"{where}: {err.message}")
    return problems


def main(paths):
    if not paths:
        print("usage: check_traefik.py FILE...", file=sys.stderr)
        return 2
    with open(SCHEMA, encoding="utf-8") as f:
        schema = json.load(f)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    validator = cls(schema)
    with open(REFERENCE, encoding="utf-8") as f:
        known = key_paths(yaml.safe_load(f))
    failed = 0
    for path in paths:
        problems = check(path, validator, known)
        if problems:
            failed += 1
            print(f"FAIL {path}: {'; '.join(problems)}")
        else:
            print(f"PASS {path}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
