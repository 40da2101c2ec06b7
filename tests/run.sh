#!/usr/bin/env bash
# Installs what is missing, builds cloudsync and runs every test: unit,
# conformance, engine, C ABI, CLI, and the provider tests against the local
# peer servers they start themselves.
#   bash tests/run.sh
#   BUILD_DIR=build-asan CLOUDSYNC_CMAKE_ARGS="-DCLOUDSYNC_SANITIZE=address,undefined" bash tests/run.sh
#   CTEST_EXCLUDE='^format:' bash tests/run.sh      (a regular expression of test names to leave out)
#   CTEST_JOBS=3 bash tests/run.sh                 (tests at once; default: one per core)
set -euo pipefail
cd "$(dirname "$0")/.."
bash cmake/install-deps.sh --test
build=${BUILD_DIR:-build}
# shellcheck disable=SC2086  # CLOUDSYNC_CMAKE_ARGS is a list of flags
cmake -S . -B "$build" -G Ninja -DCLOUDSYNC_WERROR=ON ${CLOUDSYNC_CMAKE_ARGS:-}
cmake --build "$build" -j "$(nproc)"
ctest --test-dir "$build" --output-on-failure -j "${CTEST_JOBS:-$(nproc)}" ${CTEST_EXCLUDE:+-E "$CTEST_EXCLUDE"}
