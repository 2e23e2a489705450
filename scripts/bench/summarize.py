#!/usr/bin/python3
"""summarize.py RUNS_TSV -> markdown summary of an ingress-bench.sh run:
per server and connection count the median over runs of req/s, p50, p99,
RSS idle / peak under load, non-2xx, and records landed vs 2xx answers; then
the budget check (>= 10x the FastAPI peer on one core, p99 < 10 ms) and the
ratio ours / peer when the peer ran in the same run.

A run of `ingress-bench.sh --telemetry` (records_per_request > 1: batches of
readings, one record each) is summarised in readings: readings/s, p50/p99 per
batch, landed records vs 2xx x batch size, the budget of issue 13
(>= 150,000 readings/s on one core) and the share of the floors."""
import csv
import statistics as st
import sys
from collections import OrderedDict

# The peer's published figure (../shared/peers/README.md: 1 uvicorn worker,
# 64 connections), used when the peer was not measured in this run.
PEER_REFERENCE_RPS = 4714
P99_BUDGET_MS = 10.0

rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
groups = OrderedDict()
for r in rows:
    groups.setdefault((r["server"], int(r["conns"])), []).append(r)


def med(rs, key):
    return st.median(float(r[key]) for r in rs)


def per_request(r):
    return int(r.get("records_per_request") or 1)


def telemetry_summary():
    """Batches of readings: the figures per reading and issue 13's budget."""
    budget = 150000
    print("| server | conns | runs | batches/s | readings/s | p50 ms / batch | p99 ms / batch | non-2xx | socket err | "
          "landed / 2xx x batch | RSS idle MiB | RSS load MiB | server CPU % | machine busy % | CPU 1 (wrk + broker) busy % |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for (server, c), rs in groups.items():
        landed = sum(int(r["landed"]) for r in rs)
        promised = sum((int(r["requests"]) - int(r["non2xx"])) * per_request(r) for r in rs)
        print(f"| {server} | {c} | {len(rs)} | {med(rs, 'rps'):.0f} | {st.median(float(r['rps']) * per_request(r) for r in rs):.0f} | "
              f"{med(rs, 'p50_ms'):.2f} | {med(rs, 'p99_ms'):.2f} | {sum(int(r['non2xx']) for r in rs)} | "
              f"{sum(int(r['sock_err']) for r in rs)} | {landed} / {promised} | {med(rs, 'rss_idle_mib'):.1f} | "
              f"{max(float(r['rss_load_mib']) for r in rs):.1f} | {med(rs, 'server_cpu_pct'):.0f} | "
              f"{med(rs, 'sys_busy_pct'):.0f} | {med(rs, 'aux_busy_pct'):.0f} |")
    print()
    readings = {(s, c): st.median(float(r["rps"]) * per_request(r) for r in rs) for (s, c), rs in groups.items()}
    for (s, c), rs in groups.items():
        if s != "ingress":
            continue
        verdict = "meets" if readings[(s, c)] >= budget else "MISSES"
        line = (f"- {c} connections: {readings[(s, c)]:.0f} readings/s, p99 {med(rs, 'p99_ms'):.2f} ms per batch "
                f"-> {verdict} the budget (>= {budget} readings/s on one core)")
        for floor, what in (("floor-epoll", "raw epoll floor"), ("floor-libs", "libs/http floor")):
            if (floor, c) in readings:
                line += f"; {100 * readings[(s, c)] / readings[(floor, c)]:.0f} % of the {what} ({readings[(floor, c)]:.0f})"
        print(line)
    if not any(s == "fastapi" for s, _ in groups):
        print("- no peer: none in ../shared/peers serves the telemetry endpoint")


if any(per_request(r) > 1 for r in rows):
    telemetry_summary()
    sys.exit(0)


print("| server | conns | runs | req/s | p50 ms | p99 ms | non-2xx | socket err | landed / 2xx | RSS idle MiB | RSS load MiB | server CPU % | machine busy % | CPU 1 (wrk + broker) busy % |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
for (server, c), rs in groups.items():
    landed = sum(int(r["landed"]) for r in rs)
    ok = sum(int(r["requests"]) - int(r["non2xx"]) for r in rs)
    print(f"| {server} | {c} | {len(rs)} | {med(rs, 'rps'):.0f} | {med(rs, 'p50_ms'):.2f} | {med(rs, 'p99_ms'):.2f} | "
          f"{sum(int(r['non2xx']) for r in rs)} | {sum(int(r['sock_err']) for r in rs)} | {landed} / {ok} | "
          f"{med(rs, 'rss_idle_mib'):.1f} | {max(float(r['rss_load_mib']) for r in rs):.1f} | "
          f"{med(rs, 'server_cpu_pct'):.0f} | {med(rs, 'sys_busy_pct'):.0f} | {med(rs, 'aux_busy_pct'):.0f} |")
print()

ours = {c: rs for (s, c), rs in groups.items() if s == "ingress"}
peer = {c: rs for (s, c), rs in groups.items() if s == "fastapi"}
for c, rs in ours.items():
    rps, p99 = med(rs, "rps"), med(rs, "p99_ms")
    if c in peer:
        base, what = med(peer[c], "rps"), "FastAPI peer measured in this run"
    else:
        base, what = PEER_REFERENCE_RPS, "FastAPI peer's published 64-connection figure"
    ratio = rps / base if base else float("nan")
    verdict = "meets" if ratio >= 10 and p99 < P99_BUDGET_MS else "MISSES"
    print(f"- {c} connections: {rps:.0f} req/s = **{ratio:.1f}x** the {what} ({base:.0f} req/s); "
          f"p99 {p99:.2f} ms -> {verdict} the budget (>= 10x, p99 < {P99_BUDGET_MS:.0f} ms)")

# The budget is defined at 64 connections: 10x the peer's published figure.
BUDGET_CONNS = 64
floors = {s: {c: rs for (srv, c), rs in groups.items() if srv == s} for s in ("floor-epoll", "floor-libs")}
for c in sorted(set(floors["floor-epoll"]) | set(floors["floor-libs"])):
    parts = []
    for name, what in (("floor-epoll", "raw epoll"), ("floor-libs", "libs/http (Beast + Asio)")):
        if c in floors[name]:
            rs = floors[name][c]
            part = (f"{what} {med(rs, 'rps'):.0f} req/s (server CPU {med(rs, 'server_cpu_pct'):.0f} %, "
                    f"CPU 1 {med(rs, 'aux_busy_pct'):.0f} %")
            if c == BUDGET_CONNS:
                part += f"; the budget, {10 * PEER_REFERENCE_RPS} req/s, is {1000 * PEER_REFERENCE_RPS / med(rs, 'rps'):.0f} % of it"
            parts.append(part + ")")
    line = f"- floor at {c} connections, the Kafka round trip and nothing else: " + "; ".join(parts)
    if c in ours and c in floors["floor-epoll"]:
        share = med(ours[c], "rps") / med(floors["floor-epoll"][c], "rps")
        line += f"; caas-webhook-ingress reaches {100 * share:.0f} % of the raw floor"
    print(line)
