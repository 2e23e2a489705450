#!/usr/bin/python3
"""histogram_quantile.py METRIC BEFORE AFTER [Q...] -> quantiles of what a
Prometheus histogram observed between two scrapes of /metrics.

Per quantile (default 0.5 0.99) the bucket it falls in, interpolated linearly
inside the bucket as Prometheus' histogram_quantile() does; the bucket's
bounds are printed too, since the interpolated value is only as fine as
them. Output: `count=N q0.5=X (le A..B) q0.99=Y (le C..D)`, seconds.
"""
import math
import re
import sys


def buckets(path, metric):
    out = {}
    pat = re.compile(r'^' + re.escape(metric) + r'_bucket\{(?:.*,)?le="([^"]+)"(?:,.*)?\}\s+(\S+)')
    for line in open(path):
        m = pat.match(line)
        if m:
            le = math.inf if m.group(1) == "+Inf" else float(m.group(1))
            out[le] = out.get(le, 0) + float(m.group(2))
    return out


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    metric, before, after = sys.argv[1:4]
    qs = [float(q) for q in sys.argv[4:]] or [0.5, 0.99]
    b0, b1 = buckets(before, metric), buckets(after, metric)
    les = sorted(b1)
    cum = [(le, b1[le] - b0.get(le, 0)) for le in les]
    total = cum[-1][1] if cum else 0
    parts = [f"count={total:.0f}"]
    for q in qs:
        if total <= 0:
            parts.append(f"q{q}=nan")
            continue
        rank = q * total
        lower, below = 0.0, 0.0
        for le, n in cum:
            if n >= rank:
                if math.isinf(le):
                    parts.append(f"q{q}=>{lower} (le {lower}..+Inf)")
                else:
                    inside = n - below
                    x = lower + (le - lower) * ((rank - below) / inside if inside > 0 else 1)
                    parts.append(f"q{q}={x:.4f} (le {lower}..{le})")
                break
            lower, below = le, n
    print(" ".join(parts))


if __name__ == "__main__":
    main()
