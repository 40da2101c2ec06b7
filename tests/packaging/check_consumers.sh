#!/usr/bin/env bash
# Proves the three ways a host can take cloudsync: an installed CMake package,
# pkg-config, and add_subdirectory() vendoring.
#   check_consumers.sh SOURCE_DIR BUILD_DIR WORK_DIR
set -euo pipefail
src=$1 build=$2 work=$3
rm -rf "$work" && mkdir -p "$work/data/src"
echo "payload" >"$work/data/src/file.txt"

cmake --install "$build" --prefix "$work/prefix" >/dev/null
echo "installed: $(cd "$work/prefix" && find . -name 'libcloudsync*' -o -name 'cloudsync.pc' -o -name 'cloudsyncConfig.cmake' | sort | tr '\n' ' ')"
docs=(share/doc/cloudsync/LICENSE)
# With the tool built, its man page and bash completion too.
[ ! -e "$build/docs/cloudsync.1.gz" ] || docs+=(share/man/man1/cloudsync.1.gz share/bash-completion/completions/cloudsync)
for f in "${docs[@]}"; do
  [ -s "$work/prefix/$f" ] || { echo "not installed: $f"; exit 1; }
done

# 1. find_package against the installed package: the C program on the shared
# library, the C++ program on the static one (the shared library exports the C ABI only).
cmake -S "$src/tests/packaging/consumer" -B "$work/pkg" -G Ninja -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/pkg" >/dev/null
LD_LIBRARY_PATH="$work/prefix/lib" "$work/pkg/consumer_c"
LD_LIBRARY_PATH="$work/prefix/lib" "$work/pkg/consumer_cpp" "$work/data/src" "$work/data/dst1"
# ldd's output is taken whole first: `ldd | grep -q` under pipefail fails at
# random when grep stops reading early and ldd dies of SIGPIPE.
linked=$(ldd "$work/pkg/consumer_c")
grep -q 'libcloudsync.so.1' <<<"$linked" || { echo "consumer is not linked to libcloudsync.so.1"; exit 1; }
linked=$(ldd "$work/pkg/consumer_cpp")
if grep -q libcloudsync <<<"$linked"; then echo "the C++ consumer should link the static library"; exit 1; fi

# 2. pkg-config.
export PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig"
cc "$src/tests/packaging/consumer/main.c" $(pkg-config --cflags --libs cloudsync) -o "$work/pc_consumer"
LD_LIBRARY_PATH="$work/prefix/lib" "$work/pc_consumer"

# 3. add_subdirectory() vendoring (static library; no tests, tools or install rules of cloudsync).
# It compiles the whole library once more, so unoptimised, without debug
# information (15-35 % less compile time per file), with precompiled headers
# (safe unoptimised) and in unity batches (about half the time again): the
# wiring is what it proves.
cmake -S "$src/tests/packaging/consumer" -B "$work/vendored" -G Ninja -DCLOUDSYNC_VENDOR_DIR="$src" \
  -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS_DEBUG=-O0 -DCMAKE_CXX_FLAGS_DEBUG=-O0 \
  -DCLOUDSYNC_PRECOMPILED_HEADERS=ON -DCMAKE_UNITY_BUILD=ON >/dev/null
cmake --build "$work/vendored" -j "$(nproc)" >/dev/null
"$work/vendored/consumer_cpp" "$work/data/src" "$work/data/dst2"
linked=$(ldd "$work/vendored/consumer_cpp")
if grep -q libcloudsync <<<"$linked"; then echo "vendored build should be static"; exit 1; fi
[ ! -e "$work/vendored/cloudsync/tests" ] || { echo "vendoring built cloudsync's tests"; exit 1; }
echo "packaging: find_package, pkg-config and add_subdirectory all work"
