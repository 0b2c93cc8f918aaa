#!/usr/bin/env bash
# One command for a newcomer: install the system packages, build ldvc-convert (release), convert the
# bundled OpenAI-style TorchScript fixture, inspect the result, and run it in the Swift runtime against
# the reference code's outputs (golden) to show that nothing was lost.
#   bash scripts/setup.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/install-deps.sh
swift build -c release --product ldvc-convert
binary="$(swift build -c release --show-bin-path)/ldvc-convert"
out="${TMPDIR:-/tmp}/ldvc-demo"
mkdir -p "$out"
"$binary" Fixtures/torch/openai_jit.pt -o "$out/openai_jit.h5" --force
"$binary" inspect "$out/openai_jit.h5" > "$out/inspect.txt"
head -n 12 "$out/inspect.txt"
echo
"$binary" verify "$out/openai_jit.h5" --golden Fixtures/runtime/goldens/clip_openai_fp16.h5 > "$out/verify.txt"
tail -n 4 "$out/verify.txt"
echo
echo "ldvc-convert is at $binary; the converted fixture is $out/openai_jit.h5"
