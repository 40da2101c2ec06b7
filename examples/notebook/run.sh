#!/usr/bin/env bash
# The cloudsync Jupyter extension against a local S3 server (moto): a sample CSV goes into a
# bucket, an integration is registered in a catalog, a Jupyter server starts with the extension,
# the CSV is imported, example.ipynb runs on a kernel the server started and writes out.csv,
# which ends up in the bucket. See README.md for what it needs.
#   MOTO_PYTHON     a Python with moto and boto3 (default: python3)
#   NOTEBOOK_PYTHON the Python with jupyter_server, nbclient, ipykernel, pandas (default: /usr/bin/python3)
#   CLOUDSYNC_LIBRARY  libcloudsync.so.1 (default: built into ../../build when cloudsync is not installed)
#   KEEP=1          keep the temporary folder (logs, catalog, project)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
python=${NOTEBOOK_PYTHON:-/usr/bin/python3}
moto_python=${MOTO_PYTHON:-python3}

if [ -z "${CLOUDSYNC_LIBRARY:-}" ] && ! "$python" -c 'import cloudsync' 2>/dev/null; then
  if [ ! -e "$repo/build/libcloudsync.so.1" ]; then
    cmake -S "$repo" -B "$repo/build" -G Ninja >/dev/null
    cmake --build "$repo/build" --target cloudsync_shared
  fi
  export CLOUDSYNC_LIBRARY=$repo/build/libcloudsync.so.1
fi
if ! "$python" -c 'import cloudsync' 2>/dev/null; then
  export PYTHONPATH=$repo/python${PYTHONPATH:+:$PYTHONPATH}
fi
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy   # everything here is on loopback

work=$(mktemp -d "${TMPDIR:-/tmp}/cloudsync-notebook.XXXXXX")
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  bash "$repo/tests/peers/stop-peers.sh" "$work/moto" >/dev/null 2>&1 || true
  if [ "${KEEP:-}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
free_port() { "$python" -c "import sys; sys.path.insert(0, '$repo/tests/peers'); import peers; print(peers.free_port())"; }
say() { printf '\n\033[1m# %s\033[0m\n' "$*"; }

say "A local S3 server (moto, SigV4 enforced) with a bucket"
PYTHON=$moto_python bash "$repo/tests/peers/start-moto.sh" "$(free_port)" "$work/moto" >/dev/null
set -a; . "$work/moto/moto.env"; set +a
export EXAMPLE_BUCKET=example-bucket
"$moto_python" -c "import os, boto3; boto3.client('s3', endpoint_url=os.environ['S3_ENDPOINT'], region_name='us-east-1').create_bucket(Bucket=os.environ['EXAMPLE_BUCKET'])"
echo "$S3_ENDPOINT/$EXAMPLE_BUCKET"

say "A sample CSV in the bucket; the integration in the catalog (secrets as env: references)"
export CLOUDSYNC_CATALOG=$work/catalog
"$python" "$here/example.py" setup "$CLOUDSYNC_CATALOG"

say "A Jupyter server with the extension (jupyter_server_config.py), serving the project folder"
mkdir -p "$work/project"
port=$(free_port)
# The server and example.py read the token from the environment (not from a command line ps shows).
JUPYTER_TOKEN=$("$python" -c 'import secrets; print(secrets.token_hex(16))'); export JUPYTER_TOKEN
root_flag=(); [ "$(id -u)" = 0 ] && root_flag=(--allow-root)
JUPYTER_RUNTIME_DIR=$work/runtime JUPYTER_CONFIG_DIR=$work/jupyter-config JUPYTER_DATA_DIR=$work/jupyter-data \
  "$python" -m jupyter_server --config "$here/jupyter_server_config.py" --no-browser --ip=127.0.0.1 \
  --port="$port" --port-retries=0 --ServerApp.root_dir="$work/project" "${root_flag[@]}" \
  >"$work/jupyter-server.log" 2>&1 &
server_pid=$!
echo "http://127.0.0.1:$port/cloudsync?token=... (log: $work/jupyter-server.log)"

say "Import the CSV, run example.ipynb on a kernel of the server, shut it down, look in the bucket"
"$python" "$here/example.py" run "http://127.0.0.1:$port" "$work/runtime" || {
  tail -40 "$work/jupyter-server.log" >&2; exit 1; }
