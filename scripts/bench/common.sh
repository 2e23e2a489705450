# Shared by the benchmark scripts that start the platform's processes
# (order-flow-bench.sh, notification-bench.sh, telemetry-bench.sh; ingress-bench.sh for wait_ready, rss_kib and cpu_ticks). Source it after setting
# `root`, `build`, `build_dir` and `run` (the scratch directory).

# Every started process goes into pids; on exit they are stopped newest
# first (services before the broker), then the scratch directory is removed.
pids=()
bench_cleanup() {
  local i
  for ((i=${#pids[@]}-1; i>=0; i--)); do kill -TERM "${pids[$i]}" 2>/dev/null || true; done
  for ((i=${#pids[@]}-1; i>=0; i--)); do wait "${pids[$i]}" 2>/dev/null || true; done
  rm -rf "$run"
}
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

for tool in kcat curl python3; do command -v $tool >/dev/null || { echo "missing $tool" >&2; exit 2; }; done

# bench_build_and_check BINARY...: builds Release into $build_dir unless
# --no-build, then checks that every binary named is there.
bench_build_and_check() {
  if [ "$build" = 1 ]; then
    echo "== building Release in $build_dir" >&2
    # -O2: see ingress-bench.sh (GCC 12 -O3 false positive, warnings are errors).
    CAAS_BUILD_DIR=$build_dir "$root/scripts/build" -DCMAKE_BUILD_TYPE=Release \
      "-DCMAKE_CXX_FLAGS_RELEASE=-O2 -DNDEBUG" -DCAAS_BUILD_TESTS=OFF
  fi
  local b
  for b in "$@"; do
    [ -x "$build_dir/bin/$b" ] || { echo "$build_dir/bin/$b missing (build first)" >&2; exit 2; }
  done
}

# wait_ready URL PID: a 200 from URL within 60 s, while PID lives.
wait_ready() {
  local i
  for i in $(seq 300); do
    kill -0 "$2" 2>/dev/null || { echo "process $2 exited during start-up" >&2; return 1; }
    [ "$(curl -s -o /dev/null -w '%{http_code}' -m 1 "$1" || true)" = 200 ] && return 0
    sleep 0.2
  done
  echo "no 200 from $1 within 60 s" >&2; return 1
}

# bench_start_broker N [ARG...]: caas-devbroker with N mock brokers, the ARGs
# passed on (e.g. --topics FILE); sets `bootstrap` and `broker_pid`.
bench_start_broker() {
  local n=$1
  shift
  "$build_dir/bin/caas-devbroker" --brokers "$n" "$@" --bootstrap-file "$run/bootstrap" >"$run/devbroker.log" 2>&1 &
  broker_pid=$!
  pids+=($!)
  local _
  for _ in $(seq 100); do [ -s "$run/bootstrap" ] && break; sleep 0.1; done
  [ -s "$run/bootstrap" ] || { echo "caas-devbroker wrote no bootstrap address within 10 s" >&2; exit 1; }
  bootstrap=$(cat "$run/bootstrap")
}

# rss_kib PID: resident set in KiB (0 once gone); cpu_ticks PID: user + system clock ticks.
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
cpu_ticks() { awk '{print $14+$15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
