#!/usr/bin/env python3
"""Drives scripts/bench/ota-bench.sh: delivers every simulated vehicle to a
customer (order.delivered with kcat), buys one service per vehicle through
the ota-engine's API as fast as it accepts them (so they are all in flight at
once), samples the engine's RSS and in-flight gauge while it works, waits
until every activation is confirmed or escalated (its counters), then reads
ota.activated back from caas.ota.events.v1 (requested_at -> activated_at:
payment accepted -> confirmed) and prints the figures. Exit 1 when an
activation did not end, escalated, or the RSS budget was exceeded."""
import argparse, http.client, json, os, subprocess, threading, time, urllib.parse, urllib.request, uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

RSS_BUDGET_MIB = 256


def now_rfc3339():
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_time(s):
    return datetime.fromisoformat(s.replace("Z", "+00:00").replace("z", "+00:00"))


def get_json(url, key=None, timeout=30):
    req = urllib.request.Request(url)
    if key:
        req.add_header("X-API-Key", key)
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return json.loads(r.read() or b"{}")


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))] if values else float("nan")


def rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def metrics(api):
    with urllib.request.urlopen(f"{api}/metrics", timeout=5) as r:
        return r.read().decode()


def metric_sum(text, name):
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            total += float(line.rsplit(" ", 1)[1])
    return total


class Sampler(threading.Thread):
    """RSS peak of the engine and the peak of ota_activations_in_flight, every 100 ms."""

    def __init__(self, pid, api):
        super().__init__(daemon=True)
        self.pid, self.api = pid, api
        self.rss_peak = 0
        self.in_flight_peak = 0
        self.stop = threading.Event()

    def run(self):
        while not self.stop.wait(0.1):  # sampling period, not synchronisation
            self.rss_peak = max(self.rss_peak, rss_kib(self.pid))
            try:
                self.in_flight_peak = max(self.in_flight_peak,
                                          int(metric_sum(metrics(self.api), "ota_activations_in_flight")))
            except OSError:
                pass


def main():
    a = argparse.ArgumentParser()
    for name in ("--bootstrap", "--api", "--api-key", "--sim", "--out", "--round-trip"):
        a.add_argument(name, required=True)
    a.add_argument("--activations", type=int, default=10000)
    a.add_argument("--pid", type=int, required=True)
    a.add_argument("--clients", type=int, default=32)
    a.add_argument("--all-at-once", action="store_true",
                   help="hold the fleet off the network while buying, then bring it back: every activation "
                        "in flight at the same moment")
    o = a.parse_args()
    api = urllib.parse.urlsplit(o.api)

    fleet = get_json(f"{o.sim}/control/vehicles", timeout=120)["vehicles"]
    rss_idle = rss_kib(o.pid)

    # Delivery: order.delivered links each VIN to its customer.
    producer = subprocess.Popen(["kcat", "-P", "-b", o.bootstrap, "-t", "caas.order.events.v1", "-K", "\t",
                                 "-X", "linger.ms=5"], stdin=subprocess.PIPE, text=True)
    for i, v in enumerate(fleet):
        order_id = f"bench-ota-order-{i:06d}"
        data = {"order_id": order_id, "order_number": f"ORD-2026-{i + 1:08d}", "customer_id": f"BENCH-CUST-{i:06d}",
                "vin": v["vin"], "delivered_at": now_rfc3339()}
        env = {"specversion": "1.0", "id": str(uuid.uuid4()), "source": "caas/order", "type": "order.delivered",
               "subject": order_id, "time": now_rfc3339(), "datacontenttype": "application/json",
               "dataschema": "proto-schemas/order.delivered.v1.json", "correlationid": f"bench-{i}", "data": data}
        producer.stdin.write(f"{order_id}\t{json.dumps(env, separators=(',', ':'))}\n")
    producer.stdin.close()
    if producer.wait() != 0:
        raise SystemExit("kcat could not produce the deliveries")

    catalogue = {}
    for platform in sorted({v["platform"] for v in fleet}):
        services = get_json(f"{o.api}/api/v1/catalogue?platform={platform}", o.api_key)["services"]
        catalogue[platform] = [s["code"] for s in services]
        if not catalogue[platform]:
            raise SystemExit(f"no service for {platform}")
    purchases = []
    for i in range(o.activations):
        v = fleet[i % len(fleet)]
        codes = catalogue[v["platform"]]
        purchases.append((v["vin"], codes[(i // len(fleet)) % len(codes)], i))

    # Every vehicle known to the engine (bounded): the last deliveries of each partition.
    deadline = time.monotonic() + 120
    pending = {p[0] for p in purchases}
    conn = http.client.HTTPConnection(api.hostname, api.port, timeout=10)
    while pending and time.monotonic() < deadline:
        for vin in list(pending)[:500]:
            conn.request("GET", f"/api/v1/vehicles/{vin}/services", headers={"X-API-Key": o.api_key})
            r = conn.getresponse()
            r.read()
            if r.status == 200:
                pending.discard(vin)
        if pending:
            time.sleep(0.2)  # polling with a deadline
    if pending:
        raise SystemExit(f"{len(pending)} vehicles still unknown to the engine after 120 s")

    sampler = Sampler(o.pid, o.api)
    sampler.start()
    cpu0 = cpu_seconds(o.pid)
    before = metrics(o.api)
    local = threading.local()
    refused = []

    def buy(p):
        vin, code, i = p
        if not hasattr(local, "conn"):
            local.conn = http.client.HTTPConnection(api.hostname, api.port, timeout=30)
        body = json.dumps({"payment_authorization": f"BENCH-PAY-{i:06d}"})
        for _ in range(50):
            local.conn.request("POST", f"/api/v1/vehicles/{vin}/services/{code}/activation", body=body,
                               headers={"X-API-Key": o.api_key, "Content-Type": "application/json",
                                        "Idempotency-Key": f"bench-{i}"})
            r = local.conn.getresponse()
            text = r.read()
            if r.status == 202:
                return json.loads(text)["activation_id"]
            if r.status in (429, 503):
                time.sleep(float(r.getheader("Retry-After") or "0.1"))  # the server asked for it
                continue
            refused.append((r.status, text[:200]))
            return None
        refused.append(("gave up", b""))
        return None

    def faults(plan):
        req = urllib.request.Request(f"{o.sim}/control/faults", data=json.dumps(plan).encode(), method="POST")
        req.add_header("Content-Type", "application/json")
        urllib.request.urlopen(req, timeout=30).read()

    if o.all_at_once:
        faults({"fleet": {"offline": True}})  # commands are HELD by the API IoT until the fleet is back
    t0, t0_wall = time.monotonic(), datetime.now(timezone.utc)
    with ThreadPoolExecutor(o.clients) as pool:
        ids = [x for x in pool.map(buy, purchases) if x]
    accepted_s = time.monotonic() - t0
    want = len(ids)
    released_at = None
    if o.all_at_once:
        deadline = time.monotonic() + 300
        while metric_sum(metrics(o.api), "ota_activations_in_flight") < want and time.monotonic() < deadline:
            time.sleep(0.2)  # polling with a deadline
        released_at = t0_wall = datetime.now(timezone.utc)
        t0 = time.monotonic()
        faults({"fleet": {"offline": False}})

    deadline = time.monotonic() + 900
    ended = 0.0
    while time.monotonic() < deadline:
        m = metrics(o.api)
        ended = metric_sum(m, "ota_activations_confirmed_total") + metric_sum(m, "ota_activations_escalated_total")
        if ended >= want:
            break
        time.sleep(0.2)  # polling with a deadline
    done_s = time.monotonic() - t0
    sampler.stop.set()
    sampler.join()
    after = metrics(o.api)
    cpu = cpu_seconds(o.pid) - cpu0
    with open(os.path.join(o.out, "metrics-before.txt"), "w") as f:
        f.write(before)
    with open(os.path.join(o.out, "metrics-after.txt"), "w") as f:
        f.write(after)

    out = subprocess.run(["kcat", "-C", "-b", o.bootstrap, "-t", "caas.ota.events.v1", "-e", "-q", "-f", "%s\n"],
                         capture_output=True, text=True, timeout=300).stdout
    latency_ms, seen, escalated = [], set(), 0
    first_confirmed = last_confirmed = None
    for line in out.splitlines():
        try:
            env = json.loads(line)
        except ValueError:
            continue
        if env["id"] in seen:
            continue
        seen.add(env["id"])
        if env.get("type") == "ota.escalated":
            escalated += 1
        if env.get("type") != "ota.activated":
            continue
        d = env["data"]
        at = parse_time(d["activated_at"])
        start = released_at if released_at else parse_time(d["requested_at"])
        latency_ms.append((at - start).total_seconds() * 1000)
        first_confirmed = at if first_confirmed is None or at < first_confirmed else first_confirmed
        last_confirmed = at if last_confirmed is None or at > last_confirmed else last_confirmed
    with open(os.path.join(o.out, "latencies.tsv"), "w") as f:
        f.writelines(f"{v:.1f}\n" for v in latency_ms)
    confirmed = len(latency_ms)
    hist = subprocess.run(["python3", os.path.join(os.path.dirname(__file__), "histogram_quantile.py"),
                           "ota_activation_latency_seconds", os.path.join(o.out, "metrics-before.txt"),
                           os.path.join(o.out, "metrics-after.txt")], capture_output=True, text=True).stdout.strip()

    rss_peak_mib = sampler.rss_peak / 1024
    print("# ota-engine benchmark\n")
    print(f"- {len(purchases)} purchases over {len(fleet)} vehicles, simulated vehicle round trip {o.round_trip}; "
          f"{want} accepted (202) in {accepted_s:.1f} s by {o.clients} clients, {len(refused)} refused {refused[:3]}")
    print(f"- in flight at once (ota_activations_in_flight peak): {sampler.in_flight_peak}")
    since = "the fleet came back online" if released_at else "the first purchase"
    print(f"- ended: {int(ended)} ({confirmed} confirmed / ota.activated, {escalated} escalated) "
          f"(the counters showed it {done_s:.1f} s after {since})")
    span = (last_confirmed - first_confirmed).total_seconds() if confirmed > 1 else float("nan")
    whole = (last_confirmed - t0_wall).total_seconds() if confirmed else float("nan")
    print(f"- activations confirmed per second: {confirmed / whole if whole else float('nan'):.0f} over the whole run "
          f"({since} -> last confirmation), {confirmed / span if span else float('nan'):.0f} "
          f"between the first and the last confirmation")
    what = "fleet back online -> confirmed" if released_at else "payment -> confirmed (requested_at -> activated_at)"
    print(f"- {what}: p50 {percentile(latency_ms, 50):.0f} ms, "
          f"p99 {percentile(latency_ms, 99):.0f} ms, max {max(latency_ms) if latency_ms else float('nan'):.0f} ms")
    print(f"- engine histogram ota_activation_latency_seconds: {hist}")
    print(f"- caas-ota-engine RSS: idle {rss_idle / 1024:.0f} MiB, peak {rss_peak_mib:.0f} MiB "
          f"(budget < {RSS_BUDGET_MIB} MB: {'met' if rss_peak_mib * 1.048576 < RSS_BUDGET_MIB else 'NOT met'}); "
          f"CPU {cpu:.1f} s -> {confirmed / cpu if cpu else float('nan'):.0f} activations per CPU-second")
    ok = ended >= want and confirmed == want and not refused and rss_peak_mib * 1.048576 < RSS_BUDGET_MIB
    print(f"- verdict: {'PASS' if ok else 'FAIL'}")
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
