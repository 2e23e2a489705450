#!/usr/bin/env bash
# Benchmark of the notification service (issue 5): notifications/s rendered
# and handed to a local SMTP server (caas-mail-sink, Debian's aiosmtpd) and
# the push gateway simulator, and p50/p99 from the order event's time to the
# channel's acceptance (SMTP 250 / push 202), as the service records it in
# notification.sent (latency_ms).
#
#   scripts/bench/notification-bench.sh [--events 2000] [--rate 500] [--cpus 0] [--no-build]
#
# Each order event (order.status-changed, a customer milestone) makes two
# notifications (e-mail + push), so --rate 500 events/s = 1,000 notifications/s.
# caas-notification is pinned to the CPUs in --cpus (taskset; "" = no pinning).
# Results: $CAAS_BENCH_OUT (default build-bench/bench-results/notification-<UTC time>/).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

events=2000; rate=500; cpus=0; build=1
while (($#)); do
  case $1 in
    --events) events=$2; shift ;;
    --rate) rate=$2; shift ;;
    --cpus) cpus=$2; shift ;;
    --no-build) build=0 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

build_dir=${CAAS_BENCH_BUILD_DIR:-$root/build-bench}
out=${CAAS_BENCH_OUT:-$build_dir/bench-results/notification-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$out"
run=$(mktemp -d "${TMPDIR:-/tmp}/caas-notification-bench.XXXXXX")

# shellcheck source=common.sh
. "$here/common.sh"
bench_build_and_check caas-devbroker caas-notification caas-push-sim caas-mail-sink
bin=$build_dir/bin

bench_start_broker 1

mkdir -p "$run/mail"
"$bin/caas-mail-sink" --port 12525 --dir "$run/mail" >"$run/mail-sink.log" 2>&1 &
pids+=($!)
echo "bench-push-token" >"$run/push-token"
"$bin/caas-push-sim" --port 18091 --api-token-file "$run/push-token" --log-level warn >"$run/push-sim.log" 2>&1 &
pids+=($!); push_pid=$!
echo "bench-admin-key-0123456789 admin bench" >"$run/api-keys"

pin=()
[ -n "$cpus" ] && command -v taskset >/dev/null && pin=(taskset -c "$cpus")
CAAS_KAFKA_BOOTSTRAP=$bootstrap CAAS_DATA_DIR=$run/data CAAS_LOG_LEVEL=warn CAAS_HTTP_PORT=18085 \
  CAAS_SCHEMA_DIR=$root/proto-schemas CAAS_KAFKA_FETCH_WAIT_MAX=${CAAS_KAFKA_FETCH_WAIT_MAX:-10ms} \
  CAAS_API_KEYS_FILE=$run/api-keys CAAS_NOTIFICATION_TEMPLATE_DIR=$root/services/notification/templates \
  CAAS_SMTP_URL=smtp://127.0.0.1:12525 CAAS_PUSH_GATEWAY_URL=http://127.0.0.1:18091 \
  CAAS_PUSH_GATEWAY_TOKEN_FILE=$run/push-token \
  "${pin[@]}" "$bin/caas-notification" >"$run/notification.log" 2>&1 &
pids+=($!); notification_pid=$!
wait_ready http://127.0.0.1:18091/readyz $push_pid
wait_ready http://127.0.0.1:18085/readyz $notification_pid
echo "== ready (broker $bootstrap); $events order events at $rate/s, caas-notification on CPUs '${cpus}'" >&2

python3 "$here/notification_driver.py" --events "$events" --rate "$rate" --bootstrap "$bootstrap" \
  --api http://127.0.0.1:18085 --api-key bench-admin-key-0123456789 --mail-dir "$run/mail" \
  --push http://127.0.0.1:18091 --pid "$notification_pid" --out "$out" | tee "$out/summary.md"
echo "results in $out" >&2
