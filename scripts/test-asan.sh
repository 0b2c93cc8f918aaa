#!/usr/bin/env bash
# The whole test suite built and run with AddressSanitizer (out-of-bounds, use-after-free and leaks
# in the C libraries' bridges and in Swift's unsafe pointer code).
#   bash scripts/test-asan.sh [swift test arguments, e.g. --filter CheckpointTests]
# Builds into .build/asan so the normal debug build is left alone. Our own C targets (CCRC32, the
# generated CONNXProto) are instrumented too (-Xcc); the system libraries are not.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/install-deps.sh
export SWIFT_BACKTRACE=enable=no  # a crashing run must not leave a backtracer holding the pipe
# LeakSanitizer is off: the Swift runtime's and HDF5's process-lifetime allocations are reported
# as leaks at exit; ASan's memory errors are what this run is for.
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:allocator_may_return_null=0"
# Tests that run the tool under memory bounds use ASan's allocation limit instead of `ulimit -v` (ASan's
# shadow memory needs terabytes of address space): see BoundedToolRun.isAddressSanitized.
export LDVC_SANITIZER=address
flags=(--build-path .build/asan -Xswiftc -sanitize=address -Xcc -fsanitize=address -Xswiftc -use-ld=lld)
swift build --build-tests "${flags[@]}"
swift test --skip-build "${flags[@]}" "$@"
