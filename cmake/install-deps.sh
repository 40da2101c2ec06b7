#!/usr/bin/env bash
# Installs everything cloudsync needs to build and test on Debian 12 / Ubuntu,
# as root (or with sudo available). Idempotent; quiet when nothing is missing.
#   cmake/install-deps.sh          build dependencies
#   cmake/install-deps.sh --test   plus what the tests' peer servers need
set -euo pipefail
build=(build-essential cmake ninja-build pkg-config python3
       libcurl4-openssl-dev libssl-dev rapidjson-dev libfmt-dev libpugixml-dev libsqlite3-dev libpq-dev zlib1g-dev libutf8proc-dev libcli11-dev catch2)
test=(rclone s3cmd mitmproxy nodejs npm curl binutils abigail-tools python3-jsonschema clang-format
      python3-pandas python3-jupyter-server postgresql
      python3-pytest python3-ipykernel python3-nbclient python3-tqdm chromium
      python3-pip python3-setuptools python3-wheel
      dpkg-dev file groff-base man-db lintian)
want=("${build[@]}")
[ "${1:-}" = "--test" ] && want+=("${test[@]}")
missing=()
for p in "${want[@]}"; do
  [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" == *"ok installed"* ]] || missing+=("$p")
done
# npm may come from a nodesource build of nodejs rather than the npm package.
if [ "${1:-}" = "--test" ] && command -v npm >/dev/null; then
  missing=("${missing[@]/npm}")
fi
missing=($(printf '%s\n' "${missing[@]}" | sed '/^$/d'))
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  echo "installing: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
