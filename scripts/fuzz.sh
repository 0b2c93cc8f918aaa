#!/usr/bin/env bash
# Builds the fuzz targets (Fuzz/<target>/main.swift) with libFuzzer and AddressSanitizer and runs them.
#
#   bash scripts/fuzz.sh                  # every target, 60 s each, one after the other
#   bash scripts/fuzz.sh pickle 300       # one target for 5 minutes
#   bash scripts/fuzz.sh all 30           # every target, 30 s each
#
# A target is a folder Fuzz/<name>/ with a main.swift and a line in Package.swift's fuzzTargets;
# its seeds are Fuzz/corpus/<name>/, its dictionary Fuzz/dict/<name>.dict (optional). Inputs the
# fuzzer finds go to .build/fuzz-out/corpus/<name>/ (not into git); crashes, leaks, timeouts and
# out-of-memory inputs to .build/fuzz-out/findings/<name>/ (outside the build folder: SwiftPM empties
# `<build path>/artifacts` on every build). Copy a fixed one to Fuzz/regressions/<name>/,
# where `swift test` replays it (FuzzRegressionTests). Exits 1 if a target left a crash, leak, timeout or
# out-of-memory input in this run (slow units are listed, not failed: load alone can make them).
# Prints one line per target: executions, coverage (cov: edges, ft: features), corpus size, artifacts.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/install-deps.sh  # the C libraries, and the toolchain on PATH (its lld links the sanitizers)
target="${1:-all}"
seconds="${2:-60}"
build=.build/fuzz
out=.build/fuzz-out
export SWIFT_BACKTRACE=enable=no  # a crashing run must not leave a backtracer holding the pipe
export LSAN_OPTIONS="suppressions=$PWD/Fuzz/lsan.supp:print_suppressions=0"  # leaks outside our code

if [ "$target" = all ]; then
  mapfile -t targets < <(find Fuzz -mindepth 2 -maxdepth 2 -name main.swift | sort | xargs -n1 dirname | xargs -n1 basename)
else
  targets=("$target")
fi

failed=0
for name in "${targets[@]}"; do
  swift build -c debug --build-path "$build" -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING \
    -Xswiftc -use-ld=lld --product "fuzz-$name" 2>&1 | grep -E "error|warning: unre" || true
  binary="$build/debug/fuzz-$name"
  [ -x "$binary" ] || { echo "$name: build failed"; failed=1; continue; }
  corpus="$out/corpus/$name"; artifacts="$out/findings/$name"; log="$out/logs/$name.log"
  mkdir -p "$corpus" "$artifacts" "$(dirname "$log")"
  dict=(); [ -f "Fuzz/dict/$name.dict" ] && dict=("-dict=Fuzz/dict/$name.dict")
  seeds=(); [ -d "Fuzz/corpus/$name" ] && seeds=("Fuzz/corpus/$name")
  start=$(date +%s); touch "$log.start"
  "$binary" "$corpus" "${seeds[@]}" "${dict[@]}" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -malloc_limit_mb=1024 -max_len=65536 -print_final_stats=1 -artifact_prefix="$artifacts/" >"$log" 2>&1 || true
  elapsed=$(( $(date +%s) - start ))
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1)
  # This run's artifacts only. A slow unit is reported but fails nothing: on a loaded machine any input
  # can stall past libFuzzer's 10 s report threshold (replay it: `.build/fuzz/debug/fuzz-NAME FILE`); a
  # real hang is a timeout artifact.
  found=$(find "$artifacts" -type f -newer "$log.start" ! -name 'slow-unit-*' | wc -l)
  slow=$(find "$artifacts" -type f -newer "$log.start" -name 'slow-unit-*' | wc -l)
  echo "$name: ${runs:-?} executions in ${elapsed}s, ${cov:-no coverage line}, corpus $(ls "$corpus" | wc -l), artifacts $found, slow units $slow"
  [ "$found" -eq 0 ] || { find "$artifacts" -type f -newer "$log.start" ! -name 'slow-unit-*' | sed 's/^/  /'; failed=1; }
done
exit $failed
