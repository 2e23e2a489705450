#!/usr/bin/env python3
"""Renders the kustomize overlays offline and validates every object.

  check_k8s.py [OVERLAY ...]     default: every k8s/overlays/*; renders each with
                                 `kubectl kustomize` (no flags: the default load restrictor)
  check_k8s.py --objects FILE    validates already rendered objects (multi-document YAML)

Each object is validated against the reduced schema of its apiVersion/kind
(schemas/k8s-objects.schema.yaml; any other kind is refused), then against the
platform's rules (DESIGN.md section 8, issue 16):
  - the six services, each the right kind: a Deployment for the stateless
    webhook-ingress, a StatefulSet for every service that owns partitions and
    a store; each with readiness (/readyz) and liveness (/healthz) probes,
    cpu+memory requests and a memory limit, non-root, read-only root
    filesystem, no privilege escalation; a Service with port `http`, a PDB
    and NetworkPolicies selecting its pods (default deny first);
  - an HPA for webhook-ingress and telemetry-ingest that targets them;
  - no Secret objects and no secret values in env (secrets by name only);
  - one KafkaTopic per topic of proto-schemas/topics.json (partitions agree,
    cluster label names the Kafka); a ServiceMonitor and PrometheusRules;
    every dashboard ConfigMap holds JSON.
Exit 1 listing every problem.
"""
import json
import pathlib
import re
import subprocess
import sys

import jsonschema
import yaml

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]
KUBECTL = "/usr/bin/kubectl"
SERVICES = {
    "webhook-ingress": "Deployment", "order": "StatefulSet", "factory-adapter": "StatefulSet",
    "ota-engine": "StatefulSet", "telemetry-ingest": "StatefulSet", "notification": "StatefulSet",
}
AUTOSCALED = {"webhook-ingress", "telemetry-ingest"}
SECRETISH = re.compile(r"(SECRET|TOKEN|PASSWORD|API_KEY|KEYS)", re.I)


def render(overlay: pathlib.Path) -> list:
    out = subprocess.run([KUBECTL, "kustomize", str(overlay)], capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"kubectl kustomize {overlay} failed:\n{out.stderr}")
    return [o for o in yaml.safe_load_all(out.stdout) if o]


def selects(selector: dict, labels: dict) -> bool:
    for k, v in (selector.get("matchLabels") or {}).items():
        if labels.get(k) != v:
            return False
    for e in selector.get("matchExpressions") or []:
        has, val = e["key"] in labels, labels.get(e["key"])
        op = e["operator"]
        if (op == "In" and val not in e.get("values", [])) or (op == "NotIn" and val in e.get("values", [])) \
                or (op == "Exists" and not has) or (op == "DoesNotExist" and has):
            return False
    return True


def validate(objects: list) -> list:
    doc = yaml.safe_load((HERE / "schemas" / "k8s-objects.schema.yaml").read_text())
    problems = []
    for o in objects:
        kind_key = f"{o.get('apiVersion')}/{o.get('kind')}"
        name = f"{o.get('kind')}/{(o.get('metadata') or {}).get('name')}"
        schema = doc["kinds"].get(kind_key)
        if schema is None:
            problems.append(f"{name}: no schema for {kind_key} (unknown or unexpected kind)")
            continue
        full = dict(schema, **{"$defs": doc["$defs"]})
        for e in jsonschema.Draft202012Validator(full).iter_errors(o):
            problems.append(f"{name}: {'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}")
    if problems:
        return problems
    return problems + rules(objects)


def rules(objects: list) -> list:
    p = []
    by_kind = {}
    for o in objects:
        by_kind.setdefault(o["kind"], []).append(o)
    workloads = {o["metadata"]["name"]: o for k in ("Deployment", "StatefulSet") for o in by_kind.get(k, [])}
    for svc, kind in SERVICES.items():
        w = workloads.get(svc)
        if w is None:
            p.append(f"{svc}: no workload")
            continue
        if w["kind"] != kind:
            p.append(f"{svc}: is a {w['kind']}, should be a {kind}")
        pod = w["spec"]["template"]
        labels = pod["metadata"].get("labels", {})
        spec = pod["spec"]
        if not selects(w["spec"]["selector"], labels):
            p.append(f"{svc}: selector does not match its pod labels")
        psc = spec.get("securityContext", {})
        if psc.get("runAsNonRoot") is not True:
            p.append(f"{svc}: pod securityContext.runAsNonRoot is not true")
        for c in spec["containers"]:
            where = f"{svc}/{c['name']}"
            if (c.get("readinessProbe") or {}).get("httpGet", {}).get("path") != "/readyz":
                p.append(f"{where}: no readiness probe on /readyz")
            if (c.get("livenessProbe") or {}).get("httpGet", {}).get("path") != "/healthz":
                p.append(f"{where}: no liveness probe on /healthz")
            res = c.get("resources") or {}
            if not {"cpu", "memory"} <= set(res.get("requests", {})) or "memory" not in res.get("limits", {}):
                p.append(f"{where}: needs cpu+memory requests and a memory limit")
            sc = c.get("securityContext") or {}
            if sc.get("readOnlyRootFilesystem") is not True or sc.get("allowPrivilegeEscalation") is not False:
                p.append(f"{where}: needs readOnlyRootFilesystem true and allowPrivilegeEscalation false")
            for e in c.get("env", []):
                if SECRETISH.search(e["name"]) and not e["name"].endswith("_FILE") and "value" in e:
                    p.append(f"{where}: env {e['name']} carries a secret value; mount a Secret and use *_FILE")
        if not any(s["spec"]["selector"] == {k: v for k, v in labels.items() if k == "app.kubernetes.io/name"}
                   and any(port.get("name") == "http" for port in s["spec"]["ports"])
                   for s in by_kind.get("Service", [])):
            p.append(f"{svc}: no Service selecting it with a port named http")
        if not any(selects(d["spec"]["selector"], labels) for d in by_kind.get("PodDisruptionBudget", [])):
            p.append(f"{svc}: no PodDisruptionBudget")
        policies = [n for n in by_kind.get("NetworkPolicy", []) if selects(n["spec"]["podSelector"], labels)]
        if not any(n["spec"].get("policyTypes") == ["Ingress", "Egress"] and not n["spec"].get("ingress")
                   and not n["spec"].get("egress") for n in policies):
            p.append(f"{svc}: no default-deny NetworkPolicy selects it")
        hpas = [h for h in by_kind.get("HorizontalPodAutoscaler", []) if h["spec"]["scaleTargetRef"]["name"] == svc]
        if svc in AUTOSCALED:
            if not hpas:
                p.append(f"{svc}: no HorizontalPodAutoscaler")
            for h in hpas:
                if h["spec"]["scaleTargetRef"]["kind"] != w["kind"]:
                    p.append(f"{svc}: HPA targets a {h['spec']['scaleTargetRef']['kind']}")
    for h in by_kind.get("HorizontalPodAutoscaler", []):
        if h["spec"].get("minReplicas", 1) > h["spec"]["maxReplicas"]:
            p.append(f"HPA {h['metadata']['name']}: minReplicas > maxReplicas")
    if by_kind.get("Secret"):
        p.append("Secret objects in the manifests: secrets are created out of band and referenced by name")
    kafkas = {k["metadata"]["name"] for k in by_kind.get("Kafka", [])}
    if len(kafkas) != 1:
        p.append(f"expected one Strimzi Kafka, found {len(kafkas)}")
    topics = {t["spec"].get("topicName", t["metadata"]["name"]): t for t in by_kind.get("KafkaTopic", [])}
    table = json.loads((ROOT / "proto-schemas" / "topics.json").read_text())["topics"]
    for t in table:
        kt = topics.get(t["name"])
        if kt is None:
            p.append(f"no KafkaTopic for {t['name']}")
            continue
        if kt["spec"]["partitions"] != t["partitions"]:
            p.append(f"KafkaTopic {t['name']}: {kt['spec']['partitions']} partitions, the table says {t['partitions']}")
        if kt["metadata"]["labels"].get("strimzi.io/cluster") not in kafkas:
            p.append(f"KafkaTopic {t['name']}: strimzi.io/cluster does not name the Kafka")
    if not by_kind.get("ServiceMonitor"):
        p.append("no ServiceMonitor")
    if not by_kind.get("PrometheusRule"):
        p.append("no PrometheusRule")
    dashboards = [c for c in by_kind.get("ConfigMap", []) if c["metadata"].get("labels", {}).get("grafana_dashboard")]
    if not dashboards:
        p.append("no dashboard ConfigMaps (label grafana_dashboard)")
    for c in dashboards:
        for key, text in (c.get("data") or {}).items():
            try:
                json.loads(text)
            except ValueError:
                p.append(f"ConfigMap {c['metadata']['name']}: {key} is not JSON")
    return p


def main(argv) -> int:
    if argv[:1] == ["--objects"]:
        sets = {argv[1]: [o for o in yaml.safe_load_all(pathlib.Path(argv[1]).read_text()) if o]}
    else:
        overlays = [pathlib.Path(a) for a in argv] or sorted(p for p in (ROOT / "k8s" / "overlays").iterdir() if p.is_dir())
        sets = {}
        for o in overlays:
            try:
                sets[str(o)] = render(o)
            except RuntimeError as e:
                print(e, file=sys.stderr)
                return 1
    bad = 0
    for name, objects in sets.items():
        problems = validate(objects)
        for p in problems:
            print(f"{name}: {p}", file=sys.stderr)
        bad += bool(problems)
        if not problems:
            print(f"{name}: {len(objects)} objects valid")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
