import Checkpoint
import Crypto
import Foundation

/// Size and SHA-256 of an input, computed on a background thread while a conversion runs: the hash
/// needs every byte of the input, and hashing on the second core keeps it off the critical path. The
/// same pass checks the CRC-32 of every zip member the conversion copies without reading.
public final class FileDigest: @unchecked Sendable {
    public struct Value: Sendable, Equatable {
        public let size: Int
        /// Lower-case hex.
        public let sha256: String
    }

    public let paths: [String]
    private let lock = NSLock()
    private let done = DispatchSemaphore(value: 0)
    private var result: Result<Value, CheckpointError>?

    /// Starts hashing `path`, checking `checksums` on the way.
    public convenience init(path: String, checksums: [FileChecksums] = []) {
        self.init(paths: [path], checksums: checksums)
    }

    /// Starts hashing the files of one checkpoint (the shards of a sharded one, in index order), and
    /// checking `checksums` (each applies to the file it names) in the same pass. Their size is the
    /// sum; their SHA-256 is that of one file alone, else the SHA-256 of the lines
    /// `<sha256>  <file name>` (as `sha256sum` prints them), one per file, in order.
    public init(paths: [String], checksums: [FileChecksums] = []) {
        self.paths = paths
        DispatchQueue.global(qos: .userInitiated).async { [self] in
            let outcome = Self.combined(paths, checksums: checksums)
            lock.withLock { result = outcome }
            done.signal()
        }
    }

    static func combined(_ paths: [String], checksums: [FileChecksums]) -> Result<Value, CheckpointError> {
        var values: [Value] = []
        for path in paths {
            switch hash(path: path, checksums: checksums.filter { $0.path == path }) {
            case .success(let value): values.append(value)
            case .failure(let error): return .failure(error)
            }
        }
        if values.count == 1, let value = values.first { return .success(value) }
        let manifest = zip(values, paths).map { "\($0.sha256)  \(URL(fileURLWithPath: $1).lastPathComponent)\n" }
            .joined()
        let digest = SHA256.hash(data: Data(manifest.utf8)).map { String(format: "%02x", $0) }.joined()
        return .success(Value(size: values.reduce(0) { $0 + $1.size }, sha256: digest))
    }

    /// Waits for the hash.
    public func value() throws(CheckpointError) -> Value {
        done.wait()
        done.signal()
        switch lock.withLock({ result }) {
        case .success(let value)?: return value
        case .failure(let error)?: throw error
        case nil: throw .unreadable(path: paths.first ?? "", reason: "the hash was not computed")
        }
    }

    /// Size and SHA-256 of the file at `path`, read in pieces of `chunkBytes` through one reused buffer,
    /// feeding `checksums` the same bytes.
    static func hash(path: String, checksums: [FileChecksums] = [], chunkBytes: Int = 4 << 20)
        -> Result<Value, CheckpointError>
    {
        do {
            let file = try RandomAccessFile(path: path)
            var hasher = SHA256()
            var buffer: [UInt8] = []
            var offset = 0
            while offset < file.size {
                let count = min(chunkBytes, file.size - offset)
                try file.read(at: offset, into: &buffer, count: count)
                // The buffer keeps its largest size: hash only the bytes this read filled.
                hasher.update(data: buffer[..<count])
                for checksum in checksums { checksum.update(offset: offset, bytes: buffer[..<count]) }
                offset += count
            }
            for checksum in checksums { try checksum.verify() }
            return .success(
                Value(size: file.size, sha256: hasher.finalize().map { String(format: "%02x", $0) }.joined()))
        } catch {
            return .failure(error)
        }
    }
}
