import Dispatch
import Foundation

/// Splits loops over the runtime's worker threads (`LDVCRuntime(threads:)`), the runtime's only
/// parallelism: OpenBLAS itself runs single-threaded inside each worker (see `MatMul`).
enum Parallel {
    /// A pointer that may cross into `concurrentPerform`'s closure; each worker touches disjoint rows.
    struct Pointer<T>: @unchecked Sendable {
        let base: UnsafeMutablePointer<T>
    }

    /// Worker count for the current call, bound by each `LDVCRuntime` entry point to its own
    /// `threads` (a task-local, so runtimes with different counts never see each other's). Inside a
    /// worker it reads 1: chunks never split again.
    @TaskLocal static var workers = 1

    /// How many loops were split over workers, so tests can show the parallel paths ran.
    static let handOffs = Counter()

    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var count = 0
        func increment() { lock.withLock { count += 1 } }
        var value: Int { lock.withLock { count } }
    }

    /// Runs `body(range)` over `0..<count` split into contiguous chunks, one per worker, when the
    /// work is big enough to pay for the hand-off (`cost` = elements touched per item, `minimumRows`
    /// = smallest chunk worth a worker).
    static func forEachChunk(_ count: Int, cost: Int, minimumRows: Int = 1, _ body: @Sendable (Range<Int>) -> Void) {
        let chunks = min(workers, count / max(1, minimumRows))
        if chunks <= 1 || count * cost < 32_768 {
            body(0..<count)
            return
        }
        handOffs.increment()
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let start = count * chunk / chunks
            let end = count * (chunk + 1) / chunks
            body(start..<end)
        }
    }
}
