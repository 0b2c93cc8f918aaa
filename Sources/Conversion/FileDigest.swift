import Checkpoint
import Crypto
import Foundation

/// SHA-256 of a whole file, computed on a background thread while the conversion runs: the hash
/// needs every byte of the input, and hashing on the second core keeps it off the critical path.
final class FileDigest: @unchecked Sendable {
    private let lock = NSLock()
    private let done = DispatchSemaphore(value: 0)
    private var result: Result<String, ConversionError>?

    init(path: String) {
        DispatchQueue.global(qos: .userInitiated).async { [self] in
            let outcome = Self.hash(path: path)
            lock.withLock { result = outcome }
            done.signal()
        }
    }

    /// Waits for the hash (lower-case hex).
    func value() throws(ConversionError) -> String {
        done.wait()
        done.signal()
        let outcome = lock.withLock { result }
        switch outcome {
        case .success(let hex)?: return hex
        case .failure(let error)?: throw error
        case nil: throw .digest(path: "", reason: "no result")
        }
    }

    /// SHA-256 of the file at `path`, read in pieces of `chunkBytes` through one reused buffer.
    static func hash(path: String, chunkBytes: Int = 4 << 20) -> Result<String, ConversionError> {
        do {
            let file = try RandomAccessFile(path: path)
            var hasher = SHA256()
            var buffer: [UInt8] = []
            var offset = 0
            while offset < file.size {
                let count = min(chunkBytes, file.size - offset)
                try file.read(at: offset, into: &buffer, count: count)
                // The buffer keeps its largest size: hash only the bytes this read filled.
                buffer.withUnsafeBytes { hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
                offset += count
            }
            return .success(hasher.finalize().map { String(format: "%02x", $0) }.joined())
        } catch {
            return .failure(.digest(path: path, reason: error.description))
        }
    }
}
