import Dispatch

/// Splits row loops over the runtime's worker threads (the same count OpenBLAS uses, so element-wise
/// work and sgemm take turns on the same cores instead of competing).
enum Parallel {
    /// A pointer that may cross into `concurrentPerform`'s closure; each worker touches disjoint rows.
    struct Pointer<T>: @unchecked Sendable {
        let base: UnsafeMutablePointer<T>
    }

    /// Worker count for element-wise loops, set from `RuntimeOptions.threads`.
    nonisolated(unsafe) static var workers = 1

    /// Runs `body(range)` over `0..<count` split into contiguous chunks, one per worker, when the
    /// work is big enough to pay for the hand-off (`cost` = elements touched per row).
    static func forEachChunk(_ count: Int, cost: Int, _ body: @Sendable (Range<Int>) -> Void) {
        let chunks = min(workers, count)
        if chunks <= 1 || count * cost < 32_768 {
            body(0..<count)
            return
        }
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let start = count * chunk / chunks
            let end = count * (chunk + 1) / chunks
            body(start..<end)
        }
    }
}
