#!/usr/bin/env bash
# Benchmark of telemetry-ingest (issue 13). caas-telemetry-ingest pinned to
# CPU 0, the local broker (and the load tool) on CPU 1:
#   1. pre-load caas.ingress.iot-telemetry.v1 with --readings readings of
#      --vehicles vehicles, in the ingress's exact record format
#      (caas-telemetry-load, the ingress's own record builder);
#   2. raw librdkafka consume rate of those records on CPU 0
#      (../shared/peers/consume_bench.c), same run;
#   3. the service from a fresh store, CPU 0: readings/s with the state
#      committed (telemetry_readings_total counts a reading once its batch is
#      committed to RocksDB), as a ratio to 2; RSS once every vehicle is known
#      (the service's vehicles_known gauge);
#   4. reading -> state at --rate readings/s for --latency-secs: the
#      service's telemetry_processing_lag_seconds (received_at, written by
#      the load tool when it builds the record, to the state committed),
#      p50/p99 between two scrapes.
#
#   scripts/bench/telemetry-bench.sh [--readings 600000] [--vehicles 100000] [--rate 50000]
#                                    [--latency-secs 10] [--partitions auto] [--no-build]
#
# Loopback only, bounded in time; every process started here is stopped by PID
# on exit. Results: $CAAS_BENCH_OUT (default build-bench/bench-results/telemetry-<UTC time>/).
# Environment: CAAS_BENCH_BUILD_DIR (build-bench), CAAS_BENCH_TELEMETRY_BIN (the
# service binary, default $build_dir/bin/caas-telemetry-ingest), CAAS_PEERS_DIR,
# CAAS_BENCH_TELEMETRY_PORT (18084). CAAS_BENCH_PERF=1 adds a perf profile of
# the service while it consumes the pre-load (perf-telemetry.txt).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

readings=600000; vehicles=100000; rate=50000; latency_secs=10; partitions=auto; build=1
while (($#)); do
  case $1 in
    --readings) readings=$2; shift ;;
    --vehicles) vehicles=$2; shift ;;
    --rate) rate=$2; shift ;;
    --latency-secs) latency_secs=$2; shift ;;
    --partitions) partitions=$2; shift ;;
    --no-build) build=0 ;;
    -h|--help) sed -n '2,27p' "$0"; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

build_dir=${CAAS_BENCH_BUILD_DIR:-$root/build-bench}
out=${CAAS_BENCH_OUT:-$build_dir/bench-results/telemetry-$(date -u +%Y%m%dT%H%M%SZ)}
port=${CAAS_BENCH_TELEMETRY_PORT:-18084}
peers_dir=${CAAS_PEERS_DIR:-$root/../shared/peers}
srv_cpu=0; aux_cpu=1
topic=caas.ingress.iot-telemetry.v1
mkdir -p "$out"
run=$(mktemp -d "${TMPDIR:-/tmp}/caas-telemetry-bench.XXXXXX")
# shellcheck source=common.sh
. "$here/common.sh"
command -v taskset >/dev/null || { echo "missing taskset (util-linux)" >&2; exit 2; }
command -v cc >/dev/null || { echo "missing cc" >&2; exit 2; }

bench_build_and_check caas-devbroker caas-telemetry-load
service_bin=${CAAS_BENCH_TELEMETRY_BIN:-$build_dir/bin/caas-telemetry-ingest}
[ -x "$service_bin" ] || { echo "$service_bin missing (build the telemetry branch, or set CAAS_BENCH_TELEMETRY_BIN)" >&2; exit 2; }
cc -O2 -o "$run/consume_bench" "$peers_dir/consume_bench.c" -lrdkafka

log() { echo "$*" >&2; echo "$*" >>"$out/summary.txt"; }
log "# telemetry-bench $(date -u +%FT%TZ): --readings $readings --vehicles $vehicles --rate $rate --latency-secs $latency_secs"
log "# load before the run: $(uptime)"

# ---- topic table: the local broker keeps only the newest ~5 MiB per
# partition, so the pre-loaded readings (and the events they cause) get
# enough partitions to all stay; 4 MiB of ~1.1 kB records per partition.
if [ "$partitions" = auto ]; then
  partitions=$(( (readings * 1100 + 4194303) / 4194304 ))
  [ "$partitions" -ge 12 ] || partitions=12
fi
python3 - "$root/proto-schemas/topics.json" "$run/topics.json" "$partitions" <<'EOF'
import json, sys
t = json.load(open(sys.argv[1]))
for x in t["topics"]:
    if x["name"] in ("caas.ingress.iot-telemetry.v1", "caas.vehicle.events.v1"):
        x["partitions"] = int(sys.argv[3])
json.dump(t, open(sys.argv[2], "w"), indent=1)
EOF
log "# $topic and caas.vehicle.events.v1: $partitions partitions (the service's own table says 12)"

bench_start_broker 1 --topics "$run/topics.json"
taskset -a -p -c "$aux_cpu" "$broker_pid" >/dev/null

# low/high watermarks summed over the topic's partitions
watermarks() {
  local args=() p
  for ((p=0; p<partitions; p++)); do args+=(-t "$1:$p:$2"); done
  kcat -b "$bootstrap" -Q "${args[@]}" 2>/dev/null | awk '/offset/ {s+=$NF} END {print s+0}'
}

# ---- 1. pre-load ----
echo "== pre-loading $readings readings of $vehicles vehicles" >&2
"$build_dir/bin/caas-telemetry-load" --bootstrap "$bootstrap" --vehicles "$vehicles" --readings "$readings" \
  --run-id preload | tee -a "$out/summary.txt" >&2
high=$(watermarks "$topic" -1); low=$(watermarks "$topic" -2)
avg=$(kcat -b "$bootstrap" -C -t "$topic" -o beginning -c 1000 -e -q -f '%S\n' 2>/dev/null | awk '{s+=$1; n++} END {printf "%d", s/n}')
log "# pre-loaded: $high records (low watermarks sum $low), ~$avg bytes per record"
[ "$low" = 0 ] && [ "$high" = "$readings" ] || { log "FAIL: the broker dropped records (retention); raise --partitions"; exit 1; }

# ---- 2. raw librdkafka consume, CPU 0 ----
echo "== consume_bench on CPU $srv_cpu" >&2
raw=$(taskset -c "$srv_cpu" "$run/consume_bench" "$bootstrap" "$topic" "$readings" "consume-bench-$$" 10)
log "consume_bench: $raw"
raw_rate=$(echo "$raw" | sed -n 's/.*msgs_per_s=\([0-9]*\).*/\1/p')

# ---- 3. the service, fresh store, CPU 0 ----
printf 'bench-admin-key-0123456789 admin bench\n' >"$run/api-keys"
mkdir -p "$run/data"
( CAAS_KAFKA_BOOTSTRAP=$bootstrap CAAS_DATA_DIR=$run/data CAAS_HTTP_PORT=$port CAAS_LOG_LEVEL=warn \
    CAAS_SCHEMA_DIR=$root/proto-schemas CAAS_API_KEYS_FILE=$run/api-keys CAAS_KAFKA_FETCH_WAIT_MAX=10ms \
    CAAS_INSTANCE_ID=telemetry-bench exec taskset -c "$srv_cpu" "$service_bin" ) >"$out/telemetry-ingest.log" 2>&1 &
svc=$!
pids+=("$svc")
metrics() { curl -s -m 2 "http://127.0.0.1:$port/metrics" || true; }
# counter NAME < metrics: the sum of NAME's series
counter() { awk -v m="$1" '$1 == m || index($1, m "{") == 1 {s+=$NF} END {printf "%d", s}'; }
processed() { metrics | counter telemetry_readings_total; }
now_s() { date +%s.%N; }
echo "== caas-telemetry-ingest on CPU $srv_cpu, consuming the pre-load" >&2
perf_pid=""
t_start=$(now_s)
t_first=""; n_first=0; n=0; peak=0
# Samples every 100 ms (bounded: 600 s): processed count and RSS.
for _ in $(seq 6000); do
  kill -0 "$svc" 2>/dev/null || { tail -20 "$out/telemetry-ingest.log" >&2; log "FAIL: the service exited"; exit 1; }
  n=$(processed); t=$(now_s); v=$(rss_kib "$svc"); [ "$v" -gt "$peak" ] && peak=$v
  n=${n:-0}
  if [ -z "$t_first" ] && [ "$n" -gt 0 ]; then
    t_first=$t; n_first=$n
    if [ "${CAAS_BENCH_PERF:-0}" = 1 ] && command -v perf >/dev/null; then
      # CPU profile of the service while it consumes (software clock: works in VMs).
      perf record -q -e cpu-clock -F 499 -g -p "$svc" -o "$out/perf-telemetry.data" >/dev/null 2>&1 &
      perf_pid=$!
    fi
  fi
  [ "$n" -ge "$readings" ] && break
  sleep 0.1
done
t_done=$t
if [ -n "$perf_pid" ]; then
  kill -INT "$perf_pid" 2>/dev/null || true; wait "$perf_pid" 2>/dev/null || true
  perf report -i "$out/perf-telemetry.data" --no-children --sort dso,symbol --stdio 2>/dev/null |
    grep -E '^ +[0-9]' | sed 's/  */ /g' | cut -c1-160 | head -60 >"$out/perf-telemetry.txt" || true
fi
[ "$n" -ge "$readings" ] || { log "FAIL: $n of $readings readings processed within 600 s"; exit 1; }
cpu=$(cpu_ticks "$svc")
svc_rate=$(awk -v a="$t_first" -v b="$t_done" -v n0="$n_first" -v n="$n" 'BEGIN{printf "%.0f", (n-n0)/(b-a)}')
log "telemetry-ingest: $n readings committed; from the first to the last: $((n - n_first)) in $(awk -v a="$t_first" -v b="$t_done" 'BEGIN{printf "%.2f", b-a}') s = $svc_rate readings/s (start-up + group join $(awk -v a="$t_start" -v b="$t_first" 'BEGIN{printf "%.1f", b-a}') s excluded); CPU time $(awk -v c="$cpu" -v hz="$(getconf CLK_TCK)" 'BEGIN{printf "%.1f", c/hz}') s"
log "ratio to the raw librdkafka consume in this run: $(awk -v a="$svc_rate" -v b="$raw_rate" 'BEGIN{printf "%.3f", a/b}') ($svc_rate / $raw_rate)"
metrics >"$run/m-after-preload"
log "outcomes: $(grep '^telemetry_readings_total' "$run/m-after-preload" | tr '\n' ' ')"
# The fleet view counts vehicles from the service's own events: wait (30 s at most) until it knows them all.
known=0
for _ in $(seq 300); do
  known=$(metrics | awk '$1 == "vehicles_known" {printf "%d", $2}'); known=${known:-0}
  [ "$known" -ge "$vehicles" ] && break
  sleep 0.1
done
rss=$(rss_kib "$svc"); [ "$rss" -gt "$peak" ] && peak=$rss
log "RSS with $known vehicles known: $(awk -v k="$rss" 'BEGIN{printf "%.1f", k/1024}') MiB (peak while consuming $(awk -v k="$peak" 'BEGIN{printf "%.1f", k/1024}') MiB)"
[ "$known" -ge "$vehicles" ] || log "WARN: vehicles_known $known < $vehicles after 30 s"

# ---- 4. reading -> state at --rate ----
echo "== $rate readings/s for ${latency_secs}s" >&2
metrics >"$run/m0"
count=$((rate * latency_secs))
seq_base=$(( readings / vehicles + 2 ))  # fresh: above every pre-loaded seq
taskset -c "$aux_cpu" "$build_dir/bin/caas-telemetry-load" --bootstrap "$bootstrap" --vehicles "$vehicles" \
  --readings "$count" --rate "$rate" --seq-base "$seq_base" --run-id paced | tee -a "$out/summary.txt" >&2
# Until every paced reading is committed (at most 180 s: a service slower
# than --rate drains its backlog after the load stops).
drained=0
for _ in $(seq 1800); do
  [ "$(processed)" -ge $((readings + count)) ] && { drained=1; break; }
  sleep 0.1
done
[ "$drained" = 1 ] || log "WARN: not every paced reading committed within 180 s; the quantiles cover those that were"
metrics >"$run/m1"
cp "$run/m0" "$out/metrics-before-paced.txt"; cp "$run/m1" "$out/metrics-after-paced.txt"
q=$(python3 "$here/histogram_quantile.py" telemetry_processing_lag_seconds "$run/m0" "$run/m1" 0.5 0.99)
log "reading -> state committed at $rate readings/s: $q"
rss=$(rss_kib "$svc")
log "RSS after the paced phase: $(awk -v k="$rss" 'BEGIN{printf "%.1f", k/1024}') MiB"
log "# load after the run: $(uptime)"
echo "results: $out" >&2
