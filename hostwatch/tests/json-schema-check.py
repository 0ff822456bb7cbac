#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# The part of JSON Schema our schemas use (type, enum, required, properties,
# additionalProperties: false, items, minimum, pattern), python3's stdlib only.
# usage: json-schema-check.py SCHEMA [FILE]   (FILE or stdin); exit 0 valid, 1 not.
import json
import re
import sys

TYPES = {"object": dict, "array": list, "string": str, "boolean": bool, "null": type(None)}


def type_ok(v, t):
    if t == "integer":
        return isinstance(v, int) and not isinstance(v, bool)
    if t == "number":
        return isinstance(v, (int, float)) and not isinstance(v, bool)
    return isinstance(v, TYPES[t])


def check(v, s, path, errors):
    if "type" in s:
        ts = s["type"] if isinstance(s["type"], list) else [s["type"]]
        if not any(type_ok(v, t) for t in ts):
            errors.append(f"{path}: {json.dumps(v)} is not of type {s['type']}")
            return
    if "enum" in s and v not in s["enum"]:
        errors.append(f"{path}: {json.dumps(v)} is not one of {s['enum']}")
    if "minimum" in s and isinstance(v, (int, float)) and v < s["minimum"]:
        errors.append(f"{path}: {v} < {s['minimum']}")
    if "pattern" in s and isinstance(v, str) and not re.search(s["pattern"], v):
        errors.append(f"{path}: {v!r} does not match {s['pattern']}")
    if isinstance(v, dict):
        for k in s.get("required", []):
            if k not in v:
                errors.append(f"{path}: '{k}' is missing")
        props = s.get("properties", {})
        for k, sub in v.items():
            if k in props:
                check(sub, props[k], f"{path}.{k}", errors)
            elif s.get("additionalProperties", True) is False:
                errors.append(f"{path}: '{k}' is not allowed")
    if isinstance(v, list) and "items" in s:
        for i, sub in enumerate(v):
            check(sub, s["items"], f"{path}[{i}]", errors)


def main():
    schema = json.load(open(sys.argv[1]))
    doc = json.load(open(sys.argv[2]) if len(sys.argv) > 2 else sys.stdin)
    errors = []
    check(doc, schema, "$", errors)
    for e in errors:
        print(e, file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
