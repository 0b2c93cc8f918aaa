import Checkpoint
import Crypto
import Foundation

/// Size and SHA-256 of an input file, computed on a background thread while a conversion runs: the
/// hash needs every byte of the input, and hashing on the second core keeps it off the critical path.
public final class FileDigest: @unchecked Sendable {
    public struct Value: Sendable, Equatable {
        public let size: Int
        /// Lower-case hex.
        public let sha256: String
    }

    public let path: String
    private let lock = NSLock()
    private let done = DispatchSemaphore(value: 0)
    private var result: Result<Value, CheckpointError>?

    /// Starts hashing `path`; with `checksums`, the same pass checks the zip members' CRC-32.
    public init(path: String, checksums: FileChecksums? = nil) {
        self.path = path
        DispatchQueue.global(qos: .userInitiated).async { [self] in
            let outcome = Self.hash(path: path, checksums: checksums)
            lock.withLock { result = outcome }
            done.signal()
        }
    }

    /// Waits for the hash.
    public func value() throws(CheckpointError) -> Value {
        done.wait()
        done.signal()
        switch lock.withLock({ result }) {
        case .success(let value)?: return value
        case .failure(let error)?: throw error
        case nil: throw .unreadable(path: path, reason: "the hash was not computed")
        }
    }

    /// Size and SHA-256 of the file at `path`, read in pieces of `chunkBytes` through one reused buffer.
    static func hash(path: String, checksums: FileChecksums? = nil, chunkBytes: Int = 4 << 20)
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
                checksums?.update(offset: offset, bytes: buffer[..<count])
                offset += count
            }
            try checksums?.verify()
            return .success(
                Value(size: file.size, sha256: hasher.finalize().map { String(format: "%02x", $0) }.joined()))
        } catch {
            return .failure(error)
        }
    }
}
