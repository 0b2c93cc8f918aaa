#!/usr/bin/env bash
# Installs what the tests need and runs the whole test suite (no Python, no network).
#   bash scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/install-deps.sh
swift build --build-tests
swift test --skip-build "$@"
