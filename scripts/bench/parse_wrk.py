#!/usr/bin/python3
"""parse_wrk.py FILE -> TSV: rps p50_ms p99_ms requests non2xx socket_errors
(copied from ../shared/peers/parse_wrk.py)"""
import re, sys

def ms(v):
    m = re.match(r"([\d.]+)(us|ms|s|m)$", v)
    x, u = float(m.group(1)), m.group(2)
    return x / 1000 if u == "us" else x if u == "ms" else x * 1000 if u == "s" else x * 60000

t = open(sys.argv[1]).read()
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
p50 = ms(re.search(r"^\s+50%\s+(\S+)", t, re.M).group(1))
p99 = ms(re.search(r"^\s+99%\s+(\S+)", t, re.M).group(1))
req = int(re.search(r"(\d+) requests in", t).group(1))
m = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
non2xx = int(m.group(1)) if m else 0
m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", t)
sockerr = sum(int(x) for x in m.groups()) if m else 0
print(f"{rps:.0f}\t{p50:.2f}\t{p99:.2f}\t{req}\t{non2xx}\t{sockerr}")
