#!/usr/bin/env python3
"""Drives scripts/bench/notification-bench.sh: sets preferences for the
customers, produces order milestone events with kcat at a paced rate, waits
until every e-mail reached the SMTP server and every push the gateway, then
reads notification.sent (latency_ms: source event time -> acceptance) back
from caas.notification.events.v1 and prints the figures."""
import argparse, json, os, subprocess, time, urllib.request, uuid
from datetime import datetime, timezone

STATES = ["ORDERED", "IN_PRODUCTION", "ASSEMBLY_COMPLETE", "READY_FOR_SHIPMENT", "SHIPPED"]


def now_rfc3339():
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def http(method, url, key=None, body=None):
    req = urllib.request.Request(url, method=method, data=None if body is None else json.dumps(body).encode())
    if key:
        req.add_header("X-API-Key", key)
    if body is not None:
        req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read() or b"{}")


def event(i, customers):
    order = i % customers
    state = STATES[(i // customers) % len(STATES)]
    order_id = f"bench-order-{order:06d}"
    data = {"order_id": order_id, "order_number": f"ORD-2026-{order + 1:08d}", "previous_state": "ORDERED",
            "new_state": state, "customer_id": f"BENCH-CUST-{order:06d}", "customer_milestone": True,
            "reason": "factory reported", "caused_by": "bench"}
    env = {"specversion": "1.0", "id": str(uuid.uuid4()), "source": "caas/order", "type": "order.status-changed",
           "subject": order_id, "time": now_rfc3339(), "datacontenttype": "application/json",
           "dataschema": "proto-schemas/order.status-changed.v1.json", "correlationid": f"bench-{i}", "data": data}
    return order_id, json.dumps(env, separators=(",", ":"))


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))] if values else float("nan")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main():
    a = argparse.ArgumentParser()
    for name in ("--bootstrap", "--api", "--api-key", "--mail-dir", "--push", "--out"):
        a.add_argument(name, required=True)
    a.add_argument("--events", type=int, default=2000)
    a.add_argument("--rate", type=float, default=500)
    a.add_argument("--pid", type=int, required=True)
    o = a.parse_args()
    customers = max(1, min(500, o.events // len(STATES)))
    for c in range(customers):
        http("PUT", f"{o.api}/api/v1/customers/BENCH-CUST-{c:06d}/preferences", o.api_key,
             {"email": f"bench-{c}@example.com", "language": "es" if c % 2 == 0 else "en"})

    cpu0, t0 = cpu_seconds(o.pid), time.monotonic()
    producer = subprocess.Popen(["kcat", "-P", "-b", o.bootstrap, "-t", "caas.order.events.v1", "-K", "\t", "-z",
                                 "snappy", "-X", "linger.ms=1"], stdin=subprocess.PIPE, text=True)
    start = time.monotonic()
    for i in range(o.events):
        due = start + i / o.rate
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)  # pacing the load generator, not synchronisation
        key, value = event(i, customers)
        producer.stdin.write(f"{key}\t{value}\n")
        if i % 50 == 49:
            producer.stdin.flush()
    producer.stdin.close()
    producer.wait()
    produced_s = time.monotonic() - start

    want = o.events
    deadline = time.monotonic() + 300
    mails = pushes = 0
    while time.monotonic() < deadline:
        mails = len([f for f in os.listdir(o.mail_dir) if f.endswith(".json")])
        pushes = json.loads(urllib.request.urlopen(f"{o.push}/control/stats", timeout=10).read())["accepted"]
        if mails >= want and pushes >= want:
            break
        time.sleep(0.2)  # polling with a deadline
    done_s = time.monotonic() - t0
    cpu = cpu_seconds(o.pid) - cpu0

    out = subprocess.run(["kcat", "-C", "-b", o.bootstrap, "-t", "caas.notification.events.v1", "-e", "-q",
                          "-f", "%s\n"], capture_output=True, text=True, timeout=120).stdout
    latency = {"email": [], "push": []}
    seen = set()
    for line in out.splitlines():
        try:
            env = json.loads(line)
        except ValueError:
            continue
        if env.get("type") != "notification.sent" or env["id"] in seen:
            continue
        seen.add(env["id"])
        latency[env["data"]["channel"]].append(env["data"]["latency_ms"])
    with open(os.path.join(o.out, "latencies.tsv"), "w") as f:
        for ch, values in latency.items():
            for v in values:
                f.write(f"{ch}\t{v}\n")
    total = mails + pushes
    print(f"# notification benchmark\n")
    print(f"- order events: {o.events} at {o.rate:.0f}/s (produced in {produced_s:.1f} s), {customers} customers")
    print(f"- notifications accepted: {mails} e-mails (SMTP server), {pushes} pushes (gateway) = {total}")
    print(f"- wall time to the last acceptance: {done_s:.1f} s -> {total / done_s:.0f} notifications/s")
    print(f"- caas-notification CPU: {cpu:.1f} s -> {total / cpu if cpu else float('nan'):.0f} notifications per CPU-second")
    for ch, values in latency.items():
        print(f"- {ch}: source event -> acceptance p50 {percentile(values, 50):.0f} ms, "
              f"p99 {percentile(values, 99):.0f} ms, max {max(values) if values else float('nan')} ms (n={len(values)})")


if __name__ == "__main__":
    main()
