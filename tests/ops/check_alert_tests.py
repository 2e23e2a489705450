#!/usr/bin/env python3
"""Every alert of deploy/prometheus/*.rules.yml has a promtool test case.

A rules file X.rules.yml must have X.rules.test.yml beside it that loads it,
and every `alert:` of X must appear in that file's alert_rule_test with at
least one case that expects it to fire (non-empty exp_alerts). Exit 1 listing
what is missing. (promtool itself runs each test file: ops_prometheus_rules_*.)
"""
import pathlib
import sys

import yaml


def check(prom_dir: pathlib.Path) -> list:
    problems = []
    for rules in sorted(prom_dir.glob("*.rules.yml")):
        alerts = [r["alert"] for g in yaml.safe_load(rules.read_text())["groups"] for r in g["rules"] if "alert" in r]
        test = rules.with_name(rules.name.replace(".rules.yml", ".rules.test.yml"))
        if not test.exists():
            problems.append(f"{rules.name}: no {test.name}")
            continue
        doc = yaml.safe_load(test.read_text())
        if rules.name not in doc.get("rule_files", []):
            problems.append(f"{test.name}: does not load {rules.name}")
        fired = set()
        for case in doc.get("tests", []):
            for t in case.get("alert_rule_test", []) or []:
                if t.get("exp_alerts"):
                    fired.add(t["alertname"])
        for a in alerts:
            if a not in fired:
                problems.append(f"{rules.name}: alert {a} has no test case where it fires")
    return problems


def main() -> int:
    prom_dir = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parents[2] / "deploy" / "prometheus"
    problems = check(prom_dir)
    for p in problems:
        print(p, file=sys.stderr)
    if not problems:
        print(f"every alert in {prom_dir} has a firing test case")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
