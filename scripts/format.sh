#!/usr/bin/env bash
# Formats every hand-written Swift file with the committed .swift-format (generated files are left as
# their generators wrote them).   bash scripts/format.sh          # rewrite in place
#                                 bash scripts/format.sh --check  # list files that would change, exit 1 if any
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files -co --exclude-standard -- 'Sources/*.swift' 'Tests/*.swift' 'Benchmarks/*.swift' 'Fuzz/*.swift' \
  | grep -v '+Generated\.swift$')
if [ "${1:-}" = "--check" ]; then
  scratch=$(mktemp -d); trap 'rm -rf "$scratch"' EXIT
  changed=0
  for file in "${files[@]}"; do
    swift format --configuration .swift-format "$file" > "$scratch/out" 2>/dev/null
    if ! cmp -s "$file" "$scratch/out"; then echo "not formatted: $file"; changed=1; fi
  done
  exit $changed
fi
swift format -i --configuration .swift-format "${files[@]}"
