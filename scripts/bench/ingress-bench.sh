#!/usr/bin/env bash
# Benchmark of webhook-ingress (issue 3): signed Factory status webhooks with
# wrk, ingress pinned to CPU 0, the local broker (and wrk) on CPU 1.
# Optionally the FastAPI + confluent-kafka peer of ../shared/peers is measured
# the same way in the same run, for a ratio. --floor adds caas-ack-floor, a
# server that does nothing but the Kafka round trip (raw epoll, then through
# libs/http): the ceiling of this set-up. See README.md.
# --telemetry measures the API IoT telemetry path instead (issue 13): Standard
# Webhooks signed batches of 100 readings, one record per reading.
#
#   scripts/bench/ingress-bench.sh [--telemetry] [--with-peer] [--peer-only] [--floor] [--conns "16 64"]
#                                  [--duration 20] [--runs 1] [--brokers 1] [--no-build]
#
# Loopback only, bounded in time; every process started here is stopped by PID
# on exit. Results: $CAAS_BENCH_OUT (default build-bench/bench-results/<UTC time>/):
# raw wrk output (+ CPU per thread), runs.tsv, summary.md. CAAS_BENCH_PERF=1
# adds a perf profile of the server per run (perf-<server>-c<N>.txt);
# CAAS_BENCH_SYSCALLS=1 counts the server's syscalls per request (perf
# tracepoints; syscalls-<server>-c<N>.txt).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

with_peer=0; peer_only=0; floor=0; build=1; telemetry=0
conns="16 64"; duration=20; runs=1; threads=2; warmup=3; brokers=1
while (($#)); do
  case $1 in
    --telemetry) telemetry=1 ;;
    --with-peer) with_peer=1 ;;
    --peer-only) with_peer=1; peer_only=1 ;;
    --floor) floor=1 ;;
    --conns) conns=$2; shift ;;
    --duration) duration=${2%s}; shift ;;
    --runs) runs=$2; shift ;;
    --brokers) brokers=$2; shift ;;
    --no-build) build=0 ;;
    -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

build_dir=${CAAS_BENCH_BUILD_DIR:-$root/build-bench}
out=${CAAS_BENCH_OUT:-$build_dir/bench-results/$(date -u +%Y%m%dT%H%M%SZ)}
port=${CAAS_BENCH_PORT:-18080}
peer_port=${CAAS_BENCH_PEER_PORT:-18000}
floor_port=${CAAS_BENCH_FLOOR_PORT:-18081}
peers_dir=${CAAS_PEERS_DIR:-$root/../shared/peers}
srv_cpu=0; aux_cpu=1   # ingress | devbroker + wrk
if [ "$telemetry" = 1 ]; then
  # API IoT telemetry: batches of $batch readings, one record per reading.
  topic=caas.ingress.iot-telemetry.v1
  webhook_path=/api/v1/webhooks/iot/telemetry
  wrk_script=wrk_telemetry.lua
  batch=${CAAS_BENCH_TELEMETRY_BATCH:-100}
else
  topic=caas.ingress.factory-status.v1
  webhook_path=/api/v1/webhooks/factory/status
  wrk_script=wrk_webhook.lua
  batch=1
fi
secret=bench-factory-secret
mkdir -p "$out/raw"
run=$(mktemp -d "${TMPDIR:-/tmp}/caas-bench.XXXXXX")
# wait_ready, rss_kib and cpu_ticks from the shared helpers; the bookkeeping below replaces theirs
# (it also kills a process that ignores SIGTERM for 10 s).
# shellcheck source=common.sh
. "$here/common.sh"

# ---- process bookkeeping: stop what we started, by PID, newest first ----
pids=()
stop_pid() {
  local pid=$1 i
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 100); do kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }; sleep 0.1; done
  echo "warn: $pid ignored SIGTERM for 10 s, killing it" >&2
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  local i
  for ((i=${#pids[@]}-1; i>=0; i--)); do stop_pid "${pids[$i]}"; done
  pids=()
  rm -rf "$run"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
forget() { local keep=() p; for p in "${pids[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done; pids=("${keep[@]}"); }

need() { command -v "$1" >/dev/null || { echo "missing $1 (Debian package ${2:-$1})" >&2; exit 2; }; }
need wrk; need kcat; need taskset util-linux; need curl; need python3
if [ "$(nproc)" -lt 2 ]; then echo "needs 2 CPUs (ingress on one, broker + wrk on the other)" >&2; exit 2; fi

# ---- build (Release) ----
if [ "$build" = 1 ] && [ "$peer_only" = 0 ]; then
  echo "== building Release in $build_dir" >&2
  # -O2, not CMake's Release -O3: GCC 12 at -O3 reports a false
  # -Wstringop-overflow in libs/http/src/url.cpp, and warnings are errors.
  CAAS_BUILD_DIR=$build_dir "$root/scripts/build" -DCMAKE_BUILD_TYPE=Release \
    "-DCMAKE_CXX_FLAGS_RELEASE=-O2 -DNDEBUG" -DCAAS_BUILD_TESTS=OFF
fi
broker_bin=$build_dir/bin/caas-devbroker
ingress_bin=$build_dir/bin/caas-webhook-ingress
[ -x "$broker_bin" ] || { echo "$broker_bin missing (build first)" >&2; exit 2; }
[ "$peer_only" = 1 ] || [ -x "$ingress_bin" ] || { echo "$ingress_bin missing (build first)" >&2; exit 2; }
floor_bin=$build_dir/bin/caas-ack-floor
[ "$floor" = 0 ] || [ -x "$floor_bin" ] || { echo "$floor_bin missing (build first)" >&2; exit 2; }

# ---- helpers ----
# thread_ticks PID -> "tid comm ticks" per thread (comm without spaces)
thread_ticks() {
  local f
  for f in /proc/"$1"/task/*/stat; do
    awk '{c=$0; sub(/^[0-9]+ \(/, "", c); sub(/\).*/, "", c); gsub(/ /, "_", c);
          n=split($0, a, ") "); split(a[n], b, " "); print $1, c, b[12]+b[13]}' "$f" 2>/dev/null
  done
}
# sys_jiffies [cpuN] -> "busy total" jiffies of the machine (or of one CPU).
sys_jiffies() { awk -v c="${1:-cpu}" '$1 == c {print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9}' /proc/stat; }
# Sum of the high watermarks of every partition of $topic = records appended.
topic_records() {
  local parts args=() p
  parts=$(kcat -b "$bootstrap" -L -t "$topic" 2>/dev/null | grep -c '^    partition ' || true)
  for ((p=0; p<parts; p++)); do args+=(-t "$topic:$p:-1"); done
  kcat -b "$bootstrap" -Q "${args[@]}" 2>/dev/null | awk '/offset/ {s+=$NF} END {print s+0}'
}
# Waits (at most CAAS_BENCH_QUIET_MAX=60 s) until the machine is quiet: < 20 % of a core busy.
wait_quiet() {
  local t=0 a b busy
  while :; do
    a=$(sys_jiffies); sleep 1; b=$(sys_jiffies)
    busy=$(awk -v a="$a" -v b="$b" -v n="$(nproc)" 'BEGIN{split(a,x," ");split(b,y," ");printf "%.0f",(y[1]-x[1])/(y[2]-x[2])*n*100}')
    [ "$busy" -lt 20 ] && return 0
    [ $t -ge "${CAAS_BENCH_QUIET_MAX:-60}" ] && { echo "warn: machine still ${busy}% busy, measuring anyway" >&2; return 0; }
    [ $t -eq 0 ] && echo "waiting for foreign load (${busy}% of a core) to drop..." >&2
    t=$((t+1))
  done
}

# ---- local broker on the auxiliary CPU ----
echo "== devbroker ($brokers mock broker(s)) on CPU $aux_cpu" >&2
taskset -c "$aux_cpu" "$broker_bin" --brokers "$brokers" --bootstrap-file "$run/bootstrap" >"$run/broker.out" 2>"$run/broker.err" &
pids+=($!)
for _ in $(seq 100); do [ -s "$run/bootstrap" ] && break; sleep 0.1; done
bootstrap=$(head -1 "$run/bootstrap" 2>/dev/null || true)
[ -n "$bootstrap" ] || { echo "devbroker did not start" >&2; cat "$run/broker.err" >&2; exit 1; }

if [ "$telemetry" = 1 ]; then
  # Bodies only: wrk_telemetry.lua signs each request with a fresh webhook-id.
  python3 "$here/gen_telemetry.py" 200 "$run/requests.lua" "$batch"
  export WRK_SECRET=$secret
else
  python3 "$here/gen_requests.py" 2000 "$run/requests.lua" "$secret"
fi
export WRK_REQUESTS=$run/requests.lua

tsv=$out/runs.tsv
printf 'server\tconns\trun\trps\tp50_ms\tp99_ms\trequests\tnon2xx\tsock_err\tlanded\trss_idle_mib\trss_load_mib\tserver_cpu_pct\tsys_busy_pct\taux_busy_pct\trecords_per_request\n' >"$tsv"

# bench_server NAME PID URL: warm-up, then one wrk run per connection count.
bench_server() {
  local name=$1 pid=$2 url=$3 r c raw before after landed rss_idle peak s0 s1 j0 j1 k0 k1 row sampler
  sleep 2
  rss_idle=$(rss_kib "$pid")
  echo "== $name: idle RSS $((rss_idle / 1024)) MiB; warm-up ${warmup}s" >&2
  WRK_RUN_TAG=warmup-$name taskset -c "$aux_cpu" wrk -t"$threads" -c64 -d"${warmup}s" -s "$here/$wrk_script" "$url" >/dev/null
  for r in $(seq "$runs"); do
    for c in $conns; do
      raw=$out/raw/${name}_c${c}_r${r}.txt
      sleep 1
      wait_quiet
      before=$(topic_records)
      # RSS under load: the peak of samples every 200 ms during the run.
      ( peak=0; while kill -0 "$pid" 2>/dev/null; do v=$(rss_kib "$pid"); [ "$v" -gt "$peak" ] && peak=$v
          echo "$peak" >"$run/peak"; sleep 0.2; done ) &
      sampler=$!
      thread_ticks "$pid" >"$run/threads0"
      s0=$(cpu_ticks "$pid"); j0=$(sys_jiffies); k0=$(sys_jiffies "cpu$aux_cpu")
      echo "# $name: taskset -c $aux_cpu wrk -t$threads -c$c -d${duration}s --latency -s $wrk_script $url" >"$raw"
      echo "# load before the run: $(uptime)" >>"$raw"
      local perf_pid=""
      if [ "${CAAS_BENCH_PERF:-0}" = 1 ] && command -v perf >/dev/null; then
        # CPU profile of the server during the run (software clock: works in VMs).
        perf record -q -e cpu-clock -F 999 -g -p "$pid" -o "$out/perf-${name}-c${c}.data" -- sleep $((duration - 2)) \
          >/dev/null 2>&1 &
        perf_pid=$!
      fi
      local sys_pid=""
      if [ "${CAAS_BENCH_SYSCALLS:-0}" = 1 ] && command -v perf >/dev/null; then
        perf stat -x, -e 'syscalls:sys_enter_*' -p "$pid" -o "$run/syscalls" -- sleep $((duration - 2)) >/dev/null 2>&1 &
        sys_pid=$!
      fi
      WRK_RUN_TAG=$name-c$c-r$r timeout $((duration + 30)) taskset -c "$aux_cpu" \
        wrk -t"$threads" -c"$c" -d"${duration}s" --latency -s "$here/$wrk_script" "$url" >>"$raw"
      if [ -n "$perf_pid" ]; then
        wait "$perf_pid" 2>/dev/null || true
        perf report -i "$out/perf-${name}-c${c}.data" --no-children --sort dso,symbol --stdio 2>/dev/null |
          grep -E '^ +[0-9]' | sed 's/  */ /g' | cut -c1-160 | head -60 >"$out/perf-${name}-c${c}.txt" || true
      fi
      if [ -n "$sys_pid" ]; then
        wait "$sys_pid" 2>/dev/null || true
        # Per request: counts over (duration - 2) s divided by the requests wrk
        # completed in that time (its average rate).
        local rate
        rate=$(python3 "$here/parse_wrk.py" "$raw" | cut -f1)
        awk -F, -v n="$(awk -v r="$rate" -v d="$duration" 'BEGIN{print r*(d-2)}')" \
          '$1 ~ /^[0-9]+$/ && $1 > 0 {sub(/syscalls:sys_enter_/, "", $3); printf "%-20s %10d %6.2f\n", $3, $1, $1/n}' \
          "$run/syscalls" | sort -k2 -rn >"$out/syscalls-${name}-c${c}.txt"
      fi
      s1=$(cpu_ticks "$pid"); j1=$(sys_jiffies); k1=$(sys_jiffies "cpu$aux_cpu")
      thread_ticks "$pid" >"$run/threads1"
      # Where the server's CPU went, per thread name (% of one core).
      awk -v d="$duration" -v hz="$(getconf CLK_TCK)" 'NR==FNR {t0[$1]=$3; next}
          {cpu[$2]+=($3-t0[$1])} END {for (c in cpu) if (cpu[c] > 0) printf "%s %.0f%%\n", c, cpu[c]/hz/d*100}' \
        "$run/threads0" "$run/threads1" | sort -k2 -t' ' -rn | head -8 | sed 's/^/# thread cpu: /' >>"$raw"
      kill "$sampler" 2>/dev/null || true; wait "$sampler" 2>/dev/null || true
      peak=$(cat "$run/peak" 2>/dev/null || echo 0)
      sleep 1  # responses in flight when wrk stopped
      after=$(topic_records)
      landed=$((after - before))
      row=$(python3 "$here/parse_wrk.py" "$raw")
      local srv_cpu_pct sys_pct aux_pct
      srv_cpu_pct=$(awk -v a="$s0" -v b="$s1" -v d="$duration" -v hz="$(getconf CLK_TCK)" 'BEGIN{printf "%.0f",(b-a)/hz/d*100}')
      sys_pct=$(awk -v a="$j0" -v b="$j1" -v n="$(nproc)" 'BEGIN{split(a,x," ");split(b,y," ");printf "%.0f",(y[1]-x[1])/(y[2]-x[2])*n*100}')
      # The load generator's core (wrk + broker): near 100 % it, not the server, sets the pace.
      aux_pct=$(awk -v a="$k0" -v b="$k1" 'BEGIN{split(a,x," ");split(b,y," ");printf "%.0f",(y[1]-x[1])/(y[2]-x[2])*100}')
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$c" "$r" "$row" "$landed" \
        "$(awk -v k="$rss_idle" 'BEGIN{printf "%.1f",k/1024}')" "$(awk -v k="$peak" 'BEGIN{printf "%.1f",k/1024}')" \
        "$srv_cpu_pct" "$sys_pct" "$aux_pct" "$batch" >>"$tsv"
      echo "$name c=$c run=$r: $(echo "$row" | awk -F'\t' '{printf "%s req/s p50 %s ms p99 %s ms, %s requests, %s non-2xx, %s socket errors", $1,$2,$3,$4,$5,$6}'), landed $landed, RSS peak $((peak / 1024)) MiB, server CPU ${srv_cpu_pct}%, CPU $aux_cpu (wrk + broker) ${aux_pct}%" >&2
      local total non2xx ok
      total=$(echo "$row" | cut -f4); non2xx=$(echo "$row" | cut -f5); ok=$((total - non2xx))
      # Every 2xx promises $batch acknowledged records (one per reading).
      if [ "$landed" -lt $((ok * batch)) ]; then
        echo "FAIL: $name c=$c: $landed records landed in $topic < $ok 2xx answers x $batch" >&2
        touch "$out/LOST_RECORDS"
      fi
    done
  done
}

# ---- our ingress on CPU 0 ----
if [ "$peer_only" = 0 ]; then
  printf '%s\n' "$secret" >"$run/factory.secrets"
  if [ "$telemetry" = 1 ]; then
  # The telemetry source as shipped (config/sources.example.json), with only
  # the rate limit lifted; webhook-id dedup, batch and body limits as they are.
  cat >"$run/sources.json" <<EOF
{"sources": [{
  "name": "iot-telemetry", "path": "$webhook_path", "signature": "standard-webhooks",
  "secrets_env": "CAAS_IOT_WEBHOOK_SECRETS_FILE", "schema": "ingress.iot-telemetry.v1",
  "topic": "$topic", "key_field": "vin", "payload": "batch", "items_field": "readings",
  "max_items": 500, "validator": "iot-reading", "rate_limit": {"rps": 10000000, "burst": 10000000},
  "max_body_bytes": 1048576}]}
EOF
  else
  # The Factory source as shipped, with the limits a load test needs lifted:
  # no rate limit in the way, and no 404 for order ids this fresh broker has
  # never seen placed.
  cat >"$run/sources.json" <<EOF
{"sources": [{
  "name": "factory", "path": "/api/v1/webhooks/factory/status", "signature": "factory-hmac",
  "secrets_env": "CAAS_FACTORY_WEBHOOK_SECRETS_FILE", "schema": "ingress.factory-status.v1",
  "topic": "$topic", "key_field": "order_id", "validator": "factory-status",
  "responses": "factory", "rate_limit": {"rps": 10000000, "burst": 10000000},
  "max_body_bytes": 65536, "check_known_orders": false}]}
EOF
  fi
  mkdir -p "$run/data"
  echo "== caas-webhook-ingress on CPU $srv_cpu, port $port" >&2
  ( cd "$root" && CAAS_KAFKA_BOOTSTRAP=$bootstrap CAAS_DATA_DIR=$run/data CAAS_HTTP_PORT=$port \
      CAAS_LOG_LEVEL=warn CAAS_SCHEMA_DIR=$root/proto-schemas \
      CAAS_FACTORY_WEBHOOK_SECRETS_FILE=$run/factory.secrets CAAS_IOT_WEBHOOK_SECRETS_FILE=$run/factory.secrets \
      CAAS_INGRESS_SOURCES_FILE=$run/sources.json CAAS_INGRESS_CHECK_KNOWN_ORDERS=false CAAS_HTTP_THREADS=1 \
      exec env ${CAAS_BENCH_INGRESS_ENV:-} taskset -c "$srv_cpu" "$ingress_bin" ) >"$out/ingress.log" 2>&1 &
  ingress_pid=$!
  pids+=("$ingress_pid")
  wait_ready "http://127.0.0.1:$port/readyz" "$ingress_pid" || { tail -20 "$out/ingress.log" >&2; exit 1; }
  # One request by hand: must be a 200, or the run measures errors.
  if [ "$telemetry" = 1 ]; then
    # The first batch wrk will send, signed here independently of the Lua
    # script (Standard Webhooks: base64 HMAC of "id.timestamp.body").
    body=$(python3 -c 'import ast, sys; print(ast.literal_eval(open(sys.argv[1]).read().split("\n")[2].strip().rstrip(",")))' \
      "$run/requests.lua")
    wid=msg-bench-probe; wts=$(date +%s)
    sig=$(printf '%s.%s.%s' "$wid" "$wts" "$body" | openssl dgst -sha256 -hmac "$secret" -binary | base64 -w0)
    probe=$(curl -s -m 5 -w ' %{http_code}' -H 'Content-Type: application/json' -H "webhook-id: $wid" \
      -H "webhook-timestamp: $wts" -H "webhook-signature: v1,$sig" --data-binary "$body" "http://127.0.0.1:$port$webhook_path")
  else
    body='{"order_id":"ord-bench-probe","status":"SHIPPED","timestamp":"2024-05-01T10:00:00Z"}'
    sig=$(printf '%s' "$body" | openssl dgst -sha256 -hmac "$secret" -r | cut -d' ' -f1)
    probe=$(curl -s -m 5 -w ' %{http_code}' -H 'Content-Type: application/json' -H "X-Factory-Signature: $sig" \
      --data-binary "$body" "http://127.0.0.1:$port$webhook_path")
  fi
  echo "probe: $probe" >&2
  [ "${probe##* }" = 200 ] || { echo "probe webhook refused; not benchmarking" >&2; tail -20 "$out/ingress.log" >&2; exit 1; }
  if [ "$telemetry" = 1 ]; then
    # What the ingress writes per reading (envelope + receipt): the floor's
    # records get the same size.
    value_bytes=$(kcat -b "$bootstrap" -C -t "$topic" -o beginning -c "$batch" -e -q -f '%S\n' 2>/dev/null |
      awk '{s+=$1; n++} END {if (n) printf "%d", s/n}')
    echo "ingress record value: ${value_bytes:-?} bytes per reading" >&2
  fi
  bench_server ingress "$ingress_pid" "http://127.0.0.1:$port"
  stop_pid "$ingress_pid"; forget "$ingress_pid"
fi

# ---- the floor: the Kafka round trip and nothing else, same pinning ----
# Raw epoll (no HTTP parser), then libs/http (Beast + Asio, one I/O thread);
# same producer settings as the ingress, linger included
# (CAAS_BENCH_FLOOR_LINGER_US, default the ingress's 200).
if [ "$floor" = 1 ]; then
  for mode in epoll libs; do
    echo "== caas-ack-floor --http $mode on CPU $srv_cpu, port $floor_port" >&2
    floor_args=()
    if [ "$telemetry" = 1 ]; then
      # One record per reading, keyed by its VIN, sized like the ingress's.
      floor_args=(--topic "$topic" --path "$webhook_path" --batch-key vin --value-bytes "${value_bytes:-900}")
    fi
    taskset -c "$srv_cpu" "$floor_bin" --bootstrap "$bootstrap" --http "$mode" --port "$floor_port" \
      --linger-us "${CAAS_BENCH_FLOOR_LINGER_US:-200}" "${floor_args[@]}" >"$out/floor-$mode.log" 2>&1 &
    floor_pid=$!
    pids+=("$floor_pid")
    code=000
    for _ in $(seq 100); do
      kill -0 "$floor_pid" 2>/dev/null || break
      code=$(curl -s -o /dev/null -w '%{http_code}' -m 2 -H 'Content-Type: application/json' \
        --data-binary '{"order_id":"ord-floor-probe"}' "http://127.0.0.1:$floor_port$webhook_path" || true)
      [ "$code" = 200 ] && break; sleep 0.1
    done
    [ "$code" = 200 ] || { echo "caas-ack-floor did not answer 200" >&2; cat "$out/floor-$mode.log" >&2; exit 1; }
    bench_server "floor-$mode" "$floor_pid" "http://127.0.0.1:$floor_port"
    stop_pid "$floor_pid"; forget "$floor_pid"
  done
fi

# ---- the FastAPI peer, same pinning, same broker and topic ----
if [ "$with_peer" = 1 ] && [ "$telemetry" = 1 ]; then
  # A peer is compared only on an endpoint it has: ../shared/peers' FastAPI
  # and Go peers serve the factory webhook only.
  if grep -qs "$webhook_path" "$peers_dir/fastapi_ingress.py" "$peers_dir"/go_ingress/*.go; then
    echo "a peer in $peers_dir now serves $webhook_path: teach this script to run it" >&2; exit 2
  fi
  echo "no peer in $peers_dir serves $webhook_path: no peer measured" >&2
  with_peer=0
fi
if [ "$with_peer" = 1 ]; then
  [ -f "$peers_dir/fastapi_ingress.py" ] || { echo "peer not found in $peers_dir" >&2; exit 2; }
  /usr/bin/python3 -c 'import fastapi, uvicorn, confluent_kafka' 2>/dev/null || {
    echo "peer needs Debian packages python3-fastapi python3-uvicorn python3-confluent-kafka python3-uvloop python3-httptools" >&2; exit 2; }
  echo "== FastAPI peer (1 uvicorn worker) on CPU $srv_cpu, port $peer_port" >&2
  ( cd "$peers_dir" && KAFKA_BOOTSTRAP=$bootstrap KAFKA_TOPIC=$topic KAFKA_LINGER_MS=5 FACTORY_WEBHOOK_SECRET=$secret \
      exec taskset -c "$srv_cpu" /usr/bin/python3 -m uvicorn fastapi_ingress:app --host 127.0.0.1 --port "$peer_port" \
      --workers 1 --loop uvloop --http httptools --no-access-log --log-level warning ) >"$out/peer.log" 2>&1 &
  peer_pid=$!
  pids+=("$peer_pid")
  for _ in $(seq 150); do
    code=$(curl -s -o /dev/null -w '%{http_code}' -m 1 -X POST "http://127.0.0.1:$peer_port/api/v1/webhooks/factory/status" || true)
    [ "$code" != 000 ] && break; sleep 0.2
  done
  bench_server fastapi "$peer_pid" "http://127.0.0.1:$peer_port"
  stop_pid "$peer_pid"; forget "$peer_pid"
fi

python3 "$here/summarize.py" "$tsv" | tee "$out/summary.md"
echo "results: $out" >&2
[ ! -e "$out/LOST_RECORDS" ] || { echo "FAIL: fewer records in Kafka than 2xx answers" >&2; exit 1; }
