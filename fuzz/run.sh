#!/usr/bin/env bash
# Builds the libFuzzer harnesses (fuzz/fuzz_*.cpp) with clang in a build
# directory of their own and runs each for a bounded time on a COPY of its
# seed corpus (fuzz/corpus/<name>; the checked-in corpus never grows here).
# Fails on the first crash, sanitizer report, invariant failure or timeout,
# and says where the input that caused it was saved.
#
#   fuzz/run.sh                 every harness
#   fuzz/run.sh json glob       some of them
#
# Environment: FUZZ_SECONDS (per harness, default 20), FUZZ_MAX_LEN (largest
# input, default 8192), FUZZ_BUILD_DIR (default <repo>/build-fuzz),
# FUZZ_JOBS (build parallelism, default 2), FUZZ_CMAKE_ARGS (more configure
# flags, e.g. -DCMAKE_UNITY_BUILD=ON).
# Installs what it needs (the build dependencies, clang and its fuzzer
# runtime) with apt-get when missing, as root or through sudo.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${FUZZ_SECONDS:-20}"
max_len="${FUZZ_MAX_LEN:-8192}"
build="${FUZZ_BUILD_DIR:-$root/build-fuzz}"
jobs="${FUZZ_JOBS:-2}"

bash "$root/cmake/install-deps.sh"
apt_install() {
  local sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo
  echo "installing: $*"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
command -v clang++ >/dev/null || apt_install clang
# libFuzzer's runtime ships apart from the compiler on Debian (libclang-rt-N-dev).
fuzzer_rt() { clang++ -print-file-name=libclang_rt.fuzzer-x86_64.a; }
if [ ! -f "$(fuzzer_rt)" ]; then
  major="$(clang++ -dumpversion | cut -d. -f1)"
  apt_install "libclang-rt-$major-dev"
  [ -f "$(fuzzer_rt)" ] || { echo "fuzz/run.sh: no libFuzzer runtime for clang $major" >&2; exit 1; }
fi

launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
# Line tables only (-g1): a crash report names files and lines, and the build
# of the whole library takes less time than with full debug information.
# shellcheck disable=SC2086  # FUZZ_CMAKE_ARGS is a list of flags
CC=clang CXX=clang++ cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" \
  -DCLOUDSYNC_BUILD_FUZZERS=ON -DCLOUDSYNC_WERROR=ON -DCLOUDSYNC_BUILD_SHARED=OFF -DCLOUDSYNC_BUILD_TESTS=OFF \
  -DCLOUDSYNC_BUILD_EXAMPLES=OFF -DCLOUDSYNC_BUILD_BENCH=OFF -DCLOUDSYNC_INSTALL=OFF "${launcher[@]}" \
  ${FUZZ_CMAKE_ARGS:-} >/dev/null

if [ $# -gt 0 ]; then
  names=("$@")
else
  names=()
  for f in "$root"/fuzz/fuzz_*.cpp; do n="$(basename "$f" .cpp)"; names+=("${n#fuzz_}"); done
fi
cmake --build "$build" -j "$jobs" --target "${names[@]/#/fuzz_}"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$build/artifacts"
failed=()
for name in "${names[@]}"; do
  corpus="$work/$name"
  mkdir -p "$corpus"
  cp -R "$root/fuzz/corpus/$name/." "$corpus/" 2>/dev/null || true
  log="$build/artifacts/$name.log"
  echo "== fuzz_$name for ${seconds}s (log: $log)"
  if "$build/fuzz/fuzz_$name" "$corpus" -max_total_time="$seconds" -max_len="$max_len" -timeout=10 \
       -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$build/artifacts/$name-" >"$log" 2>&1; then
    grep -E '^stat::number_of_executed_units' "$log" | sed "s/^/   /" || true
  else
    echo "   FAILED: fuzz_$name (input saved as $build/artifacts/$name-*; log above)" >&2
    tail -n 40 "$log" >&2
    failed+=("$name")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz/run.sh: failures in: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz/run.sh: ${#names[@]} harness(es), ${seconds}s each, no crash"
