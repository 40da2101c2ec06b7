#!/usr/bin/env bash
# Start an HTTPS-intercepting forward proxy (mitmproxy, Debian) that sends a Drive client's requests
# for https://www.googleapis.com to the Drive stand-in at http://127.0.0.1:DRIVE_PORT (drive_intercept.py),
# for clients without an endpoint option (rclone's drive backend). Refuses every other host.
# usage: start-drive-intercept.sh PORT DRIVE_PORT STATE_DIR
# The client uses HTTPS_PROXY=http://127.0.0.1:PORT and trusts STATE_DIR/mitm/mitmproxy-ca-cert.pem
# (generated on first start). Writes STATE_DIR/drive-intercept.pid, .log and .env (HTTPS_PROXY,
# CA_CERT). Prints the PID.
set -euo pipefail
PORT=${1:?port}; DRIVE_PORT=${2:?drive stand-in port}; DIR=${3:?state dir}
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$DIR/mitm"
if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then echo "port $PORT is already in use" >&2; exit 1; fi
command -v mitmdump >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends mitmproxy >/dev/null; }
DRIVE_STAND_IN="http://127.0.0.1:$DRIVE_PORT" nohup mitmdump --listen-host 127.0.0.1 -p "$PORT" \
  --set confdir="$DIR/mitm" --set connection_strategy=lazy -q -s "$HERE/drive_intercept.py" \
  >"$DIR/drive-intercept.log" 2>&1 &
PID=$!; echo "$PID" >"$DIR/drive-intercept.pid"
for _ in $(seq 1 600); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && [ -f "$DIR/mitm/mitmproxy-ca-cert.pem" ]; then break; fi
  kill -0 "$PID" 2>/dev/null || { echo "mitmdump died:" >&2; cat "$DIR/drive-intercept.log" >&2; exit 1; }
  sleep 0.1
done
(exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null || { echo "proxy not answering on $PORT" >&2; exit 1; }
printf 'HTTPS_PROXY=http://127.0.0.1:%s\nCA_CERT=%s\n' "$PORT" "$DIR/mitm/mitmproxy-ca-cert.pem" >"$DIR/drive-intercept.env"
echo "$PID"
