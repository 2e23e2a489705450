#!/usr/bin/env python3
"""Checks Grafana dashboards offline against the reduced dashboard schema.

  check_dashboards.py [FILE ...]   default: every deploy/grafana/*.dashboard.json

Beyond the schema (tests/ops/schemas/grafana-dashboard.schema.json): panel
ids unique, refIds unique per panel, panels inside the 24-column grid and not
overlapping, and every ${var} a panel uses defined in templating. Exit 1 with
every problem otherwise.
"""
import json
import pathlib
import re
import sys

import jsonschema

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SCHEMA = json.loads((HERE / "schemas" / "grafana-dashboard.schema.json").read_text())


def problems_of(dashboard) -> list:
    validator = jsonschema.Draft202012Validator(SCHEMA)
    found = [f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}" for e in validator.iter_errors(dashboard)]
    if found:
        return found
    variables = {v["name"] for v in dashboard["templating"]["list"]}
    ids, cells = set(), {}
    for p in dashboard["panels"]:
        where = f"panel {p['id']} '{p['title']}'"
        if p["id"] in ids:
            found.append(f"{where}: duplicate panel id")
        ids.add(p["id"])
        g = p["gridPos"]
        if g["x"] + g["w"] > 24:
            found.append(f"{where}: x + w = {g['x'] + g['w']} > 24")
        for x in range(g["x"], min(24, g["x"] + g["w"])):
            for y in range(g["y"], g["y"] + g["h"]):
                if (x, y) in cells:
                    found.append(f"{where}: overlaps panel {cells[(x, y)]}")
                    break
                cells[(x, y)] = p["id"]
            else:
                continue
            break
        refs = [t["refId"] for t in p["targets"]]
        if len(refs) != len(set(refs)):
            found.append(f"{where}: duplicate refId")
        used = set(re.findall(r"\$\{(\w+)\}", json.dumps(p["datasource"])))
        for t in p["targets"]:
            used |= set(re.findall(r"\$\{?(\w+)\}?", t["expr"]))
        for v in sorted(used - variables - {"__interval", "__rate_interval", "__range"}):
            found.append(f"{where}: uses ${v}, not defined in templating")
    return found


def main(argv) -> int:
    files = [pathlib.Path(a) for a in argv] or sorted((ROOT / "deploy" / "grafana").glob("*.dashboard.json"))
    bad = 0
    for f in files:
        try:
            dashboard = json.loads(f.read_text())
        except ValueError as e:
            print(f"{f.name}: not JSON: {e}", file=sys.stderr)
            bad += 1
            continue
        found = problems_of(dashboard)
        for p in found:
            print(f"{f.name}: {p}", file=sys.stderr)
        bad += bool(found)
    if not bad:
        print(f"{len(files)} dashboards valid")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
