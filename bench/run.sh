#!/usr/bin/env bash
# cloudsync side by side with rclone, the aws CLI and s3cmd, on loopback only.
#
#   bash bench/run.sh                      everything, 5 rounds (about 20-30 min on 2 cores)
#   ROUNDS=3 SCENARIOS=put,get bash bench/run.sh
#
# Settings (environment):
#   ROUNDS=5                 rounds; every round runs each tool once per row, interleaved
#   SCENARIOS=put,get,sync,sigv4,azure,watch,records,python   (also: wan, not in the default list)
#   BUILD_DIR=build-bench    Release build of cloudsync (also holds nulls3, npm installs, results)
#   PORT_BASE=19002          nulls3 on PORT_BASE, s3rver +1, Azurite +2, the WAN nulls3 +3 (127.0.0.1, < 32768)
#   WAN_LATENCY_MS=20 WAN_MBPS=800   the wan scenario's network model: first-byte latency per request
#                            and bandwidth cap per connection and direction (800 Mbit/s = 100 MB/s)
#   BIG_MIB=1024             size of the PUT/GET object; SMALL_FILES=1000 files of SMALL_KIB=4
#   AZ_BIG_MIB=256           size of the Azure PUT/GET object (Azurite is slow)
#   RESULTS=$BUILD_DIR/bench-results/results.md
#   CLOUDSYNC_PREBUILT=DIR   measure the cloudsync tool of an existing build tree (e.g. a RelWithDebInfo
#                            one) instead of building $BUILD_DIR in Release; only nulls3 is built there
#
# What it does: installs what is missing (Debian packages; s3rver and Azurite
# from npm under $BUILD_DIR/bench-npm), builds cloudsync in Release and nulls3,
# starts nulls3, s3rver (data on /dev/shm) and Azurite (data on /dev/shm), runs
# the rows below with /usr/bin/time (user+sys CPU seconds, wall seconds, max
# RSS), then prints bench/summarize.py's table: per-round ratios cloudsync /
# other tool, their median, and the absolute medians. See bench/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
ROUNDS=${ROUNDS:-5}
SCENARIOS=${SCENARIOS:-put,get,sync,sigv4,azure,watch,records,python}
BUILD=${BUILD_DIR:-build-bench}
case "$BUILD" in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
PORT_BASE=${PORT_BASE:-19002}
PORT_NULL=$PORT_BASE PORT_S3RVER=$((PORT_BASE + 1)) PORT_AZ=$((PORT_BASE + 2)) PORT_WAN=$((PORT_BASE + 3))
WAN_LATENCY_MS=${WAN_LATENCY_MS:-20}
WAN_MBPS=${WAN_MBPS:-800}
BIG_MIB=${BIG_MIB:-1024}
SMALL_FILES=${SMALL_FILES:-1000}
SMALL_KIB=${SMALL_KIB:-4}
AZ_BIG_MIB=${AZ_BIG_MIB:-256}
RESULTS=${RESULTS:-$BUILD/bench-results/results.md}
has() { [[ ",$SCENARIOS," == *",$1,"* ]]; }
log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# ---------------------------------------------------------------------------
# Install (not again in the network namespace: nothing can be fetched there)
if [ -z "${BENCH_IN_NETNS:-}" ]; then
need=()
for p in rclone s3cmd time nodejs gcc libssl-dev curl python3 iproute2 util-linux; do
  [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" == *"ok installed"* ]] || need+=("$p")
done
command -v npm >/dev/null || need+=(npm)
command -v aws >/dev/null || need+=(awscli)
if [ ${#need[@]} -gt 0 ]; then
  log "installing: ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
bash cmake/install-deps.sh
fi

# The real aws program, not a pyenv shim (whose bash wrapper would be timed too),
# and the Python that runs it (it has botocore).
AWS=$(command -v aws)
if command -v pyenv >/dev/null && pyenv which aws >/dev/null 2>&1; then AWS=$(pyenv which aws); fi
AWS_PY=$(head -1 "$AWS" | sed -n 's/^#! *//p' | awk '{print $1}')
[ -x "${AWS_PY:-}" ] || AWS_PY=python3
if [[ "$(head -c 2 "$AWS")" != "#!" ]]; then AWS_PY=python3; fi
RCLONE=$(command -v rclone)
S3CMD=$(command -v s3cmd)

# ---------------------------------------------------------------------------
# Build
CS="${CLOUDSYNC_PREBUILT:-$BUILD}/examples/cli/cloudsync"
SIGV4="$BUILD/bench/cloudsync_bench_sigv4"
NULLS3="$BUILD/bench/nulls3"
NPM="$BUILD/bench-npm"
if [ -z "${BENCH_IN_NETNS:-}" ]; then
if [ -n "${CLOUDSYNC_PREBUILT:-}" ]; then
  log "measuring the cloudsync of $CLOUDSYNC_PREBUILT (not built here)"
  mkdir -p "$BUILD/bench"
else
log "building cloudsync (Release) in $BUILD"
# No -Werror: GCC 12 at -O3 reports a false -Wrestrict in std::string code.
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCLOUDSYNC_WERROR=OFF \
  -DCLOUDSYNC_BUILD_TESTS=OFF -DCLOUDSYNC_BUILD_EXAMPLES=ON -DCLOUDSYNC_BUILD_BENCH=ON >/dev/null
nice ninja -C "$BUILD" -j "$(nproc)" cloudsync_cli cloudsync_shared cloudsync_bench_sigv4 cloudsync_bench_records \
  cloudsync_bench_plan >/dev/null
fi
gcc -O2 -Wall -Wextra -pthread -o "$NULLS3" bench/nulls3.c -lcrypto

if [ ! -f "$NPM/node_modules/s3rver/bin/s3rver.js" ] || [ ! -f "$NPM/node_modules/azurite/dist/src/blob/main.js" ]; then
  log "installing s3rver and Azurite from npm into $NPM"
  mkdir -p "$NPM"
  [ -f "$NPM/package.json" ] || echo '{"private": true}' >"$NPM/package.json"
  npm --prefix "$NPM" install --save-exact --no-audit --no-fund --loglevel=error s3rver@3.7.1 azurite@3.35.0 >/dev/null
fi
fi

# ---------------------------------------------------------------------------
# Measuring runs in a network namespace of its own with only a loopback
# interface, so that no tool can reach anything but the servers started here
# (no DNS either). BENCH_NETNS=0 skips that (e.g. where unshare is refused).
if [ -z "${BENCH_IN_NETNS:-}" ] && [ "${BENCH_NETNS:-1}" != 0 ]; then
  if unshare -n true 2>/dev/null; then
    exec unshare -n env BENCH_IN_NETNS=1 BUILD_DIR="$BUILD" bash "$0" "$@"
  fi
  log "unshare -n is not permitted here: measuring in the host's network namespace"
fi
if [ -n "${BENCH_IN_NETNS:-}" ]; then
  ip link set lo up
fi

# ---------------------------------------------------------------------------
# State, servers
STATE=$(mktemp -d /dev/shm/cloudsync-bench.XXXXXX)   # tmpfs: data, server stores, tool configs
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$STATE"
}
trap cleanup EXIT
mkdir -p "$STATE/home" "$STATE/data" "$(dirname "$RESULTS")"
RAW="$STATE/raw.tsv"
: >"$RAW"

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_http() {  # PORT PATH: until any HTTP answer
  for _ in $(seq 1 300); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1$2")" != 000 ] && return 0
    sleep 0.1
  done
  echo "nothing answers on port $1" >&2
  return 1
}
for p in $PORT_NULL $PORT_S3RVER $PORT_AZ $PORT_WAN; do
  port_free "$p" || { echo "port $p is in use (set PORT_BASE)" >&2; exit 1; }
done

"$NULLS3" "$PORT_NULL" >"$STATE/nulls3.log" 2>&1 &
PIDS+=($!)
NULLS3_PID=$!
wait_http "$PORT_NULL" /
if has sync; then
  mkdir -p "$STATE/s3rver"
  node --openssl-legacy-provider "$NPM/node_modules/s3rver/bin/s3rver.js" --address 127.0.0.1 --port "$PORT_S3RVER" \
    --directory "$STATE/s3rver" --silent --configure-bucket bench >"$STATE/s3rver.log" 2>&1 &
  PIDS+=($!)
  S3RVER_PID=$!
  wait_http "$PORT_S3RVER" /
fi
if has wan; then  # nulls3 behind a network model: what one connection across a region gets
  "$NULLS3" "$PORT_WAN" --latency-ms "$WAN_LATENCY_MS" --bandwidth-mbps "$WAN_MBPS" >"$STATE/nulls3-wan.log" 2>&1 &
  PIDS+=($!)
  WAN_PID=$!
  wait_http "$PORT_WAN" /
fi
AZ_ACCOUNT=devstoreaccount1
AZ_KEY='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='
AZ_ENDPOINT="http://127.0.0.1:$PORT_AZ/$AZ_ACCOUNT"
if has azure; then
  mkdir -p "$STATE/azurite"
  node "$NPM/node_modules/azurite/dist/src/blob/main.js" --blobHost 127.0.0.1 --blobPort "$PORT_AZ" \
    --location "$STATE/azurite" --disableTelemetry --skipApiVersionCheck --loose >"$STATE/azurite.log" 2>&1 &
  PIDS+=($!)
  AZURITE_PID=$!
  wait_http "$PORT_AZ" "/$AZ_ACCOUNT?comp=list"
fi

# rclone 1.60 takes no endpoint URL for Azure (its "endpoint" is a host
# suffix), so it reaches Azurite through a container SAS URL (sv 2022-11-02,
# the string-to-sign of src/auth/azure/sas.cpp).
AZ_SAS_URL=$(python3 - "$AZ_ACCOUNT" "$AZ_KEY" "$AZ_ENDPOINT" bench <<'EOF'
import base64, datetime, hashlib, hmac, sys, urllib.parse
account, key, endpoint, container = sys.argv[1:]
expiry = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=6)).strftime("%Y-%m-%dT%H:%M:%SZ")
fields = ["racwdl", "", expiry, f"/blob/{account}/{container}", "", "", "", "2022-11-02", "c", "", "", "", "", "", "", ""]
sig = base64.b64encode(hmac.new(base64.b64decode(key), "\n".join(fields).encode(), hashlib.sha256).digest()).decode()
q = urllib.parse.urlencode({"sv": "2022-11-02", "se": expiry, "sr": "c", "sp": "racwdl", "sig": sig})
print(f"{endpoint}/{container}?{q}")
EOF
)

# ---------------------------------------------------------------------------
# Tool configuration: every tool runs under env -i with only what is set here
# (no AWS_CA_BUNDLE, no proxies, no user config files, no instance metadata).
KEY_ID=S3RVER SECRET=S3RVER   # s3rver's built-in account; nulls3 checks nothing
BASE_ENV=(env -i "PATH=/usr/local/bin:/usr/bin:/bin" "HOME=$STATE/home" "LANG=C.UTF-8" "TMPDIR=$STATE")

# rclone: no config file, remotes from the environment.
RC_ENV=("RCLONE_CONFIG=/dev/null"
  "RCLONE_CONFIG_NULLS3_TYPE=s3" "RCLONE_CONFIG_NULLS3_PROVIDER=Other" "RCLONE_CONFIG_NULLS3_ENV_AUTH=false"
  "RCLONE_CONFIG_NULLS3_ACCESS_KEY_ID=$KEY_ID" "RCLONE_CONFIG_NULLS3_SECRET_ACCESS_KEY=$SECRET"
  "RCLONE_CONFIG_NULLS3_REGION=us-east-1" "RCLONE_CONFIG_NULLS3_ENDPOINT=http://127.0.0.1:$PORT_NULL"
  "RCLONE_CONFIG_NULLS3_FORCE_PATH_STYLE=true"
  "RCLONE_CONFIG_S3RVER_TYPE=s3" "RCLONE_CONFIG_S3RVER_PROVIDER=Other" "RCLONE_CONFIG_S3RVER_ENV_AUTH=false"
  "RCLONE_CONFIG_S3RVER_ACCESS_KEY_ID=$KEY_ID" "RCLONE_CONFIG_S3RVER_SECRET_ACCESS_KEY=$SECRET"
  "RCLONE_CONFIG_S3RVER_REGION=us-east-1" "RCLONE_CONFIG_S3RVER_ENDPOINT=http://127.0.0.1:$PORT_S3RVER"
  "RCLONE_CONFIG_S3RVER_FORCE_PATH_STYLE=true"
  "RCLONE_CONFIG_AZ_TYPE=azureblob" "RCLONE_CONFIG_AZ_SAS_URL=$AZ_SAS_URL"
  "RCLONE_CONFIG_WAN_TYPE=s3" "RCLONE_CONFIG_WAN_PROVIDER=Other" "RCLONE_CONFIG_WAN_ENV_AUTH=false"
  "RCLONE_CONFIG_WAN_ACCESS_KEY_ID=$KEY_ID" "RCLONE_CONFIG_WAN_SECRET_ACCESS_KEY=$SECRET"
  "RCLONE_CONFIG_WAN_REGION=us-east-1" "RCLONE_CONFIG_WAN_ENDPOINT=http://127.0.0.1:$PORT_WAN"
  "RCLONE_CONFIG_WAN_FORCE_PATH_STYLE=true")
RCLONE_=("${BASE_ENV[@]}" "${RC_ENV[@]}" "$RCLONE" -q --stats 0)

# aws CLI: one config per concurrency (4 parts in flight for one big object, 8
# files in flight for the small-file sync), 8 MiB parts, path-style.
aws_config() {  # FILE CONCURRENCY
  cat >"$1" <<EOF
[default]
region = us-east-1
s3 =
  addressing_style = path
  multipart_chunksize = 8MB
  multipart_threshold = 32MB
  max_concurrent_requests = $2
EOF
}
aws_config "$STATE/aws-4.cfg" 4
aws_config "$STATE/aws-8.cfg" 8
# The wan scenario runs the aws CLI at its defaults (10 requests in flight, 8 MiB parts).
printf '[default]\nregion = us-east-1\ns3 =\n  addressing_style = path\n' >"$STATE/aws-defaults.cfg"
aws_cmd() {  # CONCURRENCY PORT: prints the command, NUL-separated
  printf '%s\0' "${BASE_ENV[@]}" "AWS_CONFIG_FILE=$STATE/aws-$1.cfg" "AWS_SHARED_CREDENTIALS_FILE=/dev/null" \
    "AWS_ACCESS_KEY_ID=$KEY_ID" "AWS_SECRET_ACCESS_KEY=$SECRET" "AWS_EC2_METADATA_DISABLED=true" \
    "$AWS" --endpoint-url "http://127.0.0.1:$2" --only-show-errors --no-progress
}
mapfile -d '' AWS_NULL < <(aws_cmd 4 "$PORT_NULL")
mapfile -d '' AWS_NULL8 < <(aws_cmd 8 "$PORT_NULL")
mapfile -d '' AWS_S3RVER < <(aws_cmd 8 "$PORT_S3RVER")
mapfile -d '' AWS_WAN < <(aws_cmd defaults "$PORT_WAN")

# s3cmd: a config file per server.
s3cmd_config() {  # FILE PORT
  cat >"$1" <<EOF
[default]
access_key = $KEY_ID
secret_key = $SECRET
host_base = 127.0.0.1:$2
host_bucket = 127.0.0.1:$2
bucket_location = us-east-1
use_https = False
signature_v2 = False
multipart_chunk_size_mb = 8
progress_meter = False
EOF
}
s3cmd_config "$STATE/s3cmd-null.cfg" "$PORT_NULL"
s3cmd_config "$STATE/s3cmd-s3rver.cfg" "$PORT_S3RVER"
S3CMD_NULL=("${BASE_ENV[@]}" "$S3CMD" -c "$STATE/s3cmd-null.cfg" -q)
S3CMD_S3RVER=("${BASE_ENV[@]}" "$S3CMD" -c "$STATE/s3cmd-s3rver.cfg" -q)

CS_=("${BASE_ENV[@]}" "$CS")
# Backend options for one end of a cloudsync copy: FLAG KEY=VALUE... -> FLAG KEY=VALUE FLAG ...
opts() { local flag=$1 kv; shift; for kv; do printf '%s\0%s\0' "$flag" "$kv"; done; }
mapfile -d '' NULL_DST < <(opts --dst-option "endpoint=http://127.0.0.1:$PORT_NULL" region=us-east-1 \
  "access_key_id=$KEY_ID" "secret_access_key=$SECRET" addressing_style=path use_environment=false part_size=8MiB)
mapfile -d '' NULL_SRC < <(opts --src-option "endpoint=http://127.0.0.1:$PORT_NULL" region=us-east-1 \
  "access_key_id=$KEY_ID" "secret_access_key=$SECRET" addressing_style=path use_environment=false)
S3RVER_KV=("endpoint=http://127.0.0.1:$PORT_S3RVER" region=us-east-1 "access_key_id=$KEY_ID"
  "secret_access_key=$SECRET" addressing_style=path use_environment=false)
mapfile -d '' S3RVER_DST < <(opts --dst-option "${S3RVER_KV[@]}")
mapfile -d '' S3RVER_SRC < <(opts --src-option "${S3RVER_KV[@]}")
AZ_KV=("account=$AZ_ACCOUNT" "account_key=$AZ_KEY" "endpoint=$AZ_ENDPOINT" create_container=true)
mapfile -d '' AZ_DST < <(opts --dst-option "${AZ_KV[@]}" block_size=8MiB)
mapfile -d '' AZ_SRC < <(opts --src-option "${AZ_KV[@]}")
WAN_KV=("endpoint=http://127.0.0.1:$PORT_WAN" region=us-east-1 "access_key_id=$KEY_ID" "secret_access_key=$SECRET"
  addressing_style=path use_environment=false)   # where the store is; nothing about how to use it
mapfile -d '' WAN_DST < <(opts --dst-option "${WAN_KV[@]}")
mapfile -d '' WAN_SRC < <(opts --src-option "${WAN_KV[@]}")

# ---------------------------------------------------------------------------
# Measuring: one line per run in $RAW: row, tool, round, cpu_s, wall_s,
# rss_kib, server_cpu_s (CPU the server process spent meanwhile: a server busy
# for about the whole wall time is the limit, "server-bound").
ROUND=0
SERVER_PID=""
ticks() {  # utime + stime of a process, in clock ticks
  [ -n "$1" ] && [ -r "/proc/$1/stat" ] || { echo 0; return; }
  sed 's/^.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'
}
HZ=$(getconf CLK_TCK)
run() {  # ROW TOOL CMD...
  local row=$1 tool=$2
  shift 2
  local out="$STATE/time.out" before after
  before=$(ticks "$SERVER_PID")
  if ! /usr/bin/time -f '%U %S %e %M' -o "$out" "$@" >"$STATE/run.log" 2>&1; then
    echo "FAILED ($row, $tool): $*" >&2
    tail -20 "$STATE/run.log" >&2
    exit 1
  fi
  after=$(ticks "$SERVER_PID")
  local u s e m
  read -r u s e m < <(tail -1 "$out")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$row" "$tool" "$ROUND" "$(awk -v u="$u" -v s="$s" 'BEGIN{printf "%.2f", u + s}')" \
    "$e" "$m" "$(awk -v t=$((after - before)) -v hz="$HZ" 'BEGIN{printf "%.2f", t / hz}')" >>"$RAW"
}
# A rate measured by the program itself (higher is better): ROW TOOL CMD...
run_rate() {
  local row=$1 tool=$2
  shift 2
  local rate
  rate=$("$@" | awk '{print $1}')
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$row" "$tool" "$ROUND" "$rate" "" "" "" >>"$RAW"
}

D="$STATE/data"
mkdir -p "$D/big" "$D/small" "$D/azbig"
log "making test data in $D"
head -c "$((BIG_MIB << 20))" /dev/urandom >"$D/big/big"
head -c "$((AZ_BIG_MIB << 20))" /dev/urandom >"$D/azbig/azbig"
python3 - "$D/small" "$SMALL_FILES" "$SMALL_KIB" <<'EOF'
import os, sys
root, count, kib = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for i in range(count):
    d = os.path.join(root, f"d{i // 100:02d}")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, f"f{i:04d}.bin"), "wb") as f:
        f.write(os.urandom(kib * 1024))
EOF
fresh() { rm -rf "$1"; mkdir -p "$1"; }
if has azure; then  # the container, for rclone's container SAS
  mkdir -p "$D/azsetup" && echo setup >"$D/azsetup/setup.txt"
  "${CS_[@]}" copy -q "$D/azsetup" az://bench/setup "${AZ_DST[@]}"
fi

{
  echo "# scenario rows, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
  echo "# cloudsync $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src examples include || echo '+changes'), $("$RCLONE" version | head -1), $("$AWS" --version 2>&1), $("$S3CMD" --version)"
  if [ -n "${CLOUDSYNC_PREBUILT:-}" ]; then
    echo "# cloudsync built in $CLOUDSYNC_PREBUILT ($(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$CLOUDSYNC_PREBUILT/CMakeCache.txt"))"
  fi
  if has wan; then echo "# wan: nulls3 --latency-ms $WAN_LATENCY_MS --bandwidth-mbps $WAN_MBPS"; fi
} >"$STATE/header.txt"

for ((ROUND = 1; ROUND <= ROUNDS; ++ROUND)); do
  log "round $ROUND of $ROUNDS"
  if has put; then
    SERVER_PID=$NULLS3_PID
    # PUT BIG_MIB MiB to nulls3: 8 MiB parts, 4 in flight.
    run put cloudsync "${CS_[@]}" copy -q "$D/big" "s3://bench/put-cs" "${NULL_DST[@]}" --dst-option checksum=crc32c
    run put cloudsync:md5 "${CS_[@]}" copy -q "$D/big" "s3://bench/put-cs" "${NULL_DST[@]}"
    run put cloudsync:signed "${CS_[@]}" copy -q "$D/big" "s3://bench/put-cs" "${NULL_DST[@]}" \
      --dst-option checksum=crc32c --dst-option sign_payload=true
    run put cloudsync:nocheck "${CS_[@]}" copy -q --ignore-checksum "$D/big" "s3://bench/put-cs" "${NULL_DST[@]}" \
      --dst-option checksum=crc32c
    run put rclone "${RCLONE_[@]}" copyto "$D/big/big" nulls3:bench/put-rc/big --s3-chunk-size 8M \
      --s3-upload-concurrency 4 --s3-no-head --s3-no-check-bucket
    run put aws "${AWS_NULL[@]}" s3 cp "$D/big/big" s3://bench/put-aws/big
    run put s3cmd "${S3CMD_NULL[@]}" put "$D/big/big" s3://bench/put-s3cmd/big
  fi
  if has get; then
    SERVER_PID=$NULLS3_PID
    # GET BIG_MIB MiB (nulls3's "src*" object, zeros, single-part MD5 ETag) to tmpfs.
    fresh "$D/get"
    run get cloudsync "${CS_[@]}" copy -q s3://bench/srcdir "$D/get/cs" "${NULL_SRC[@]}"
    fresh "$D/get"
    # The same bytes as cloudsync uploads them (nulls3's "srcmp" object: multipart ETag and
    # x-amz-meta-cloudsync-crc32c), so verified with the CRC32C: each tool reading back what
    # it writes (rclone's own uploads carry md5chksum, which it verifies: the rclone row).
    run get cloudsync:own "${CS_[@]}" copy -q s3://bench/srcmp "$D/get/cs" "${NULL_SRC[@]}"
    fresh "$D/get"
    run get cloudsync:nocheck "${CS_[@]}" copy -q --ignore-checksum s3://bench/srcdir "$D/get/cs" "${NULL_SRC[@]}"
    fresh "$D/get"
    run get rclone "${RCLONE_[@]}" copyto nulls3:bench/srcdir/big "$D/get/rc/big" --multi-thread-streams 4
    fresh "$D/get"
    run get rclone:nocheck "${RCLONE_[@]}" copyto nulls3:bench/srcdir/big "$D/get/rc/big" --multi-thread-streams 4 \
      --ignore-checksum
    fresh "$D/get"
    run get aws "${AWS_NULL[@]}" s3 cp s3://bench/srcdir/big "$D/get/aws/big"
    fresh "$D/get"
    run get s3cmd "${S3CMD_NULL[@]}" get s3://bench/srcdir/big "$D/get/s3cmd-big"
    rm -rf "$D/get"
  fi
  if has sync; then
    SERVER_PID=$S3RVER_PID
    # 1000 x 4 KiB up to a new prefix of s3rver, the same again (nothing to do), down to a new folder.
    p="r$ROUND"
    # s3rver is an unknown store to cloudsync (no conditional writes): a HEAD before each new file's PUT
    # checks that nothing appeared since planning. cloudsync:cond sends If-None-Match instead, as it does
    # for AWS, MinIO and R2 (s3rver ignores the header: the row shows the cost of one request per file).
    run sync-up cloudsync "${CS_[@]}" sync -q --transfers 8 "$D/small" "s3://bench/cs-$p" "${S3RVER_DST[@]}"
    run sync-up cloudsync:cond "${CS_[@]}" sync -q --transfers 8 "$D/small" "s3://bench/cc-$p" "${S3RVER_DST[@]}" \
      --dst-option conditional_writes=true
    run sync-up rclone "${RCLONE_[@]}" copy "$D/small" "s3rver:bench/rc-$p" --transfers 8 --checkers 8 --s3-no-head \
      --s3-no-check-bucket
    run sync-up rclone:head "${RCLONE_[@]}" copy "$D/small" "s3rver:bench/rh-$p" --transfers 8 --checkers 8 \
      --s3-no-check-bucket
    run sync-up aws "${AWS_S3RVER[@]}" s3 sync "$D/small" "s3://bench/aws-$p"
    run sync-up s3cmd "${S3CMD_S3RVER[@]}" sync "$D/small/" "s3://bench/s3cmd-$p/"
    run sync-noop cloudsync "${CS_[@]}" sync -q --transfers 8 "$D/small" "s3://bench/cs-$p" "${S3RVER_DST[@]}"
    run sync-noop rclone "${RCLONE_[@]}" copy "$D/small" "s3rver:bench/rc-$p" --transfers 8 --checkers 8 --s3-no-head \
      --s3-no-check-bucket
    run sync-noop aws "${AWS_S3RVER[@]}" s3 sync "$D/small" "s3://bench/aws-$p"
    run sync-noop s3cmd "${S3CMD_S3RVER[@]}" sync "$D/small/" "s3://bench/s3cmd-$p/"
    fresh "$D/down"
    run sync-down cloudsync "${CS_[@]}" sync -q --transfers 8 "s3://bench/cs-$p" "$D/down/cs" "${S3RVER_SRC[@]}"
    run sync-down rclone "${RCLONE_[@]}" copy "s3rver:bench/rc-$p" "$D/down/rc" --transfers 8 --checkers 8
    run sync-down aws "${AWS_S3RVER[@]}" s3 sync "s3://bench/aws-$p" "$D/down/aws"
    run sync-down s3cmd "${S3CMD_S3RVER[@]}" sync "s3://bench/s3cmd-$p/" "$D/down/s3cmd/"
    rm -rf "$D/down"
    # s3rver slows down as its bucket fills: every round starts from an empty one.
    find "$STATE/s3rver/bench" -mindepth 1 -maxdepth 1 -type d -exec rm -rf {} +
    # The same upload against nulls3, which stores nothing and answers at once: the clients' own cost.
    SERVER_PID=$NULLS3_PID
    run sync-up-null cloudsync "${CS_[@]}" sync -q --transfers 8 "$D/small" "s3://bench/cs-$p" "${NULL_DST[@]}"
    run sync-up-null cloudsync:cond "${CS_[@]}" sync -q --transfers 8 "$D/small" "s3://bench/cc-$p" "${NULL_DST[@]}" \
      --dst-option conditional_writes=true
    run sync-up-null rclone "${RCLONE_[@]}" copy "$D/small" "nulls3:bench/rc-$p" --transfers 8 --checkers 8 \
      --s3-no-head --s3-no-check-bucket
    run sync-up-null aws "${AWS_NULL8[@]}" s3 sync "$D/small" "s3://bench/aws-$p"
    run sync-up-null s3cmd "${S3CMD_NULL[@]}" sync "$D/small/" "s3://bench/s3cmd-$p/"
  fi
  if has sigv4; then
    run_rate sigv4 cloudsync "$SIGV4" 2
    run_rate sigv4 botocore "${BASE_ENV[@]}" "$AWS_PY" bench/sigv4_botocore.py 2
  fi
  if has azure; then
    SERVER_PID=$AZURITE_PID
    # Azurite: AZ_BIG_MIB MiB up and down (8 MiB blocks, 4 in flight), 1000 x 4 KiB up.
    p="r$ROUND"
    run az-put cloudsync "${CS_[@]}" copy -q "$D/azbig" "az://bench/cs-$p" "${AZ_DST[@]}"
    run az-put rclone "${RCLONE_[@]}" copyto "$D/azbig/azbig" "az:bench/rc-$p/azbig" --azureblob-chunk-size 8M \
      --azureblob-upload-concurrency 4
    fresh "$D/azget"
    run az-get cloudsync "${CS_[@]}" copy -q "az://bench/cs-$p" "$D/azget/cs" "${AZ_SRC[@]}"
    fresh "$D/azget"
    run az-get cloudsync:nocheck "${CS_[@]}" copy -q --ignore-checksum "az://bench/cs-$p" "$D/azget/cs" "${AZ_SRC[@]}"
    run az-get rclone "${RCLONE_[@]}" copyto "az:bench/rc-$p/azbig" "$D/azget/rc/azbig" --multi-thread-streams 4
    rm -rf "$D/azget"
    run az-sync-up cloudsync "${CS_[@]}" sync -q --transfers 8 "$D/small" "az://bench/cs-small-$p" "${AZ_DST[@]}"
    run az-sync-up rclone "${RCLONE_[@]}" copy "$D/small" "az:bench/rc-small-$p" --transfers 8 --checkers 8
  fi
  if has wan; then
    SERVER_PID=$WAN_PID
    # Across a region (WAN_LATENCY_MS first-byte latency, WAN_MBPS per connection): every tool at its
    # defaults (rclone also at --transfers 8), as a user would run it. rclone's uploads take --s3-no-head:
    # its HEAD after each PUT would find nothing on nulls3, which stores nothing.
    p="r$ROUND"
    run wan-sync-up cloudsync "${CS_[@]}" sync -q "$D/small" "s3://bench/cs-wan-$p" "${WAN_DST[@]}"
    run wan-sync-up rclone "${RCLONE_[@]}" copy "$D/small" "wan:bench/rc-wan-$p" --s3-no-head
    run wan-sync-up rclone:t8 "${RCLONE_[@]}" copy "$D/small" "wan:bench/rt-wan-$p" --s3-no-head --transfers 8 \
      --checkers 8
    run wan-sync-up aws "${AWS_WAN[@]}" s3 sync "$D/small" "s3://bench/aws-wan-$p"
    fresh "$D/wdown"
    run wan-sync-down cloudsync "${CS_[@]}" sync -q "s3://bench/small" "$D/wdown/cs" "${WAN_SRC[@]}"
    run wan-sync-down rclone "${RCLONE_[@]}" copy "wan:bench/small" "$D/wdown/rc"
    run wan-sync-down rclone:t8 "${RCLONE_[@]}" copy "wan:bench/small" "$D/wdown/rt" --transfers 8 --checkers 8
    run wan-sync-down aws "${AWS_WAN[@]}" s3 sync "s3://bench/small" "$D/wdown/aws"
    rm -rf "$D/wdown"
    fresh "$D/wget"
    run wan-get cloudsync "${CS_[@]}" copy -q s3://bench/srcdir "$D/wget/cs" "${WAN_SRC[@]}"
    fresh "$D/wget"
    run wan-get rclone "${RCLONE_[@]}" copyto wan:bench/srcdir/big "$D/wget/rc/big"
    fresh "$D/wget"
    run wan-get rclone:t8 "${RCLONE_[@]}" copyto wan:bench/srcdir/big "$D/wget/rc/big" --multi-thread-streams 8
    fresh "$D/wget"
    run wan-get aws "${AWS_WAN[@]}" s3 cp s3://bench/srcdir/big "$D/wget/aws/big"
    rm -rf "$D/wget"
    run wan-put cloudsync "${CS_[@]}" copy -q "$D/big" "s3://bench/put-cs-wan" "${WAN_DST[@]}"
    run wan-put rclone "${RCLONE_[@]}" copyto "$D/big/big" wan:bench/put-rc-wan/big --s3-no-head
    run wan-put aws "${AWS_WAN[@]}" s3 cp "$D/big/big" s3://bench/put-aws-wan/big
  fi
done

# The watcher once, not in rounds: close-to-exported delay over 1000 files, idle CPU over 10,000.
if has watch; then
  log "watch: cloudsync watch against nulls3"
  "${BASE_ENV[@]}" python3 bench/watch_bench.py --cli "$CS" --endpoint "http://127.0.0.1:$PORT_NULL" \
    --results "$STATE/watch.md" >/dev/null
fi

# Record export's read side once: 1,000,000 PostgreSQL rows as JSON (psql \copy vs the record source).
if has records; then
  log "records: a PostgreSQL table through psql \\copy and the record source"
  "${BASE_ENV[@]}" python3 bench/records_bench.py --reader "$BUILD/bench/cloudsync_bench_records" \
    --cli "$CS" --endpoint "http://127.0.0.1:$PORT_NULL" --scenarios copy,source,export \
    --results "$STATE/records.md" >/dev/null
fi

# The Python package's overhead once: a 100,000-key listing through the C ABI,
# the package and boto3's paginator, from one synthetic bucket.
if has python; then
  log "python: a 100,000-key listing through ctypes, the package and boto3"
  # The interpreter with boto3 (the python3 first on PATH), by its real path: BASE_ENV's PATH has only Debian's.
  boto3_python=$(python3 -c 'import sys, boto3; print(sys.executable)')
  "${BASE_ENV[@]}" CLOUDSYNC_LIBRARY="$BUILD/libcloudsync.so.1" "$boto3_python" bench/python_listing_bench.py \
    --results "$STATE/python.md" >/dev/null
fi

# Planning at scale once, in its own rounds: a million objects planned next to
# their listing alone (local, and the null S3 server's synthetic listing), and
# 100,000 next to rclone (first sync's dry run, no-op re-sync, and a project tracking
# them imported and restored again with nothing changed).
if has scale; then
  log "scale: ${SCALE_OBJECTS:-1000000} objects planned, ${SCALE_COMPARE:-100000} next to rclone"
  "${BASE_ENV[@]}" python3 bench/scale_bench.py --plan "${CLOUDSYNC_PREBUILT:-$BUILD}/bench/cloudsync_bench_plan" --cli "$CS" \
    --rclone "$RCLONE" --objects "${SCALE_OBJECTS:-1000000}" --compare-objects "${SCALE_COMPARE:-100000}" \
    --rounds "${SCALE_ROUNDS:-3}" --endpoint "http://127.0.0.1:$PORT_NULL" --results "$STATE/scale.md" >/dev/null
fi

cp "$RAW" "${RESULTS%.md}.tsv"
if [ -s "$RAW" ]; then
  python3 bench/summarize.py "$RAW" "$STATE/header.txt" | tee "$RESULTS"
else
  tee "$RESULTS" <"$STATE/header.txt"
fi
if [ -f "$STATE/watch.md" ]; then tee -a "$RESULTS" <"$STATE/watch.md"; fi
if [ -f "$STATE/records.md" ]; then tee -a "$RESULTS" <"$STATE/records.md"; fi
if [ -f "$STATE/python.md" ]; then tee -a "$RESULTS" <"$STATE/python.md"; fi
if [ -f "$STATE/scale.md" ]; then tee -a "$RESULTS" <"$STATE/scale.md"; fi
log "results: $RESULTS (raw: ${RESULTS%.md}.tsv)"
