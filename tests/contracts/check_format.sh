#!/usr/bin/env bash
# Every tracked C++ source is formatted as .clang-format says (clang-format-14,
# installed by scripts/setup-deps). Fix with:
#   git ls-files '*.cpp' '*.hpp' | xargs clang-format-14 -i
set -uo pipefail
cd "$(dirname "$0")/../.."
command -v clang-format-14 >/dev/null || { echo "SKIP: clang-format-14 not installed" >&2; exit 77; }
mapfile -t files < <(git ls-files '*.cpp' '*.hpp' 2>/dev/null || find libs services tests -name '*.[ch]pp')
bad=$(clang-format-14 --dry-run "${files[@]}" 2>&1 | grep -E '^[^ ]+:[0-9]+:[0-9]+: warning' | cut -d: -f1 | sort -u)
if [ -n "$bad" ]; then
  echo "not clang-format clean:" >&2
  echo "$bad" >&2
  exit 1
fi
echo "${#files[@]} files clang-format clean"
