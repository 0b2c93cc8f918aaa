#!/usr/bin/env bash
# Installs what the tests need, builds everything (no compiler warning allowed in Sources/), and runs
# the whole test suite (no Python, no network).
#   bash scripts/test.sh [swift test options, e.g. --filter Layout]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/install-deps.sh
log=$(mktemp)
trap 'rm -f "$log"' EXIT
swift build --build-tests 2>&1 | tee "$log"
# Warnings of our own sources fail the run (dependencies' warnings are theirs to fix).
if grep -E "^$(pwd)/Sources/[^:]+:[0-9]+:[0-9]+: warning:" "$log" | sort -u | grep .; then
  echo "error: compiler warnings in Sources/ (the project keeps zero); fix them" >&2
  exit 1
fi
swift test --skip-build "$@"
