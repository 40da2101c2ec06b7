#!/usr/bin/env bash
# Builds the .deb from this build tree (cpack, no rebuild), installs it with
# dpkg and uses it the way a Debian user would: pkg-config and find_package
# against the installed files, a C program compiled and linked to the
# installed libcloudsync.so.1, the installed tool, man page and completion.
#   check_deb.sh SOURCE_DIR BUILD_DIR WORK_DIR VERSION
#
# dpkg installs into a private root (dpkg --root with its own empty database),
# not into the real system: a developer running the tests keeps their /usr and
# dpkg database untouched, and the test needs no root. --force-depends: that
# root holds no libc or libcurl packages, the real system provides them at run
# time. --force-not-root, --force-script-chrootless and --no-triggers let dpkg
# work there as an ordinary user; the maintainer scripts CPack writes only run
# ldconfig, which a stub stands in for (the real one would rebuild the host's
# cache, and the private root needs none).
set -euo pipefail
src=$1 build=$2 work=$3 version=$4
rm -rf "$work" && mkdir -p "$work" && work=$(realpath "$work")
for tool in cpack dpkg dpkg-deb dpkg-shlibdeps pkg-config cc; do
  command -v "$tool" >/dev/null || { echo "$tool is missing (bash cmake/install-deps.sh --test)"; exit 1; }
done

# 1. The package.
cpack --config "$build/CPackConfig.cmake" -G DEB -B "$work" >"$work/cpack.log" ||
  { cat "$work/cpack.log"; exit 1; }
deb=$(ls "$work"/cloudsync_*.deb)
echo "built $(basename "$deb")"
info=$(dpkg-deb --field "$deb" Package Version Architecture Maintainer Depends)
echo "$info"
arch=$(dpkg --print-architecture)
triplet=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
grep -qx "Package: cloudsync" <<<"$info" || { echo "wrong package name"; exit 1; }
grep -qx "Version: $version-[0-9]*" <<<"$info" || { echo "the version is not the project's ($version-<revision>)"; exit 1; }
grep -qx "Architecture: $arch" <<<"$info" || { echo "the architecture is not $arch"; exit 1; }
# Depends comes from dpkg-shlibdeps: the libraries the binaries link.
for dep in libc6 libcurl4 libssl3 libfmt libpugixml libsqlite3 libstdc++6; do
  grep -q "^Depends:.*$dep" <<<"$info" || { echo "Depends lacks $dep"; exit 1; }
done

# 2. What it holds, in Debian's layout.
contents=$(dpkg-deb --contents "$deb" | awk '{print $6}' | sed 's|^\./|/|')
for f in /usr/lib/$triplet/libcloudsync.so.1 /usr/lib/$triplet/libcloudsync.so /usr/lib/$triplet/libcloudsync.a \
  /usr/lib/$triplet/pkgconfig/cloudsync.pc /usr/lib/$triplet/cmake/cloudsync/cloudsyncConfig.cmake \
  /usr/include/cloudsync.h /usr/include/cloudsync/version.hpp /usr/bin/cloudsync \
  /usr/share/man/man1/cloudsync.1.gz /usr/share/bash-completion/completions/cloudsync \
  /usr/share/doc/cloudsync/copyright /usr/share/doc/cloudsync/changelog.Debian.gz; do
  grep -qx -- "$f" <<<"$contents" || { echo "the package lacks $f"; echo "$contents"; exit 1; }
done
if grep -q '^/usr/lib/lib\|^/usr/local' <<<"$contents"; then echo "files outside Debian's layout"; exit 1; fi
grep -q "Apache License" <(dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/share/doc/cloudsync/copyright) ||
  { echo "copyright does not name the license"; exit 1; }

# 3. dpkg -i into the private root (see the top of this file).
root=$work/root
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates"
touch "$root/var/lib/dpkg/status"
mkdir -p "$work/stub"
printf '#!/bin/sh\necho "ldconfig $*" >>"%s"\n' "$work/ldconfig.calls" >"$work/stub/ldconfig"
chmod +x "$work/stub/ldconfig"
PATH="$work/stub:$PATH" dpkg --root="$root" --log=/dev/null --force-not-root --force-depends --force-script-chrootless --no-triggers \
  -i "$deb" >"$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log"; exit 1; }
dpkg --root="$root" -s cloudsync | grep -qx "Status: install ok installed" || { echo "dpkg did not install it"; exit 1; }
lib=$root/usr/lib/$triplet

# 4. pkg-config against the installed .pc only. The .pc finds its prefix from its
# own place, so no PKG_CONFIG_SYSROOT_DIR: that would prefix the root twice.
flags=$(PKG_CONFIG_PATH="$lib/pkgconfig" pkg-config --cflags --libs cloudsync)
echo "pkg-config --cflags --libs cloudsync: $flags"
# cloudsync's own flags, resolved: exactly the installed include and multiarch
# library folders (the dependencies' Cflags, e.g. -I/usr/include/<triplet>, may follow).
ours=""
for flag in $flags; do
  case $flag in -I"$root"* | -L"$root"*) ours+="${flag:0:2}$(realpath -m "${flag:2}") " ;; -lcloudsync) ours+="$flag " ;; esac
done
[ "$ours" = "-I$root/usr/include -L$lib -lcloudsync " ] ||
  { echo "pkg-config resolves to $ours, not the installed include and multiarch lib folders"; exit 1; }
# shellcheck disable=SC2086 # the flags are words
cc "$src/tests/packaging/consumer/main.c" $flags -o "$work/c_program"
linked=$(LD_LIBRARY_PATH="$lib" ldd "$work/c_program")
grep -q "libcloudsync.so.1 => $lib/libcloudsync.so.1" <<<"$linked" ||
  { echo "not linked to the installed library:"; echo "$linked"; exit 1; }
out=$(LD_LIBRARY_PATH="$lib" "$work/c_program")
echo "$out"
[ "$out" = "cloudsync $version (ABI 1)" ] || { echo "the C program printed something else"; exit 1; }

# 5. find_package against the installed CMake package (multiarch folder).
cmake -S "$src/tests/packaging/consumer" -B "$work/pkg" -G Ninja -DCMAKE_PREFIX_PATH="$root/usr" >"$work/cmake.log" ||
  { cat "$work/cmake.log"; exit 1; }
cmake --build "$work/pkg" --target consumer_c >>"$work/cmake.log" || { cat "$work/cmake.log"; exit 1; }
LD_LIBRARY_PATH="$lib" "$work/pkg/consumer_c"

# 6. The installed tool runs; the man page and completion are where man and bash-completion look.
"$root/usr/bin/cloudsync" --version | grep -q "$version" || { echo "the installed tool does not run"; exit 1; }
# (Taken whole first: `zcat | grep -q` under pipefail fails when grep stops reading early.)
page=$(zcat "$root/usr/share/man/man1/cloudsync.1.gz")
grep -q '^\.TH CLOUDSYNC 1' <<<"$page" || { echo "man page is not cloudsync(1)"; exit 1; }
grep -q '^complete -F _cloudsync cloudsync' "$root/usr/share/bash-completion/completions/cloudsync" ||
  { echo "no completion for cloudsync"; exit 1; }

# 7. The Python package is where Debian's python3 looks, and finds the installed library by itself.
py_dir=$root/usr/lib/python3/dist-packages
[ -f "$py_dir/cloudsync/_native.py" ] || { echo "the Python package is not in $py_dir"; exit 1; }
loaded=$(env -u CLOUDSYNC_LIBRARY PYTHONPATH="$py_dir" PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 -c \
  'import cloudsync, cloudsync._native as n; print(cloudsync.library_version(), n.library_path())')
echo "python3: $loaded"
[ "$loaded" = "$version $lib/libcloudsync.so.1" ] || { echo "the Python package did not load the installed library"; exit 1; }

# 8. lintian, when installed: errors fail the test; the rest is shown.
if command -v lintian >/dev/null; then
  lintian --tag-display-limit 0 "$deb" >"$work/lintian.log" 2>&1 || true
  cat "$work/lintian.log"
  if grep -q '^E: ' "$work/lintian.log"; then echo "lintian reports errors"; exit 1; fi
fi
echo "packaging: the .deb installs, and pkg-config, find_package and a C program use it"
