#!/usr/bin/env bash
# The Python package imports, with a clean environment (no CLOUDSYNC_LIBRARY),
#  1. from `cmake --install` (Debian's layout, the library found through the prefix);
#  2. from `pip install --no-build-isolation --target` with the library bundled
#     ($CLOUDSYNC_LIBRARY at install time), offline.
#   check_install.sh SOURCE_DIR BUILD_DIR LIBRARY PYTHON_INSTALL_DIR WORK_DIR PYTHON
set -euo pipefail
src=$1 build=$2 library=$3 pydir=$4 work=$5 python=$6
rm -rf "$work" && mkdir -p "$work"
trap 'rm -rf "$work"' EXIT

# A clean environment; the imports run from $work so that the source tree is not on sys.path.
clean_import() {  # PYTHONPATH EXPECTED_LIBRARY_PREFIX
  (cd "$work" && env -i PATH=/usr/bin:/bin HOME="$work" PYTHONPATH="$1" PYTHONDONTWRITEBYTECODE=1 "$python" -c '
import sys, cloudsync
from cloudsync import _native
loaded = _native.lib()._name
print("imported", cloudsync.__file__, "library", loaded, "version", cloudsync.library_version())
assert cloudsync.__file__.startswith(sys.argv[1]), cloudsync.__file__
assert loaded.startswith(sys.argv[1]), loaded
with cloudsync.Storage("mem://installed") as store:
    store.put("k", b"v")
    assert store.get("k") == b"v"
' "$2")
}

# 1. The build's install step.
cmake --install "$build" --prefix "$work/prefix" --strip >/dev/null
[ -f "$work/prefix/$pydir/cloudsync/py.typed" ] || { echo "not installed: $pydir/cloudsync/py.typed"; exit 1; }
[ ! -e "$work/prefix/$pydir/cloudsync/libcloudsync.so.1" ] || { echo "the library was copied into the package"; exit 1; }
clean_import "$work/prefix/$pydir" "$work/prefix/"

# 2. pip, offline, from a copy of python/ (setuptools writes build/ and *.egg-info beside the sources).
cp -r "$src/python" "$work/python-src"
rm -rf "$work/python-src/tests" "$work/python-src/build" "$work/python-src"/*.egg-info
# Bundled stripped: the debug information is most of the library, and the wheel zips it.
strip --strip-debug -o "$work/libcloudsync.so.1" "$library"
CLOUDSYNC_LIBRARY="$work/libcloudsync.so.1" PIP_NO_INDEX=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
  "$python" -m pip install --no-build-isolation --no-deps --quiet --target "$work/pip-target" "$work/python-src"
[ -f "$work/pip-target/cloudsync/libcloudsync.so.1" ] || { echo "pip did not bundle the library"; exit 1; }
[ -f "$work/pip-target/cloudsync/py.typed" ] || { echo "pip did not install py.typed"; exit 1; }
clean_import "$work/pip-target" "$work/pip-target/"
echo "python: the installed package and the pip-installed one import and work"
