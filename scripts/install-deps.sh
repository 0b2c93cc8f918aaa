#!/usr/bin/env bash
# Installs the Debian packages ldvc-swift builds against (run as root on Debian 12).
# Idempotent: packages already present are left alone. Swift 6.x itself must already be on PATH.
set -euo pipefail
packages=(pkg-config libhdf5-dev libzip-dev zlib1g-dev libopenblas-dev libprotobuf-c-dev protobuf-c-compiler libpng-dev
  libjpeg62-turbo-dev)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
if ! command -v swift >/dev/null 2>&1; then
  for candidate in /opt/swift/usr/bin /usr/share/swift/usr/bin; do
    [ -x "$candidate/swift" ] && export PATH="$candidate:$PATH" && break
  done
fi
command -v swift >/dev/null 2>&1 || { echo "error: Swift 6.x is not on PATH; install it from https://swift.org/install" >&2; exit 1; }
