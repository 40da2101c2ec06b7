#!/usr/bin/env bash
# check_abi.sh must fail on what breaks hosts: compared with baselines in
# which the fresh library lost a function, or in which a struct had another
# layout, it fails; compared with itself it passes.
#   check_abi_catches_changes.sh LIBRARY PUBLIC_HEADERS_DIR WORK_DIR
set -euo pipefail
lib=$1 headers=$2 work=$3
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$work" && mkdir -p "$work"
abidw --headers-dir "$headers" --drop-private-types --exported-interfaces-only \
      --no-corpus-path --no-comp-dir-path --no-show-locs "$lib" >"$work/lib.abi"

expect() {  # expect pass|fail NAME BASELINE
  local want=$1 name=$2 baseline=$3 got=pass
  bash "$here/check_abi.sh" "$work/lib.abi" "$baseline" "$headers" "$work/$name" >"$work/$name.log" 2>&1 || got=fail
  if [ "$got" != "$want" ]; then
    cat "$work/$name.log"
    echo "check_abi.sh should $want against the baseline '$name', it did not"
    exit 1
  fi
  echo "$name: $got, as it should"
}

expect pass identical "$work/lib.abi"
# A baseline with a function the library no longer has.
sed "s/'cloudsync_version_number'/'cloudsync_version_number_gone'/g" "$work/lib.abi" >"$work/removed.abi"
grep -q cloudsync_version_number_gone "$work/removed.abi"
expect fail removed-function "$work/removed.abi"
# A baseline in which cloudsync_progress was smaller: its fields moved since.
python3 - "$work/lib.abi" "$work/layout.abi" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
m = re.search(r"<class-decl name='cloudsync_progress' size-in-bits='(\d+)'", text)
assert m, "cloudsync_progress not described"
start = m.start()
end = text.index("</class-decl>", start)
block = text[start:end].replace(f"size-in-bits='{m.group(1)}'", f"size-in-bits='{int(m.group(1)) - 64}'", 1)
block = block.replace("layout-offset-in-bits='64'", "layout-offset-in-bits='32'", 1)
open(sys.argv[2], "w").write(text[:start] + block + text[end:])
PY
expect fail struct-layout "$work/layout.abi"
