#!/usr/bin/env bash
# The shared library keeps the C ABI of the release it is compatible with:
# abidiff (Debian's abigail-tools) compares it with the baseline checked in at
# capi/abi/libcloudsync.so.<ABI major>.abi. New functions and types are allowed;
# anything else (a function removed, a parameter or struct changed) fails.
#   check_abi.sh LIBRARY BASELINE PUBLIC_HEADERS_DIR WORK_DIR
# LIBRARY may also be an abidw description already made (*.abi).
# Refreshing the baseline when a release is cut: see capi/abi/README.md.
set -euo pipefail
lib=$1 baseline=$2 headers=$3 work=$4
mkdir -p "$work"
# The same flags as the baseline: only what cloudsync.h declares, no paths.
if [[ "$lib" == *.abi ]]; then
  cp "$lib" "$work/current.abi"
else
  abidw --headers-dir "$headers" --drop-private-types --exported-interfaces-only \
        --no-corpus-path --no-comp-dir-path --no-show-locs "$lib" >"$work/current.abi"
fi

status=0
abidiff "$baseline" "$work/current.abi" >"$work/report.txt" || status=$?
cat "$work/report.txt"
# abidiff's exit status is a bit field: 1 error, 2 usage error, 4 the ABI
# changed, 8 the change is incompatible (something was removed).
if (( status & 3 )); then echo "abidiff could not compare (status $status)"; exit 1; fi
if (( status & 8 )); then echo "incompatible C ABI change: see the report above"; exit 1; fi
if (( status & 4 )); then
  # Changed: acceptable only when every change is an addition.
  rest=0
  abidiff --no-added-syms "$baseline" "$work/current.abi" >"$work/without-additions.txt" || rest=$?
  if (( rest != 0 )); then
    cat "$work/without-additions.txt"
    echo "the C ABI changed beyond additions: see the report above"
    exit 1
  fi
  echo "C ABI compatible with the baseline (additions only)"
  exit 0
fi
echo "C ABI identical to the baseline"
