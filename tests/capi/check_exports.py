"""The shared library exports the C ABI (cloudsync_* functions) and nothing else:
no C++ symbol, typeinfo or vtable (the C++ API is for static linking only)."""
import re
import subprocess
import sys

lib = sys.argv[1]
header = sys.argv[2]
out = subprocess.run(["nm", "-D", "--defined-only", lib], check=True, capture_output=True, text=True).stdout
# "name@@CLOUDSYNC_1": the name and its version node.
symbols = [line.split()[-1].split("@")[0] for line in out.splitlines() if line.strip()]
bad = [s for s in symbols if not s.startswith("cloudsync_") and s != "CLOUDSYNC_1"]  # CLOUDSYNC_1: the version node
if bad:
    demangled = subprocess.run(["c++filt"], input="\n".join(bad), check=True, capture_output=True, text=True).stdout
    print("exported symbols outside the C ABI:\n  " + "\n  ".join(demangled.splitlines()))
    sys.exit(1)
# Every function the header declares is exported, and nothing it does not declare.
declared = set(re.findall(r"CLOUDSYNC_EXTERN\([^)]*\)\s*(cloudsync_\w+)\s*\(", open(header).read()))
exported = {s for s in symbols if s.startswith("cloudsync_")}
missing, extra = sorted(declared - exported), sorted(exported - declared)
if missing or extra:
    print(f"declared but not exported: {missing}\nexported but not declared: {extra}")
    sys.exit(1)
if len(exported) < 20:
    print(f"only {len(exported)} C ABI symbols exported")
    sys.exit(1)
print(f"{len(exported)} C ABI symbols exported, each declared in cloudsync.h; no C++ symbol")
