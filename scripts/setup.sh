#!/usr/bin/env bash
# One command for a newcomer: install the system packages, build ldvc-convert (release), and
# convert the bundled OpenAI-style TorchScript fixture, then inspect the result.
#   bash scripts/setup.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/install-deps.sh
swift build -c release --product ldvc-convert
binary="$(swift build -c release --show-bin-path)/ldvc-convert"
out="${TMPDIR:-/tmp}/ldvc-demo"
mkdir -p "$out"
"$binary" Fixtures/torch/openai_jit.pt -o "$out/openai_jit.h5" --force
"$binary" inspect "$out/openai_jit.h5" | head -n 12
echo
echo "ldvc-convert is at $binary; the converted fixture is $out/openai_jit.h5"
