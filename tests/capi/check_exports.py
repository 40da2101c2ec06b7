"""The shared library exports the C ABI and the documented C++ API, nothing else."""
import subprocess
import sys

lib = sys.argv[1]
out = subprocess.run(["nm", "-D", "--defined-only", lib], check=True, capture_output=True, text=True).stdout
symbols = [line.split()[-1] for line in out.splitlines() if line.strip()]
demangled = subprocess.run(["c++filt"], input="\n".join(symbols), check=True, capture_output=True, text=True).stdout
bad = []
c_api = 0
for raw, name in zip(symbols, demangled.splitlines()):
    if raw.startswith("cloudsync_"):
        c_api += 1
        continue
    if raw == "CLOUDSYNC_1":  # the version node of the version script
        continue
    stripped = name.split(" for ", 1)[-1]  # "typeinfo for cloudsync::X", "vtable for ..."
    if not stripped.startswith("cloudsync::"):
        bad.append(name)
if bad:
    print("unexpected exported symbols:\n  " + "\n  ".join(bad))
    sys.exit(1)
if c_api < 20:
    print(f"only {c_api} C ABI symbols exported")
    sys.exit(1)
print(f"{c_api} C symbols and {len(symbols) - c_api} C++ symbols exported, all in the cloudsync namespace")
