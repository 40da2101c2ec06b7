#!/usr/bin/env bash
# The main job on the embedded default — a local folder plays the storage
# integration, no cloud account needed. Installs what is missing, builds the
# cloudsync tool, then, in a fresh temporary folder: registers the integration,
# imports files into a project, changes one and exports it, syncs the project
# (a dry run first, then for real) and restores it as a kernel start would;
# a kernel session watches the project and exports what a notebook writes;
# a SQLite table is exported as JSON Lines, in full and then incrementally;
# then an organisation's catalog: integrations registered once and checked,
# and a project connected to one, its differences shown, then synchronised;
# and the same catalog through the Python package's Kili-shaped methods.
set -euo pipefail
cd "$(dirname "$0")/.."
bash cmake/install-deps.sh
cmake -S . -B build -G Ninja >/dev/null
cmake --build build --target cloudsync_cli -j "$(nproc)"
cs=$PWD/build/examples/cli/cloudsync

demo=$(mktemp -d "${TMPDIR:-/tmp}/cloudsync-demo.XXXXXX")
bucket=$demo/bucket
project=$demo/project
mkdir -p "$bucket/data/2024" "$bucket/images"
printf 'month,sales\njan,10\nfeb,12\n' >"$bucket/data/2024/sales.csv"
printf '{"region": "eu"}\n' >"$bucket/data/config.json"
printf 'not really a png\n' >"$bucket/images/logo.png"

say() { printf '\n\033[1m# %s\033[0m\n' "$*"; }
# Shows a command (as you would type it) before running it.
run() {
  local shown=("$@")
  [ "${shown[0]}" = "$cs" ] && shown[0]=cloudsync
  printf '\033[1m$'; printf ' %q' "${shown[@]}"; printf '\033[0m\n'
  "$@"
}

say "A folder acts as the bucket of a storage integration ($bucket)"
run "$cs" integration add "Demo Bucket" --project "$project" --url "file://$bucket" --writeback

say "Import a folder into the project"
run "$cs" import "Demo Bucket" data/ --project "$project"
files=$project/external-files/local/demo_bucket
run ls -R "$files"

say "Change an imported file, then export it: a dry run first, then for real"
echo "mar,15" >>"$files/data/2024/sales.csv"
run "$cs" export "Demo Bucket" --project "$project" --dry-run
run "$cs" export "Demo Bucket" --project "$project"
run cat "$bucket/data/2024/sales.csv"

say "The bucket changes: a file is removed and one added; sync shows its plan, then applies it"
rm "$bucket/data/config.json"
printf 'month,costs\njan,4\n' >"$bucket/data/2024/costs.csv"
run "$cs" sync --project "$project" --integration "Demo Bucket" --folder data --delete-extraneous --dry-run
run "$cs" sync --project "$project" --integration "Demo Bucket" --folder data --delete-extraneous
run "$cs" status "Demo Bucket" --project "$project"

say "A kernel start on a fresh machine: the files are gone; restore brings back what is tracked"
rm -rf "$project/external-files"
run "$cs" restore --project "$project"
run "$cs" restore --project "$project"

say "A kernel session: restore, then watch; a notebook's writes are exported once each, temporaries never"
"$cs" watch --project "$project" >"$demo/watch.log" 2>&1 &
watcher=$!
for _ in $(seq 50); do grep -q "watching" "$demo/watch.log" 2>/dev/null && break; sleep 0.1; done
printf 'month,forecast\napr,17\n' >"$files/data/forecast.csv"          # a new file
printf 'scratch\n' >"$files/data/.~forecast.csv"                        # Jupyter's backup: ignored
printf 'month,sales\njan,10\n' >"$files/data/2024/sales.tmp" && mv "$files/data/2024/sales.tmp" "$files/data/2024/sales.csv"
sleep 2
kill -INT "$watcher"   # a kernel stop: flush, then stop
wait "$watcher" || true
run cat "$demo/watch.log"
run ls "$bucket/data"

say "An organisation's catalog: integrations are registered once, for every project"
catalog=$demo/catalog
run "$cs" integrations add "Labels Bucket" "file://$bucket" --writeback --allowed-path images --allowed-path data \
  --catalog "$catalog"
run "$cs" integrations add "Old Archive" "file://$demo/archive-that-was-deleted" --catalog "$catalog"

say "Status checks list, read, write and delete a probe object, and say what is missing"
run "$cs" integrations check --all --catalog "$catalog" || true
run "$cs" integrations list --status CONNECTED --catalog "$catalog"

say "A labelling project connects to the bucket's images/ folder (never images2/)"
mkdir -p "$bucket/images2"
printf 'not selected\n' >"$bucket/images2/other.png"
run "$cs" projects add labelling "$demo/labelling" --catalog "$catalog"
run "$cs" connections add --project labelling --integration "Labels Bucket" --folder images --catalog "$catalog"
connection=$("$cs" connections list --project labelling --json --catalog "$catalog" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["connections"][0]["id"])')
run "$cs" connections diff "$connection" --catalog "$catalog"
run "$cs" connections sync "$connection" --catalog "$catalog"
run "$cs" connections list --catalog "$catalog"

say "Hydra's record export: a SQLite table to the bucket as JSON Lines, everything first, then what changed"
python3 - "$demo/app.db" <<'PY'
import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
con.executescript("""
  CREATE TABLE IF NOT EXISTS orders (id INTEGER PRIMARY KEY, updated_at TEXT NOT NULL, customer TEXT, total REAL);
  CREATE INDEX IF NOT EXISTS orders_cursor ON orders (updated_at, id);
  DELETE FROM orders;""")
con.executemany("INSERT INTO orders VALUES (?, datetime('now', '-10 minutes'), ?, ?)",
                [(i, f"customer {i % 7}", i * 2.5) for i in range(1, 251)])
con.commit()
PY
minute=$(date -u +%Y-%m-%dT%H:%M)
run "$cs" export-records run --sqlite "$demo/app.db" --table orders --to "file://$bucket/exports" \
  --max-rows 100 --now "${minute}:10Z" --catalog "$catalog"
python3 -c "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute(\"UPDATE orders SET total = total + 1, updated_at = datetime('now', '-5 minutes') WHERE id <= 3\"); c.commit()" "$demo/app.db"
echo "Another window in the same minute would write into the first one's folder: refused, nothing overwritten"
run "$cs" export-records run orders --now "${minute}:40Z" --catalog "$catalog" || true
run "$cs" export-records run orders --now "$(date -u -d "${minute}:10Z + 1 minute" +%Y-%m-%dT%H:%M:%SZ)" --catalog "$catalog"
run find "$bucket/exports" -type f
run "$cs" export-records history --catalog "$catalog"

say "The same catalog from Python (python/): Kili's SDK shape next to plain objects"
cmake --build build --target cloudsync_shared -j "$(nproc)" >/dev/null
cat >"$demo/kili.py" <<'PY'
import sys
import cloudsync

with cloudsync.Catalog(sys.argv[1]) as kili:
    print(kili.count_cloud_storage_integrations(status="CONNECTED"), "connected integration(s):",
          kili.cloud_storage_integrations(status="CONNECTED", fields=["name", "platform", "status"]))
    connection = kili.cloud_storage_connections(project_id="labelling", first=1)[0]
    print("dry run:", kili.synchronize_cloud_storage_connection(connection["id"], dry_run=True))
    old = kili.integration("Old Archive")
    print(f"{old.name}: {old.status} ({old.status_reason})")
    try:
        old.delete()
        kili.integration("Old Archive")
    except cloudsync.NotFoundError as error:   # chosen by code, never by message
        print(type(error).__name__, error.code_name)
PY
printf '\033[1m$ python3 kili.py %q\033[0m\n' "$catalog"
PYTHONPATH=$PWD/python CLOUDSYNC_LIBRARY=$PWD/build/libcloudsync.so.1 /usr/bin/python3 "$demo/kili.py" "$catalog"

say "A mistyped option is refused when the integration is added, with a suggestion, not at the next import"
run "$cs" integrations add "Typo Bucket" "s3://bucket" -o regoin=eu-west-1 --catalog "$catalog" || true

say "A single file copies on its own, into the destination folder"
run "$cs" copy "$bucket/images/logo.png" "$demo/single"
run ls "$demo/single"

say "5,000 files: a dry run (printed as it is planned: the plan is never held whole; its last lines), then synced (each file copied as soon as the planner reaches it, through a short queue: a million files take no more memory than their listings), then synced again: the second plan is decided from the two listings alone (size and mtime), reads no file and keeps no pair"
mkdir -p "$demo/many"
for d in 0 1 2 3 4; do mkdir -p "$demo/many/d$d"; for i in $(seq 1 1000); do echo "$d $i" >"$demo/many/d$d/f$i.txt"; done; done
printf '\033[1m$ cloudsync sync --dry-run %q %q | tail -n 2\033[0m\n' "$demo/many" "$demo/many-copy"
"$cs" sync --dry-run "$demo/many" "$demo/many-copy" | tail -n 2
run "$cs" sync -q "$demo/many" "$demo/many-copy"
run "$cs" sync "$demo/many" "$demo/many-copy"

say "What this build is: cloudsync's version, and the libcurl and OpenSSL it runs on"
run "$cs" version

say "Done. Everything above lives in $demo"
