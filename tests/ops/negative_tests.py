#!/usr/bin/env python3
"""Negative tests of the ops checkers: each must refuse broken input.

  negative_tests.py alert-tests CHECKER    (check_alert_tests.py)
  negative_tests.py dashboards CHECKER     (check_dashboards.py)
  negative_tests.py k8s CHECKER            (check_k8s.py)

Each mode builds broken variants of valid input in a scratch directory, runs
the checker on each and fails unless the valid input passes and every broken
variant is refused (exit 1).
"""
import copy
import json
import pathlib
import shutil
import subprocess
import sys
import tempfile

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]


def run(cmd) -> int:
    return subprocess.run([sys.executable, *map(str, cmd)], capture_output=True, text=True).returncode


def expect(results) -> int:
    failures = 0
    for what, want, got in results:
        ok = (got == 0) == (want == "accepted")
        print(f"{'ok ' if ok else 'FAIL'} {what}: {want} (exit {got})")
        failures += not ok
    return 1 if failures else 0


def alert_tests(checker, tmp: pathlib.Path) -> int:
    results = []
    prom = tmp / "prometheus"
    shutil.copytree(ROOT / "deploy" / "prometheus", prom)
    results.append(("the real rules", "accepted", run([checker, prom])))
    rules = prom / "order.rules.yml"
    doc = yaml.safe_load(rules.read_text())
    doc["groups"][-1]["rules"].append({"alert": "UntestedAlert", "expr": "vector(1)", "labels": {"severity": "info"}})
    rules.write_text(yaml.safe_dump(doc))
    results.append(("an alert without a test case", "refused", run([checker, prom])))
    shutil.copy(ROOT / "deploy" / "prometheus" / "order.rules.yml", rules)
    (prom / "order.rules.test.yml").unlink()
    results.append(("a rules file without a test file", "refused", run([checker, prom])))
    return expect(results)


def dashboards(checker, tmp: pathlib.Path) -> int:
    good = json.loads((ROOT / "deploy" / "grafana" / "platform-overview.dashboard.json").read_text())

    def variant(name, change):
        d = copy.deepcopy(good)
        change(d)
        path = tmp / f"{name}.dashboard.json"
        path.write_text(json.dumps(d))
        return path

    cases = {
        "no title": lambda d: d.pop("title"),
        "schemaVersion a string": lambda d: d.update(schemaVersion="38"),
        "panel without type": lambda d: d["panels"][0].pop("type"),
        "unknown panel type": lambda d: d["panels"][0].update(type="graphz"),
        "panel wider than the grid": lambda d: d["panels"][1]["gridPos"].update(w=30),
        "panel past the right edge": lambda d: d["panels"][1]["gridPos"].update(x=20, w=12),
        "gridPos without h": lambda d: d["panels"][1]["gridPos"].pop("h"),
        "target without expr": lambda d: d["panels"][2]["targets"][0].pop("expr"),
        "target without refId": lambda d: d["panels"][2]["targets"][0].pop("refId"),
        "duplicate panel ids": lambda d: d["panels"][3].update(id=d["panels"][2]["id"]),
        "overlapping panels": lambda d: d["panels"][3].update(gridPos=dict(d["panels"][2]["gridPos"])),
        "undefined variable": lambda d: d["panels"][2]["targets"][0].update(expr="up{job=\"$service\"}"),
        "no panels": lambda d: d.update(panels=[]),
        "uid too long": lambda d: d.update(uid="x" * 41),
    }
    results = [("a generated dashboard", "accepted", run([checker, variant("good", lambda d: None)]))]
    for name, change in cases.items():
        results.append((name, "refused", run([checker, variant(name.replace(" ", "-"), change)])))
    broken = tmp / "not-json.dashboard.json"
    broken.write_text("{\"title\": ")
    results.append(("not JSON", "refused", run([checker, broken])))
    return expect(results)


def k8s(checker, tmp: pathlib.Path) -> int:
    import check_k8s  # noqa: E402  (beside this file)

    objects = check_k8s.render(ROOT / "k8s" / "overlays" / "dev")

    def variant(name, kind, change):
        objs = copy.deepcopy(objects)
        target = next(o for o in objs if o["kind"] == kind)
        change(target)
        path = tmp / f"{name}.yaml"
        path.write_text(yaml.safe_dump_all(objs))
        return path

    def drop_probe(o):
        o["spec"]["template"]["spec"]["containers"][0].pop("readinessProbe")

    def root_user(o):
        o["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"] = False

    def secret_value(o):
        o["spec"]["template"]["spec"]["containers"][0]["env"].append({"name": "CAAS_IOT_API_TOKEN", "value": "s3cret"})

    def stateful_to_deployment(o):
        o["kind"] = "Deployment"
        o["spec"].pop("serviceName")
        o["spec"].pop("volumeClaimTemplates", None)
        o["spec"].pop("podManagementPolicy", None)

    cases = [
        ("Deployment without replicas type", "Deployment", lambda o: o["spec"].update(replicas="two")),
        ("container without readiness probe", "StatefulSet", drop_probe),
        ("container without resources", "Deployment",
         lambda o: o["spec"]["template"]["spec"]["containers"][0].pop("resources")),
        ("pod allowed to run as root", "StatefulSet", root_user),
        ("KafkaTopic with replicas 0", "KafkaTopic", lambda o: o["spec"].update(replicas=0)),
        ("KafkaTopic without its cluster label", "KafkaTopic", lambda o: o["metadata"].pop("labels")),
        ("PrometheusRule without groups", "PrometheusRule", lambda o: o["spec"].pop("groups")),
        ("ServiceMonitor without endpoints", "ServiceMonitor", lambda o: o["spec"].pop("endpoints")),
        ("HPA with maxReplicas below minReplicas", "HorizontalPodAutoscaler",
         lambda o: o["spec"].update(minReplicas=5, maxReplicas=2)),
        ("Secret with data in the manifests", "ConfigMap",
         lambda o: o.update(kind="Secret", data={"token": "czNjcmV0"})),
        ("unknown kind", "Service", lambda o: o.update(kind="Servicee")),
        ("PDB without selector", "PodDisruptionBudget", lambda o: o["spec"].pop("selector")),
        ("a secret value in env", "StatefulSet", secret_value),
        ("a partition-owning service as a Deployment", "StatefulSet", stateful_to_deployment),
    ]
    good = tmp / "good.yaml"
    good.write_text(yaml.safe_dump_all(objects))
    results = [("the rendered dev overlay", "accepted", run([checker, "--objects", good]))]
    for name, kind, change in cases:
        results.append((name, "refused", run([checker, "--objects", variant(name.replace(" ", "-"), kind, change)])))
    return expect(results)


def main() -> int:
    mode, checker = sys.argv[1], pathlib.Path(sys.argv[2])
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
    with tempfile.TemporaryDirectory(prefix="caas-ops-negative-") as tmp:
        return {"alert-tests": alert_tests, "dashboards": dashboards, "k8s": k8s}[mode](checker, pathlib.Path(tmp))


if __name__ == "__main__":
    sys.exit(main())
