#!/usr/bin/env bash
# Benchmark of the order flow (issue 4): orders/s through the whole flow on the
# local broker, and the latency from a Factory webhook's 200 (ingress) to the
# order's state change (order service), p50/p99, at a paced webhook rate.
#
#   scripts/bench/order-flow-bench.sh [--orders 500] [--rate 500] [--brokers 1] [--read-model] [--no-build]
#
# One order replica, so by default without its read model (CAAS_ORDER_READ_MODEL=false):
# the read model is a second copy of every order, kept so that any of several
# replicas can answer GET; with one replica the owner's store holds them all.
# --read-model runs it anyway (the multi-replica cost). --brokers: mock brokers.
#
# Starts caas-devbroker, caas-webhook-ingress, caas-order, caas-factory-adapter
# and caas-factory-sim (webhooks off: this script plays the Factory's webhook
# sender, so it knows when each 200 came) on loopback; every process is stopped
# by PID on exit. Results: $CAAS_BENCH_OUT (default
# build-bench/bench-results/order-flow-<UTC time>/): summary.md, latencies.tsv.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

orders=500; rate=500; build=1; brokers=1; read_model=false
while (($#)); do
  case $1 in
    --orders) orders=$2; shift ;;
    --rate) rate=$2; shift ;;
    --brokers) brokers=$2; shift ;;
    --read-model) read_model=true ;;
    --no-build) build=0 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

build_dir=${CAAS_BENCH_BUILD_DIR:-$root/build-bench}
out=${CAAS_BENCH_OUT:-$build_dir/bench-results/order-flow-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$out"
run=$(mktemp -d "${TMPDIR:-/tmp}/caas-order-bench.XXXXXX")

# shellcheck source=common.sh
. "$here/common.sh"
bench_build_and_check caas-devbroker caas-webhook-ingress caas-order caas-factory-adapter caas-factory-sim
bin=$build_dir/bin

bench_start_broker "$brokers"

echo "bench-factory-webhook-secret" >"$run/factory-webhook"
echo "bench-iot-secret" >"$run/iot-webhook"
echo "bench-factory-api-token" >"$run/factory-token"
echo "bench-customer-token-secret-0123456789" >"$run/token-secret"
echo "bench-dealer-key-0123456789 dealer DEALER-ES-001" >"$run/api-keys"
export CAAS_KAFKA_BOOTSTRAP=$bootstrap CAAS_DATA_DIR=$run/data CAAS_LOG_LEVEL=warn
export CAAS_SCHEMA_DIR=$root/proto-schemas
# The mock broker holds an empty fetch for the whole fetch.wait.max.ms instead
# of answering when data arrives (a real broker answers at once): see libs/service.
export CAAS_KAFKA_FETCH_WAIT_MAX=${CAAS_KAFKA_FETCH_WAIT_MAX:-10ms}
export CAAS_FACTORY_WEBHOOK_SECRETS_FILE=$run/factory-webhook CAAS_IOT_WEBHOOK_SECRETS_FILE=$run/iot-webhook
export CAAS_FACTORY_API_TOKEN_FILE=$run/factory-token CAAS_TOKEN_SECRET_FILE=$run/token-secret
export CAAS_API_KEYS_FILE=$run/api-keys

"$bin/caas-factory-sim" --port 18090 --max-orders 1000000 >"$run/factory-sim.log" 2>&1 &
pids+=($!); sim_pid=$!
# The built-in Factory source with its per-source rate limit lifted (the
# benchmark is the load); the known-order check stays on, as in production.
cat >"$run/sources.json" <<JSON
{"sources": [{
  "name": "factory", "path": "/api/v1/webhooks/factory/status", "signature": "factory-hmac",
  "secrets_env": "CAAS_FACTORY_WEBHOOK_SECRETS_FILE", "schema": "ingress.factory-status.v1",
  "topic": "caas.ingress.factory-status.v1", "key_field": "order_id", "validator": "factory-status",
  "responses": "factory", "rate_limit": {"rps": 1000000, "burst": 1000000},
  "max_body_bytes": 65536, "check_known_orders": true}]}
JSON
CAAS_HTTP_PORT=18080 CAAS_INGRESS_SOURCES_FILE=$run/sources.json "$bin/caas-webhook-ingress" >"$run/ingress.log" 2>&1 &
pids+=($!); ingress_pid=$!
CAAS_HTTP_PORT=18081 CAAS_INSTANCE_ID=bench-order CAAS_ORDER_READ_MODEL=$read_model "$bin/caas-order" >"$run/order.log" 2>&1 &
pids+=($!); order_pid=$!
CAAS_HTTP_PORT=18082 CAAS_FACTORY_API_URL=http://127.0.0.1:18090 "$bin/caas-factory-adapter" >"$run/adapter.log" 2>&1 &
pids+=($!); adapter_pid=$!
wait_ready http://127.0.0.1:18090/healthz $sim_pid
wait_ready http://127.0.0.1:18080/readyz $ingress_pid
wait_ready http://127.0.0.1:18081/readyz $order_pid
wait_ready http://127.0.0.1:18082/readyz $adapter_pid
echo "== platform ready (broker $bootstrap); $orders orders, webhooks at $rate/s" >&2

python3 "$here/order_flow_driver.py" --orders "$orders" --rate "$rate" --bootstrap "$bootstrap" \
  --order-url http://127.0.0.1:18081 --ingress-url http://127.0.0.1:18080 \
  --dealer-key bench-dealer-key-0123456789 --webhook-secret bench-factory-webhook-secret \
  --setup "$brokers mock broker(s), order read model $read_model, fetch.wait.max $CAAS_KAFKA_FETCH_WAIT_MAX" \
  --out "$out" | tee "$out/summary.md"
echo "results in $out" >&2
