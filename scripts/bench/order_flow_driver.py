#!/usr/bin/env python3
"""Load driver of scripts/bench/order-flow-bench.sh (see there). Standard library only.

Phases, each timed:
  1. register N sales and pay each reservation (16 concurrent clients) until
     every order is ORDERED at the Factory (placement through factory-adapter);
  2. play the Factory: send each order's six status webhooks (IN_PRODUCTION ..
     ARRIVED_AT_DEALERSHIP), signed, paced at --rate webhooks/s over keep-alive
     connections, one stage for all orders before the next; record when each 200
     arrived;
  3. final payment, registration, handover for every order until DELIVERED.
Then reads caas.order.events.v1 (kcat) and matches every order.status-changed
to the webhook that caused it: latency = the record's Kafka timestamp (set
when the order service's outbox produced it, i.e. after the state change was
committed) - time of the webhook's 200. (The envelope's `time` is not used: it
is derived from the causing input so that replays are byte-identical.)
"""
import argparse
import concurrent.futures
import datetime
import hashlib
import hmac
import http.client
import json
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse

STAGES = ["IN_PRODUCTION", "ASSEMBLY_COMPLETE", "QUALITY_CHECK", "READY_FOR_SHIPMENT", "SHIPPED",
          "ARRIVED_AT_DEALERSHIP"]


class Client:
    """One keep-alive HTTP/1.1 connection per thread."""
    local = threading.local()

    def __init__(self, base, headers=None):
        u = urllib.parse.urlparse(base)
        self.host, self.port, self.headers = u.hostname, u.port, headers or {}

    def conn(self):
        c = getattr(self.local, "c%d" % self.port, None)
        if c is None:
            c = http.client.HTTPConnection(self.host, self.port, timeout=10)
            setattr(self.local, "c%d" % self.port, c)
        return c

    def call(self, method, path, body=None, headers=None):
        h = dict(self.headers)
        h.update(headers or {})
        data = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
        if data is not None:
            h.setdefault("Content-Type", "application/json")
        for attempt in (1, 2):
            try:
                c = self.conn()
                c.request(method, path, body=data, headers=h)
                r = c.getresponse()
                text = r.read()
                return r.status, (json.loads(text) if text else None)
            except (http.client.HTTPException, OSError):
                setattr(self.local, "c%d" % self.port, None)
                if attempt == 2:
                    raise


def iso(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def pct(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100.0 * (len(values) - 1))))]


def sale(n):
    return {"customer_id": "CAAS-CUST-%06d" % n,
            "vehicle_specification": {"platform_base": "SUV_ELECTRIC_2024", "initial_options": ["POWER_BOOST_50"],
                                      "color": "MIDNIGHT_BLUE", "interior": "PREMIUM_LEATHER"},
            "dealership_id": "DEALER-ES-001",
            "delivery_address": {"street": "Calle Principal %d" % n, "city": "Madrid", "postal_code": "28001",
                                 "country": "ES"},
            "plan_comercial": {"maintenance_included": True, "warranty_years": 5, "opciones_permanentes": []}}


def wait_states(api, ids, states, timeout, pool):
    deadline = time.monotonic() + timeout
    pending = list(ids)
    while pending and time.monotonic() < deadline:
        got = list(pool.map(lambda i: api.call("GET", "/api/v1/orders/" + i)[1], pending))
        pending = [i for i, o in zip(pending, got) if not o or o.get("state") not in states]
        if pending:
            time.sleep(0.2)
    if pending:
        sys.exit("%d orders not in %s after %ss" % (len(pending), states, timeout))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--orders", type=int, default=500)
    ap.add_argument("--rate", type=float, default=500)
    ap.add_argument("--bootstrap", required=True)
    ap.add_argument("--order-url", required=True)
    ap.add_argument("--ingress-url", required=True)
    ap.add_argument("--dealer-key", required=True)
    ap.add_argument("--webhook-secret", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--setup", default="", help="how the platform was started, printed in the summary")
    args = ap.parse_args()
    api = Client(args.order_url, {"X-Api-Key": args.dealer_key})
    ingress = Client(args.ingress_url)
    pool = concurrent.futures.ThreadPoolExecutor(16)
    n = args.orders

    # 1. sales -> reservation -> Factory
    t0 = time.monotonic()

    def register_and_pay(i):
        st, o = api.call("POST", "/api/v1/orders", sale(i))
        assert st in (201, 202), (st, o)
        oid = o.get("id") or o["order_id"]
        st, o = api.call("POST", "/api/v1/orders/%s/reservation-payment" % oid,
                         {"payment_reference": "RES-%d" % i, "paid_at": iso(time.time())})
        assert st in (200, 202), (st, o)
        return oid

    ids = list(pool.map(register_and_pay, range(n)))
    t_paid = time.monotonic()
    wait_states(api, ids, {"ORDERED"}, 300, pool)
    t_placed = time.monotonic()
    factory_of = {i: api.call("GET", "/api/v1/orders/" + i)[1]["factory"]["factory_order_id"] for i in ids}
    order_of = {f: i for i, f in factory_of.items()}

    # 2. the Factory's webhooks, paced
    acked = {}  # (order id, status) -> time of the 200
    lock = threading.Lock()
    secret = args.webhook_secret.encode()
    errors = []

    def send(fid, status, ts):
        body = json.dumps({"order_id": fid, "status": status, "timestamp": ts}, separators=(",", ":")).encode()
        sig = hmac.new(secret, body, hashlib.sha256).hexdigest()
        st, r = ingress.call("POST", "/api/v1/webhooks/factory/status", body, {"X-Factory-Signature": sig})
        t = time.time()
        if st != 200:
            errors.append((st, r))
            return
        with lock:
            acked[(order_of[fid], status)] = t

    interval = 1.0 / args.rate
    sends = []
    t_wh0 = time.monotonic()
    k = 0
    base = time.time()
    for s, status in enumerate(STAGES):
        ts = iso(base + 60 * (s + 1))  # the Factory's clock: one stage a minute later
        for fid in factory_of.values():
            due = t_wh0 + k * interval
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            sends.append(pool.submit(send, fid, status, ts))
            k += 1
    for f in sends:
        f.result()
    t_wh1 = time.monotonic()
    wait_states(api, ids, {"ARRIVED_AT_DEALERSHIP"}, 300, pool)
    t_arrived = time.monotonic()

    # 3. payment, registration, handover
    def finish(i_oid):
        i, oid = i_oid
        for action, payload in (("final-payment", {"payment_reference": "FIN-%d" % i, "paid_at": iso(time.time())}),
                                ("registration", {"vin": "VSSZZZ6JZ9R%06d" % i,
                                                  "registration_plate": "%04d BNC" % (i % 10000),
                                                  "registered_at": iso(time.time())}),
                                ("handover", {"delivered_at": iso(time.time())})):
            st, o = api.call("POST", "/api/v1/orders/%s/%s" % (oid, action), payload)
            assert st in (200, 202), (action, st, o)

    list(pool.map(finish, enumerate(ids)))
    wait_states(api, ids, {"DELIVERED"}, 300, pool)
    t_end = time.monotonic()

    # Latency: order.status-changed vs the causing webhook's 200, and per hop
    # (Kafka record timestamps = when each service's producer wrote it).
    def records(topic, event_type, key_of):
        out = subprocess.run(["kcat", "-b", args.bootstrap, "-C", "-t", topic, "-o", "beginning", "-e", "-q",
                              "-f", "%T %s\n"], capture_output=True, text=True, check=True).stdout
        seen = {}
        for line in out.splitlines():
            if not line.strip():
                continue
            produced_ms, payload = line.split(" ", 1)
            ev = json.loads(payload)
            if ev.get("type") == event_type:
                seen.setdefault(key_of(ev["data"]), int(produced_ms) / 1000.0)
        return seen

    hops = [
        ("ingress: 200 -> record in caas.ingress.factory-status.v1", records(
            "caas.ingress.factory-status.v1", "ingress.factory-status",
            lambda d: (order_of.get(d["order_id"]), d["status"]))),
        ("factory-adapter: -> factory.status-changed", records(
            "caas.factory.events.v1", "factory.status-changed", lambda d: (d["order_id"], d["status"]))),
        ("order: -> sequenced copy on caas.order.commands.v1", records(
            "caas.order.commands.v1", "factory.status-changed", lambda d: (d["order_id"], d["status"]))),
        ("order: -> order.status-changed (state changed)", records(
            "caas.order.events.v1", "order.status-changed", lambda d: (d["order_id"], d["new_state"]))),
    ]
    latencies = [(hops[-1][1][k] - t) * 1000 for k, t in acked.items() if k in hops[-1][1]]
    t_first = min(acked.values(), default=0.0)
    timeline = sorted((t - t_first, (hops[-1][1][k] - t) * 1000) for k, t in acked.items() if k in hops[-1][1])
    hop_rows = []
    previous = acked
    for name, seen in hops:
        d = [(seen[k] - previous[k]) * 1000 for k in acked if k in seen and k in previous]
        hop_rows.append((name, pct(d, 50), pct(d, 99)))
        previous = seen
    with open(args.out + "/latencies.tsv", "w") as f:  # seconds since the first webhook's 200, latency ms
        f.write("".join("%.3f\t%.3f\n" % row for row in timeline))

    total = t_end - t0
    wh = n * len(STAGES)
    print("# Order flow benchmark\n")
    print("%d orders, sale -> DELIVERED, webhooks paced at %.0f/s (local broker, loopback; %s)\n"
          % (n, args.rate, args.setup))
    print("| measure | value |\n|---|---|")
    print("| whole flow (sale to DELIVERED, all orders) | %.1f s = **%.1f orders/s** |" % (total, n / total))
    print("| sales registered + reservations paid | %.1f s (%.0f orders/s) |" % (t_paid - t0, n / (t_paid - t0)))
    print("| ... until all ORDERED at the Factory | %.1f s (%.0f placements/s) |"
          % (t_placed - t0, n / (t_placed - t0)))
    print("| webhooks sent / achieved rate | %d in %.1f s = %.0f/s, %d not 200 |"
          % (wh, t_wh1 - t_wh0, wh / (t_wh1 - t_wh0), len(errors)))
    print("| payment + registration + handover, all orders | %.1f s |" % (t_end - t_arrived))
    print("| webhook 200 -> order state change: p50 / p95 / p99 / max | %.1f / %.1f / %.1f / %.1f ms (n=%d) |"
          % (pct(latencies, 50), pct(latencies, 95), pct(latencies, 99), max(latencies or [float("nan")]),
             len(latencies)))
    print("\nPer hop (Kafka record timestamps), ms:\n\n| hop | p50 | p99 |\n|---|---|---|")
    for name, p50, p99 in hop_rows:
        print("| %s | %.1f | %.1f |" % (name, p50, p99))
    if len(latencies) != wh:
        print("\nwarning: %d of %d webhooks matched to a state change" % (len(latencies), wh))
    return 0 if not errors and len(latencies) == wh else 1


if __name__ == "__main__":
    sys.exit(main())
