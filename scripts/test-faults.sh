#!/usr/bin/env bash
# Fault tests of the output path, with the built binary (CI runs this after scripts/test.sh):
#   - a write that hits a file-size limit (what a full disk looks like) is exit 74, names the output,
#     leaves no temporary file and never damages an existing output;
#   - SIGINT / SIGTERM / SIGHUP exit 128 + signal and remove the temporary file;
#   - `kill -9` at any moment leaves the old output or the new one whole, never a partial file under the
#     final name, and the next run removes (and reports) what the killed run left;
#   - a second process writing the same output fails at once (exit 73);
#   - FIFOs, devices and dangling links are refused as inputs and outputs without hanging.
#   bash scripts/test-faults.sh [path/to/ldvc-convert]
set -uo pipefail
cd "$(dirname "$0")/.."
binary="${1:-$(swift build --show-bin-path)/ldvc-convert}"
[ -x "$binary" ] || { echo "error: no binary at $binary (swift build first)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
check() {  # check DESCRIPTION COMMAND...: runs COMMAND (a test), counts a failure
  local description="$1"; shift
  if "$@"; then echo "ok   $description"; else echo "FAIL $description"; failures=$((failures + 1)); fi
}
leftovers() { find "$1" -maxdepth 1 -name '.*.partial-*' | grep -c . ; }
run() { timeout 60 "$binary" "$@"; }
quietly() { "$@" > /dev/null 2>&1; }

small="$PWD/Fixtures/torch/openai_fp32.pt"

# A 400 MB vision tower in OpenAI's naming, zeros, so a conversion takes long enough to be signalled.
# Written as a safetensors file by hand: an 8-byte header length, the JSON header, the raw data.
big="$work/big.safetensors"
make_big() {
  local W=2048 P=16 G=16 E=512 L=2 offset=0 header="" entries=()
  add() {  # add NAME SHAPE ELEMENTS
    local end=$((offset + $3 * 4))
    entries+=("\"$1\":{\"dtype\":\"F32\",\"shape\":[$2],\"data_offsets\":[$offset,$end]}")
    offset=$end
  }
  add visual.conv1.weight "$W,3,$P,$P" $((W * 3 * P * P))
  add visual.class_embedding "$W" $W
  add visual.positional_embedding "$((G * G + 1)),$W" $(((G * G + 1) * W))
  add visual.ln_pre.weight "$W" $W; add visual.ln_pre.bias "$W" $W
  for ((i = 0; i < L; i++)); do
    local b="visual.transformer.resblocks.$i"
    add $b.ln_1.weight "$W" $W; add $b.ln_1.bias "$W" $W
    add $b.attn.in_proj_weight "$((3 * W)),$W" $((3 * W * W)); add $b.attn.in_proj_bias "$((3 * W))" $((3 * W))
    add $b.attn.out_proj.weight "$W,$W" $((W * W)); add $b.attn.out_proj.bias "$W" $W
    add $b.ln_2.weight "$W" $W; add $b.ln_2.bias "$W" $W
    add $b.mlp.c_fc.weight "$((4 * W)),$W" $((4 * W * W)); add $b.mlp.c_fc.bias "$((4 * W))" $((4 * W))
    add $b.mlp.c_proj.weight "$W,$((4 * W))" $((4 * W * W)); add $b.mlp.c_proj.bias "$W" $W
  done
  add visual.ln_post.weight "$W" $W; add visual.ln_post.bias "$W" $W
  add visual.proj "$W,$E" $((W * E))
  header="{$(IFS=,; echo "${entries[*]}")}"
  local length=${#header}
  python_free_le64() {  # the header length as 8 little-endian bytes, with printf only
    local n=$1 out="" i
    for ((i = 0; i < 8; i++)); do out+=$(printf '\\x%02x' $((n & 255))); n=$((n >> 8)); done
    printf "$out"
  }
  { python_free_le64 "$length"; printf '%s' "$header"; head -c "$offset" /dev/zero; } > "$big"
}
make_big
check "the synthetic 400 MB checkpoint converts" run "$big" -o "$work/big.h5" --quiet
rm -f "$work/big.h5"

# 1. File-size limits: every limit fails cleanly, whatever the write that hits it.
for limit in 1 40 400 800; do
  dir="$work/limit-$limit"; mkdir -p "$dir"
  echo "keep me" > "$dir/out.h5"
  (ulimit -f "$limit"; run "$small" -o "$dir/out.h5" --force 2> "$dir/err"); status=$?
  check "ulimit -f $limit KB: exit 74 (got $status)" test "$status" -eq 74
  check "ulimit -f $limit KB: the message names the output" grep -q "$dir/out.h5" "$dir/err"
  # The fixture states no activation or head count, so the assumed-settings warnings come first.
  check "ulimit -f $limit KB: one error line" test "$(grep -vc '^warning: ' "$dir/err")" -eq 1
  check "ulimit -f $limit KB: the existing output is untouched" grep -qx "keep me" "$dir/out.h5"
  check "ulimit -f $limit KB: no temporary file" test "$(leftovers "$dir")" -eq 0
done
run "$small" -o "$work/model.h5" --quiet
(ulimit -f 40; run init-prompts "$work/model.h5" -o "$work/prompted.h5" 2> /dev/null); status=$?
check "init-prompts past a file-size limit: exit 74 (got $status)" test "$status" -eq 74
check "init-prompts past a file-size limit: no output, no temporary file" \
  test ! -e "$work/prompted.h5" -a "$(leftovers "$work")" -eq 0

# 2. Signals: 128 + the signal, and the temporary file removed.
for signal in INT TERM HUP; do
  dir="$work/signal-$signal"; mkdir -p "$dir"
  "$binary" "$big" -o "$dir/out.h5" --quiet 2> /dev/null &
  pid=$!
  sleep 0.15
  kill -s "$signal" "$pid"
  wait "$pid"; status=$?
  expected=$((128 + $(kill -l "$signal")))
  check "SIG$signal during a conversion: exit $expected (got $status)" test "$status" -eq "$expected"
  check "SIG$signal: no output and no temporary file" test ! -e "$dir/out.h5" -a "$(leftovers "$dir")" -eq 0
done

# 3. kill -9 at any moment: the old output or the new one, whole.
dir="$work/kill"; mkdir -p "$dir"
echo "old output" > "$dir/out.h5"
cp "$dir/out.h5" "$work/old-output"
for delay in 0.01 0.05 0.1 0.15 0.2 0.3 0.5 0.8; do
  "$binary" "$big" -o "$dir/out.h5" --force --quiet 2> /dev/null &
  pid=$!
  sleep "$delay"
  kill -9 "$pid" 2> /dev/null
  wait "$pid" 2> /dev/null
  if cmp -s "$dir/out.h5" "$work/old-output"; then
    echo "ok   kill -9 after ${delay}s: the old output, whole"
  elif quietly run inspect "$dir/out.h5" --summary; then
    echo "ok   kill -9 after ${delay}s: the new output, whole"
    cp "$dir/out.h5" "$work/old-output"
  else
    echo "FAIL kill -9 after ${delay}s: out.h5 is neither"; failures=$((failures + 1))
  fi
done
# A killed run leaves its temporary file; the next run for that output removes it and says so.
"$binary" "$big" -o "$dir/out.h5" --force --quiet 2> /dev/null &
pid=$!
for _ in $(seq 200); do [ "$(leftovers "$dir")" -ge 1 ] && break; sleep 0.01; done  # until the temporary file exists
kill -9 "$pid"; wait "$pid" 2> /dev/null
check "a run killed early leaves its temporary file" test "$(leftovers "$dir")" -ge 1
run "$small" -o "$dir/out.h5" --force 2> "$work/next.err" > /dev/null
check "the next run for that output succeeds" quietly run inspect "$dir/out.h5" --summary
check "the next run reports what the killed run left" grep -q "left by an interrupted run" "$work/next.err"
check "and removes it" test "$(leftovers "$dir")" -eq 0

# 4. Two processes, one output: the second fails at once while the first holds the lock.
dir="$work/lock"; mkdir -p "$dir"
flock "$dir/.out.h5.lock" sleep 3 &
holder=$!
sleep 0.3
run "$small" -o "$dir/out.h5" 2> "$dir/err"; status=$?
check "a second writer of the same output: exit 73 (got $status)" test "$status" -eq 73
check "a second writer is told another run is writing" grep -q "another ldvc-convert is writing" "$dir/err"
wait "$holder"
check "once the first is done the output can be written" run "$small" -o "$dir/out.h5" --quiet

# 5. FIFOs, devices and links: refused at once, never a hang, never replaced.
dir="$work/special"; mkdir -p "$dir"
mkfifo "$dir/fifo.pt" "$dir/fifo.h5"
run "$dir/fifo.pt" -o "$dir/a.h5" 2> /dev/null; status=$?
check "a FIFO as the input: exit 66 without blocking (got $status)" test "$status" -eq 66
mkfifo "$dir/fifo.png" "$dir/fifo.json"
mkdir "$dir/segments"
run segment "$PWD/Fixtures/runtime/models/zegclip_tiny.h5" "$dir/fifo.png" --classes a,b -o "$dir/segments" > /dev/null 2>&1
status=$?
check "a FIFO as an image: exit 66 without blocking (got $status)" test "$status" -eq 66
run evaluate --merge "$dir/fifo.json" -o "$dir/metrics.json" > /dev/null 2>&1; status=$?
check "a FIFO as an evaluation shard: exit 66 without blocking (got $status)" test "$status" -eq 66
run verify "$work/model.h5" --golden "$dir/fifo.h5" > /dev/null 2>&1; status=$?
check "a FIFO as the golden: exit 66 without blocking (got $status)" test "$status" -eq 66
run "$small" -o "$dir/fifo.h5" --force 2> /dev/null; status=$?
check "a FIFO as the output, even with --force: exit 73 (got $status)" test "$status" -eq 73 -a -p "$dir/fifo.h5"
ln -s /dev/null "$dir/null.h5"
run "$small" -o "$dir/null.h5" --force 2> /dev/null; status=$?
check "a link to a device as the output: exit 73 (got $status)" test "$status" -eq 73 -a -L "$dir/null.h5"
ln -s "$dir/nowhere.h5" "$dir/dangling.h5"
run "$small" -o "$dir/dangling.h5" 2> /dev/null; status=$?
check "a dangling link as the output without --force: exit 73 (got $status)" test "$status" -eq 73 -a -L "$dir/dangling.h5"

if [ "$failures" -gt 0 ]; then
  echo "$failures fault check(s) failed" >&2
  exit 1
fi
echo "all fault checks passed"
