import Checkpoint
import Crypto
import Foundation

/// Size and SHA-256 of an input, computed on a background thread while a conversion runs: the hash
/// needs every byte of the input, and hashing on the second core keeps it off the critical path. The
/// same pass checks the CRC-32 of every zip member the conversion copies without reading.
///
/// Hashing starts before the checkpoint is parsed (it needs only the file names); the CRC checks,
/// which come from the parsed zip directory, are handed over with `check(_:)` when known. Bytes the
/// pass went by before that are read once more for the CRC alone (a parse's worth: a few MB).
public final class FileDigest: @unchecked Sendable {
    public struct Value: Sendable, Equatable {
        public let size: Int
        /// Lower-case hex.
        public let sha256: String
    }

    public let paths: [String]
    /// Bytes per read.
    let chunkBytes: Int
    private let lock = NSLock()
    private let done = DispatchSemaphore(value: 0)
    private var result: Result<Value, CheckpointError>?
    /// The CRC checks, once handed over (`nil` before).
    private var checks: [FileChecksums]?
    private let checksHanded = DispatchSemaphore(value: 0)
    private var cancelled = false
    /// Signalled when the SHA-256 pass over every file has ended (tests hand checks over after it).
    private let passEnded = DispatchSemaphore(value: 0)

    /// Starts hashing `path`, checking `checksums` on the way.
    public convenience init(path: String, checksums: [FileChecksums] = []) {
        self.init(paths: [path], checksums: checksums)
    }

    /// Starts hashing the files of one checkpoint (the shards of a sharded one, in index order), and
    /// checking `checksums` (each applies to the file it names) in the same pass; `nil` checksums
    /// follow with `check(_:)` (a digest started so waits for `check`, `cancel` or `value` before it
    /// ends). Their size is the sum; their SHA-256 is that of one file alone, else
    /// the SHA-256 of the lines `<sha256>  <file name>` (as `sha256sum` prints them), one per file,
    /// in order.
    public init(paths: [String], checksums: [FileChecksums]?, chunkBytes: Int = FileDigest.defaultChunkBytes) {
        self.paths = paths
        self.chunkBytes = chunkBytes
        checks = checksums
        if checksums != nil { checksHanded.signal() }
        DispatchQueue.global(qos: .userInitiated).async { [self] in
            let outcome = combined()
            lock.withLock { result = outcome }
            done.signal()
        }
    }

    /// Hands over the CRC checks of a digest started without them (once; a cancelled digest ignores
    /// them).
    public func check(_ checksums: [FileChecksums]) {
        let first: Bool? = lock.withLock {
            if cancelled { return nil }
            guard checks == nil else { return false }
            checks = checksums
            return true
        }
        guard let first else { return }
        precondition(first, "the checks of a FileDigest are handed over once")
        checksHanded.signal()
    }

    /// Stops the pass early (the conversion it served failed); `value()` then throws.
    public func cancel() {
        lock.withLock { cancelled = true }
        handOverNone()
    }

    /// Waits for the hash. A digest whose checks were never handed over checks none.
    public func value() throws(CheckpointError) -> Value {
        handOverNone()
        done.wait()
        done.signal()
        switch lock.withLock({ result }) {
        case .success(let value)?: return value
        case .failure(let error)?: throw error
        case nil: throw .unreadable(path: paths.first ?? "", reason: "the hash was not computed")
        }
    }

    /// Runs `body`; when it throws, the hash is no longer wanted and is cancelled first.
    public func cancellingOnFailure<T, Failure: Error>(_ body: () throws(Failure) -> T) throws(Failure) -> T {
        do {
            return try body()
        } catch {
            cancel()
            throw error
        }
    }

    /// Ends the pass's wait for checks with none, unless they were handed over.
    private func handOverNone() {
        let waiting = lock.withLock {
            guard checks == nil else { return false }
            checks = []
            return true
        }
        if waiting { checksHanded.signal() }
    }

    /// Waits until the SHA-256 pass has read every file (for tests of checks handed over late).
    func waitForPass() {
        passEnded.wait()
        passEnded.signal()
    }

    /// The checks handed over so far, and whether the pass was cancelled.
    private var state: (checks: [FileChecksums]?, cancelled: Bool) { lock.withLock { (checks, cancelled) } }

    private func combined() -> Result<Value, CheckpointError> {
        // Per file: its value, and whether its pass had the checks (else they read it again, for
        // the CRC alone).
        var hashed: [(value: Value, checkedInPass: Bool)] = []
        var failure: CheckpointError?
        for path in paths {
            switch hash(path: path) {
            case .success(let file): hashed.append(file)
            case .failure(let error): failure = error
            }
            if failure != nil { break }
        }
        passEnded.signal()
        if let failure { return .failure(failure) }
        let values = hashed.map(\.value)
        checksHanded.wait()
        checksHanded.signal()
        guard !state.cancelled, let checks = state.checks else { return .failure(Self.cancelledError(paths)) }
        do {
            for (index, path) in paths.enumerated() {
                let mine = checks.filter { $0.path == path }
                if !hashed[index].checkedInPass { try feed(mine, path: path, upTo: values[index].size) }
                for checksum in mine { try checksum.verify() }
            }
        } catch {
            return .failure(error)
        }
        if values.count == 1, let value = values.first { return .success(value) }
        let manifest = zip(values, paths).map { "\($0.sha256)  \(URL(fileURLWithPath: $1).lastPathComponent)\n" }
            .joined()
        let digest = SHA256.hash(data: Data(manifest.utf8)).map { String(format: "%02x", $0) }.joined()
        return .success(Value(size: values.reduce(0) { $0 + $1.size }, sha256: digest))
    }

    /// Size and SHA-256 of the file at `path`, feeding the checks of this file the same bytes once
    /// they are handed over (the bytes before that first, read again: checks take each member's
    /// bytes in order). Also returns whether the checks were had.
    private func hash(path: String) -> Result<(Value, Bool), CheckpointError> {
        do {
            let file = try RandomAccessFile(path: path)
            var hasher = SHA256()
            var adopted: [FileChecksums]?
            try forEachPiece(of: file, upTo: file.size) { (offset, bytes) throws(CheckpointError) in
                let (checks, cancelled) = state
                if cancelled { throw Self.cancelledError([path]) }
                if adopted == nil, let checks {
                    let mine = checks.filter { $0.path == path }
                    try feed(mine, path: path, upTo: offset)
                    adopted = mine
                }
                hasher.update(data: bytes)
                for checksum in adopted ?? [] { checksum.update(offset: offset, bytes: bytes) }
            }
            let value = Value(size: file.size, sha256: hasher.finalize().map { String(format: "%02x", $0) }.joined())
            return .success((value, adopted != nil))
        } catch {
            return .failure(error)
        }
    }

    /// Feeds `checks` the bytes of `path` before `end`, for the CRC alone.
    private func feed(_ checks: [FileChecksums], path: String, upTo end: Int) throws(CheckpointError) {
        guard !checks.isEmpty, end > 0 else { return }
        let file = try RandomAccessFile(path: path)
        try forEachPiece(of: file, upTo: end) { (offset, bytes) throws(CheckpointError) in
            for checksum in checks { checksum.update(offset: offset, bytes: bytes) }
        }
    }

    /// Calls `body` with each piece of `file` before `end` and its offset, in order, read in pieces
    /// of `chunkBytes` through one reused buffer.
    private func forEachPiece(
        of file: RandomAccessFile, upTo end: Int, _ body: (Int, ArraySlice<UInt8>) throws(CheckpointError) -> Void
    ) throws(CheckpointError) {
        let end = min(end, file.size)
        var buffer: [UInt8] = []
        var offset = 0
        while offset < end {
            let count = min(chunkBytes, end - offset)
            try file.read(at: offset, into: &buffer, count: count)
            // The buffer keeps its largest size: pass on only the bytes this read filled.
            try body(offset, buffer[..<count])
            offset += count
        }
    }

    private static func cancelledError(_ paths: [String]) -> CheckpointError {
        .unreadable(path: paths.first ?? "", reason: "hashing was cancelled")
    }

    /// Bytes per read: small enough that the SHA-256 reads them back from the core's own cache
    /// (4 MB pieces measured slower while the other core copies).
    public static let defaultChunkBytes = 256 << 10
}
