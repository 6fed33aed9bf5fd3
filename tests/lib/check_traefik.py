#!/usr/bin/python3
"""check_traefik.py FILE...: validate Traefik dynamic-config YAML files.

Each file must load as YAML and pass the SchemaStore Traefik v3 file-provider schema,
plus rules of Traefik's file provider that the schema does not know: no Go template
delimiters, no empty routers/services maps, and no empty mapping, list or null at all
(a router's `tls: {}` aside). Prints PASS/FAIL per file; exits 1 on
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


def check(path, validator):
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        doc = yaml.safe_load(text)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
        return [str(e).replace("\n", " ")]
    problems = list(traefik_problems(text, doc))
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
    failed = 0
    for path in paths:
        problems = check(path, validator)
        if problems:
            failed += 1
            print(f"FAIL {path}: {'; '.join(problems)}")
        else:
            print(f"PASS {path}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
