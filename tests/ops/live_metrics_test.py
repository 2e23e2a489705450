#!/usr/bin/env python3
"""ops_live_metrics_exist: every metric a dashboard or alert rule uses is in a
live /metrics of the running services, and the local Prometheus scrapes them
all with every rule loaded.

  live_metrics_test.py --root DIR --build-dir DIR [--timeout S]

Starts `scripts/run-local --no-build` (its own broker, a block of free ports,
a scratch run directory) and waits for the demo to finish ("platform
running"), so every flow has put its series into the services. Then:
  1. scrapes /metrics of every service run-local started; a name counts as
     present when it has a sample or a `# TYPE` line (a family the service
     registered, e.g. a labelled counter nothing has incremented yet);
  2. collects every metric name the rules (deploy/prometheus/*.rules.yml) and
     dashboards (deploy/grafana/*.dashboard.json) use, with the parser of
     scripts/check-metric-names, minus the names recording rules define and
     the series Prometheus makes itself (up, ...), and fails listing those no
     service exports. ota_* names are required only when caas-ota-engine is
     built (until then the ota-engine contract stands in for them);
  3. asks the local Prometheus for its rules (every alert and recording rule of
     deploy/ loaded, none unhealthy), its targets (every service up) and a few
     recording rules' values over the live series (lag, processing rate,
     webhook success rate, HTTP p95).
Then stops run-local (SIGTERM: its trap stops everything it started).
"""
import argparse
import importlib.machinery
import importlib.util
import json
import os
import pathlib
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

import yaml

# The free block of ports: run_local_test.py's (the same offsets as run-local).
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "scripts"))
from run_local_test import free_port_base  # noqa: E402


def load_checker(root):
    path = str(root / "scripts" / "check-metric-names")
    loader = importlib.machinery.SourceFileLoader("check_metric_names", path)
    spec = importlib.util.spec_from_loader("check_metric_names", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def get(url, timeout=5):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.read().decode()


def used_names(root, checker):
    used, recorded = {}, set()
    for rules in sorted((root / "deploy" / "prometheus").glob("*.rules.yml")):
        doc = yaml.safe_load(rules.read_text())
        for g in doc["groups"]:
            for r in g["rules"]:
                if "record" in r:
                    recorded.add(r["record"])
                for n in checker.names_in(str(r["expr"])):
                    used.setdefault(n, rules.name)
    for dash in sorted((root / "deploy" / "grafana").glob("*.dashboard.json")):
        for panel in json.loads(dash.read_text())["panels"]:
            for t in panel.get("targets", []):
                for n in checker.names_in(t["expr"]):
                    used.setdefault(n, dash.name)
    return {n: w for n, w in used.items() if n not in recorded and n not in checker.PROMETHEUS_SERIES}, recorded


def scraped_names(text):
    """(names with a sample or a # TYPE line, names with a sample)."""
    names, sampled = set(), set()
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            names.add(line.split()[2])
        elif line and not line.startswith("#"):
            sampled.add(re.split(r"[{\s]", line, 1)[0])
    return names | sampled, sampled


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--build-dir", required=True)
    ap.add_argument("--timeout", type=int, default=480)
    a = ap.parse_args()
    root = pathlib.Path(a.root)
    checker = load_checker(root)
    base = free_port_base()
    run_dir = tempfile.mkdtemp(prefix="caas-ops-live-")
    env = dict(os.environ, CAAS_BUILD_DIR=a.build_dir, CAAS_RUN_DIR=run_dir, CAAS_LOCAL_PORT_BASE=str(base),
               CAAS_DEMO_ORDERS="1", CAAS_KAFKA_STATS_INTERVAL_MS="1000")
    proc = subprocess.Popen([str(root / "scripts" / "run-local"), "--no-build"], cwd=root, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            start_new_session=True, text=True, errors="replace")
    lines, running = [], threading.Event()

    def pump():
        for line in proc.stdout:
            lines.append(line.rstrip("\n"))
            print(line, end="", flush=True)
            if line.startswith("platform running;"):
                running.set()

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    failures = []
    try:
        deadline = time.monotonic() + a.timeout
        while not running.is_set() and proc.poll() is None and time.monotonic() < deadline:
            running.wait(1)
        if not running.is_set():
            print(f"live_metrics_test: run-local did not reach 'platform running' (exit {proc.poll()})", flush=True)
            return 1
        services = {m.group(1): int(m.group(2)) for m in
                    (re.match(r"^started caas-([a-z-]+) on :(\d+) ", l) for l in lines) if m}
        services = {s: p for s, p in services.items()
                    if s in ("webhook-ingress", "order", "factory-adapter", "ota-engine", "telemetry-ingest",
                             "notification")}
        prometheus = next((int(m.group(1)) for m in (re.match(r"^started prometheus on :(\d+) ", l) for l in lines)
                           if m), None)
        # The librdkafka statistics (every second here) must have produced
        # real samples: a consumer's lag somewhere, every service's producer queue.
        stats_deadline = time.monotonic() + 30
        while True:
            present, sampled, per_service = set(), set(), {}
            for svc, port in services.items():
                names, with_samples = scraped_names(get(f"http://127.0.0.1:{port}/metrics"))
                per_service[svc] = with_samples
                present |= names
                sampled |= with_samples
            if "kafka_consumer_lag" in sampled or time.monotonic() > stats_deadline:
                break
            time.sleep(0.5)
        if "kafka_consumer_lag" not in sampled:
            failures.append("no service reports a kafka_consumer_lag sample (librdkafka statistics not flowing?)")
        used, recorded = used_names(root, checker)
        ota_built = (pathlib.Path(a.build_dir) / "bin" / "caas-ota-engine").exists()
        missing = []
        for name, where in sorted(used.items()):
            if name.startswith("ota_") and not ota_built:
                continue
            if name in present or checker.family(name) in present:
                continue
            missing.append(f"{where}: {name}")
        for m in missing:
            failures.append(f"not in any live /metrics: {m}")
        print(f"live_metrics_test: {len(used)} names used by deploy/, {len(services)} services scraped "
              f"({', '.join(sorted(services))}), ota-engine {'built' if ota_built else 'not built: ota_* skipped'}")
        for svc, names in per_service.items():
            for required in ("kafka_producer_queue_messages", "caas_dlq_parked_keys", "caas_kafka_reachable"):
                if required not in names:
                    failures.append(f"{svc}: no {required} sample in its /metrics")

        if prometheus is None:
            failures.append("run-local started no Prometheus")
        else:
            groups = json.loads(get(f"http://127.0.0.1:{prometheus}/api/v1/rules"))["data"]["groups"]
            loaded = {r["name"]: r for g in groups for r in g["rules"]}
            for rules in sorted((root / "deploy" / "prometheus").glob("*.rules.yml")):
                for g in yaml.safe_load(rules.read_text())["groups"]:
                    for r in g["rules"]:
                        name = r.get("alert") or r.get("record")
                        if name not in loaded:
                            failures.append(f"Prometheus did not load {name} ({rules.name})")
            for name, r in loaded.items():
                if r.get("health") == "err":
                    failures.append(f"Prometheus rule {name} unhealthy: {r.get('lastError')}")
            up_deadline = time.monotonic() + 30
            while True:
                targets = json.loads(get(f"http://127.0.0.1:{prometheus}/api/v1/targets"))["data"]["activeTargets"]
                up = {t["labels"]["job"] for t in targets if t["health"] == "up"}
                if set(services) <= up or time.monotonic() > up_deadline:
                    break
                time.sleep(1)
            for svc in sorted(set(services) - up):
                failures.append(f"Prometheus: target {svc} not up")
            # The recording rules evaluate over the live series (PromQL, label
            # names and the job label all agree with what the services export).
            for expr in ("caas:kafka_consumer_lag:sum", "caas:records_processed_per_minute",
                         "webhook_processing_success_rate", "caas:http_request_latency_p95"):
                query_deadline = time.monotonic() + 60
                while True:
                    q = urllib.parse.quote(expr)
                    result = json.loads(get(f"http://127.0.0.1:{prometheus}/api/v1/query?query={q}"))["data"]["result"]
                    if result or time.monotonic() > query_deadline:
                        break
                    time.sleep(1)
                if not result:
                    failures.append(f"Prometheus: recording rule {expr} has no value over the live series")
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)  # run-local's trap stops what it started
            try:
                proc.wait(timeout=90)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        reader.join(timeout=10)
    for f in failures:
        print("FAIL " + f, flush=True)
    if not failures:
        subprocess.run(["rm", "-rf", run_dir])
        print("live_metrics_test: every metric used by deploy/ is exported; Prometheus loaded every rule, every "
              "target up")
    else:
        print(f"live_metrics_test: run directory kept: {run_dir}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
