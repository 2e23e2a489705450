#!/usr/bin/env bash
# Runs one libFuzzer target for a fixed budget (called by ctest, label fuzz).
#
#   run-fuzz.sh BINARY SEED_DIR WORK_DIR SECONDS MAX_LEN [DICT]
#   run-fuzz.sh --unavailable REASON      -> exit 77 (ctest SKIP_RETURN_CODE)
#
# 1. Replays every checked-in seed (valid and hostile samples) as a regression
#    check. 2. Fuzzes from the seeds; new inputs go to WORK_DIR/corpus, never
#    into the source tree.
# The suite's fuzzing is reproducible: a fixed seed (CAAS_FUZZ_SEED, default 1)
# and a fixed number of inputs (CAAS_FUZZ_RUNS, default 60000), capped by
# SECONDS (CAAS_FUZZ_SECONDS overrides) so a slow machine runs a prefix of the
# same sequence, never a different one. A red CI run therefore reproduces on
# any machine, and CI does not turn red on a new random find. Exploration is
# opt-in: CAAS_FUZZ_SEED=0 (random) CAAS_FUZZ_RUNS=-1 (unbounded) with a
# longer CAAS_FUZZ_SECONDS; crashes it finds become seeds in corpus/.
# Any crash, leak, sanitizer report, timeout (10 s per input) or RSS above
# 2 GiB fails the test; the input is kept in WORK_DIR/artifacts/ and the
# command to reproduce it is printed.
set -uo pipefail

if [ "${1:-}" = --unavailable ]; then
  echo "SKIP: ${2:-libFuzzer unavailable}" >&2
  exit 77
fi

bin=${1:?binary}; seeds=${2:?seed dir}; work=${3:?work dir}; secs=${CAAS_FUZZ_SECONDS:-${4:?seconds}}
max_len=${5:?max len}; dict=${6:-}
seed=${CAAS_FUZZ_SEED:-1}; runs=${CAAS_FUZZ_RUNS:-60000}
[ -x "$bin" ] || { echo "fuzz binary $bin missing (build target caas_fuzz)" >&2; exit 1; }

rm -rf "$work/corpus" "$work/artifacts"
mkdir -p "$work/corpus" "$work/artifacts"

# Sanitizers: stop at the first report; libFuzzer's own exit codes must not
# be 77 (the default -error_exitcode), which ctest would read as "skipped".
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
common=(-error_exitcode=1 -timeout_exitcode=1 -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=2048
        -artifact_prefix="$work/artifacts/")

report() {
  local rc=$1 what=$2 f
  echo "FAIL: $(basename "$bin") $what (exit $rc)" >&2
  for f in "$work"/artifacts/*; do
    [ -e "$f" ] || continue
    echo "  input: $f" >&2
    echo "  reproduce: $bin $f" >&2
  done
  exit 1
}

# 1. Seeds, one by one.
mapfile -t seed_files < <(find "$seeds" -type f | sort)
if ((${#seed_files[@]})); then
  "$bin" "${common[@]}" "${seed_files[@]}" >"$work/seeds.log" 2>&1
  rc=$?
  if [ $rc -ne 0 ]; then
    tail -50 "$work/seeds.log" >&2
    report $rc "on a checked-in seed"
  fi
  echo "seeds: ${#seed_files[@]} replayed clean" >&2
fi

# 2. Fuzz for the budget.
args=("${common[@]}" -seed="$seed" -runs="$runs" -max_total_time="$secs" -max_len="$max_len"
      -print_final_stats=1 -reload=0)
[ -n "$dict" ] && args+=(-dict="$dict")
echo "fuzzing $(basename "$bin") (seed $seed, $runs runs, at most ${secs}s): $bin ${args[*]} $work/corpus $seeds" >&2
"$bin" "${args[@]}" "$work/corpus" "$seeds" >"$work/fuzz.log" 2>&1
rc=$?
grep -E '^(stat::|#[0-9]+ +DONE|Done )' "$work/fuzz.log" >&2 || true
if [ $rc -ne 0 ]; then
  tail -80 "$work/fuzz.log" >&2
  report $rc "while fuzzing"
fi
echo "PASS: $(basename "$bin") ran clean (seed $seed, at most $runs runs / ${secs}s), corpus $(find "$work/corpus" -type f | wc -l) new inputs" >&2
