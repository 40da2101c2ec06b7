#!/usr/bin/env bash
# Fails when a C or C++ file of the tree differs from what clang-format makes
# of it with the repository's .clang-format, and lists the files. To fix:
#   git ls-files '*.c' '*.h' '*.cpp' '*.hpp' | xargs clang-format -i
set -euo pipefail
root="${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
cd "$root"
command -v clang-format >/dev/null || { echo "clang-format is not installed (cmake/install-deps.sh --test)"; exit 1; }
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  mapfile -t files < <(git ls-files '*.c' '*.h' '*.cpp' '*.hpp' | grep -v '^tests/vectors/')
else
  mapfile -t files < <(find src include capi examples tests bench fuzz python -type f \
    \( -name '*.c' -o -name '*.h' -o -name '*.cpp' -o -name '*.hpp' \) -not -path 'tests/vectors/*' 2>/dev/null | sort)
fi
[ ${#files[@]} -gt 0 ] || { echo "no source files found under $root"; exit 1; }
# clang-format takes many files per process (one process per file cost
# minutes); the files it complains about are named in its diagnostics.
status=0
diagnostics=$(printf '%s\0' "${files[@]}" |
  xargs -0 -n 64 -P "$(nproc)" clang-format --dry-run --Werror 2>&1 >/dev/null) || status=$?
mapfile -t bad < <(sed -n 's/^\(.*\):[0-9]*:[0-9]*: error: .*/\1/p' <<<"$diagnostics" | sort -u)
if [ "$status" -ne 0 ] && [ ${#bad[@]} -eq 0 ]; then
  echo "clang-format failed without naming a file:"; echo "$diagnostics"; exit 1
fi
if [ ${#bad[@]} -gt 0 ]; then
  echo "${#bad[@]} of ${#files[@]} files differ from .clang-format ($(clang-format --version)):"
  printf '  %s\n' "${bad[@]}"
  exit 1
fi
echo "${#files[@]} files match .clang-format"
