#!/usr/bin/env bash
# Benchmark of the OTA engine (issue 14): --activations purchases in flight at
# once across --vehicles simulated vehicles of caas-iot-sim whose round trip
# (command accepted -> applied and acknowledged) is --round-trip; reports the
# RSS peak of caas-ota-engine (budget < 256 MB), activations confirmed per
# second, and payment -> confirmed p50/p99 (requested_at -> activated_at of
# every ota.activated; cross-checked with the engine's
# ota_activation_latency_seconds histogram).
#
#   scripts/bench/ota-bench.sh [--activations 10000] [--vehicles 10000] [--round-trip 200ms]
#                              [--cpus 0] [--all-at-once] [--no-build]
#
# --all-at-once: the fleet is off the network while the purchases are taken
# (the API IoT holds their commands), then comes back: every activation is in
# flight at the same moment; latency is then "fleet back online -> confirmed".
#
# Path under test: POST /api/v1/vehicles/{vin}/services/{code}/activation
# (202) -> caas.ota.commands.v1 -> the engine's state machine -> API IoT
# POST configuration -> signed command-status webhooks (ACCEPTED, APPLIED)
# through caas-webhook-ingress -> caas.ingress.iot-command-status.v1 -> the
# engine: confirmed (reported == desired) -> ota.activated +
# billing.charge-requested through the outbox. Production retry settings
# (CAAS_OTA_RETRY_SCALE 1.0), no faults. caas-ota-engine is pinned to the
# CPUs in --cpus (taskset; "" = no pinning).
# Results: $CAAS_BENCH_OUT (default build-bench/bench-results/ota-<UTC time>/).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

activations=10000; vehicles=10000; round_trip=200ms; cpus=0; build=1; all_at_once=()
while (($#)); do
  case $1 in
    --activations) activations=$2; shift ;;
    --vehicles) vehicles=$2; shift ;;
    --round-trip) round_trip=$2; shift ;;
    --cpus) cpus=$2; shift ;;
    --no-build) build=0 ;;
    --all-at-once) all_at_once=(--all-at-once) ;;
    -h|--help) sed -n '2,26p' "$0"; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

build_dir=${CAAS_BENCH_BUILD_DIR:-$root/build-bench}
out=${CAAS_BENCH_OUT:-$build_dir/bench-results/ota-$(date -u +%Y%m%dT%H%M%SZ)}
ota_port=${CAAS_BENCH_OTA_PORT:-18083}
ingress_port=${CAAS_BENCH_INGRESS_PORT:-18080}
sim_port=${CAAS_BENCH_IOT_SIM_PORT:-18092}
mkdir -p "$out"
run=$(mktemp -d "${TMPDIR:-/tmp}/caas-ota-bench.XXXXXX")

# shellcheck source=common.sh
. "$here/common.sh"
bench_build_and_check caas-devbroker caas-webhook-ingress caas-iot-sim caas-ota-engine
bin=$build_dir/bin

# The broker keeps only 5 MiB per partition: every topic of the path gets
# enough partitions for --activations (~1 KiB per record, a few records each).
partitions=$(( (activations * 4 * 1100 + 4194303) / 4194304 ))
[ "$partitions" -ge 12 ] || partitions=12
python3 - "$root/proto-schemas/topics.json" "$run/topics.json" "$partitions" <<'EOF'
import json, sys
t = json.load(open(sys.argv[1]))
for x in t["topics"]:
    if x["name"] in ("caas.ota.commands.v1", "caas.ota.events.v1", "caas.billing.events.v1",
                     "caas.ingress.iot-command-status.v1", "caas.order.events.v1"):
        x["partitions"] = max(x["partitions"], int(sys.argv[3]))
json.dump(t, open(sys.argv[2], "w"), indent=1)
EOF
bench_start_broker 1 --topics "$run/topics.json"

echo "bench-iot-token" >"$run/iot-token"
echo "bench-iot-webhook-secret" >"$run/iot-secret"
echo "bench-factory-webhook-secret" >"$run/factory-secret"
echo "bench-admin-key-0123456789 admin bench" >"$run/api-keys"
# The ingress's sources, with the rate limits (command status: 2,000/s in
# production) raised: this measures the engine, not the ingress's throttle.
python3 - "$root/services/webhook-ingress/config/sources.example.json" "$run/sources.json" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))
for src in s["sources"]:
    src["rate_limit"] = {"rps": 1000000, "burst": 1000000}
json.dump(s, open(sys.argv[2], "w"), indent=1)
EOF

CAAS_KAFKA_BOOTSTRAP=$bootstrap CAAS_DATA_DIR=$run/data CAAS_LOG_LEVEL=warn CAAS_HTTP_PORT=$ingress_port \
  CAAS_SCHEMA_DIR=$root/proto-schemas CAAS_IOT_WEBHOOK_SECRETS_FILE=$run/iot-secret \
  CAAS_FACTORY_WEBHOOK_SECRETS_FILE=$run/factory-secret CAAS_INSTANCE_ID=ingress-bench \
  CAAS_INGRESS_SOURCES_FILE=$run/sources.json CAAS_INGRESS_CHECK_KNOWN_ORDERS=false \
  "$bin/caas-webhook-ingress" >"$run/ingress.log" 2>&1 &
pids+=($!); ingress_pid=$!
wait_ready "http://127.0.0.1:$ingress_port/readyz" $ingress_pid

# The vehicles: no faults, telemetry taken rarely and not sent (this is the
# command path), --round-trip between ACCEPTED and the result, enough
# webhook senders and queue for two acknowledgements per activation.
"$bin/caas-iot-sim" --port "$sim_port" --api-token-file "$run/iot-token" --webhook-secret-file "$run/iot-secret" \
  --command-status-url "http://127.0.0.1:$ingress_port/api/v1/webhooks/iot/command-status" \
  --vehicles "$vehicles" --seed 2026 --telemetry-interval 1h --apply-delay "$round_trip" --command-ttl 600s \
  --webhook-workers 16 --webhook-attempts 20 --webhook-queue $((activations * 4)) --max-commands $((activations * 4)) \
  --http-threads 2 --log-level warn >"$run/iot-sim.log" 2>&1 &
pids+=($!); sim_pid=$!
wait_ready "http://127.0.0.1:$sim_port/readyz" $sim_pid

pin=()
[ -n "$cpus" ] && command -v taskset >/dev/null && pin=(taskset -c "$cpus")
CAAS_KAFKA_BOOTSTRAP=$bootstrap CAAS_DATA_DIR=$run/data CAAS_LOG_LEVEL=warn CAAS_HTTP_PORT=$ota_port \
  CAAS_SCHEMA_DIR=$root/proto-schemas CAAS_KAFKA_FETCH_WAIT_MAX=${CAAS_KAFKA_FETCH_WAIT_MAX:-10ms} \
  CAAS_API_KEYS_FILE=$run/api-keys CAAS_IOT_API_URL=http://127.0.0.1:$sim_port CAAS_IOT_API_TOKEN_FILE=$run/iot-token \
  CAAS_OTA_CATALOGUE_FILE=$root/services/ota-engine/catalogue/catalogue.json \
  CAAS_INSTANCE_ID=ota-bench CAAS_OTA_RATE_LIMIT_PER_VEHICLE=0 CAAS_OTA_RATE_LIMIT_PER_CUSTOMER=0 \
  CAAS_OTA_IOT_WORKERS=${CAAS_BENCH_OTA_IOT_WORKERS:-16} \
  "${pin[@]}" "$bin/caas-ota-engine" >"$run/ota-engine.log" 2>&1 &
pids+=($!); ota_pid=$!
wait_ready "http://127.0.0.1:$ota_port/readyz" $ota_pid
echo "== ready (broker $bootstrap, $partitions partitions per OTA topic); $activations activations over" \
  "$vehicles vehicles, round trip $round_trip, caas-ota-engine on CPUs '${cpus}'" >&2

status=0
python3 "$here/ota_driver.py" --activations "$activations" --bootstrap "$bootstrap" \
  --api "http://127.0.0.1:$ota_port" --api-key bench-admin-key-0123456789 --sim "http://127.0.0.1:$sim_port" \
  --pid "$ota_pid" --round-trip "$round_trip" --out "$out" "${all_at_once[@]}" | tee "$out/summary.md" || status=$?
cp "$run/ota-engine.log" "$out/" 2>/dev/null || true
echo "results in $out" >&2
exit "$status"
