#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A read-only file read with `pread`: random access without loading the file.
public final class RandomAccessFile: @unchecked Sendable {
    public let path: String
    public let size: Int
    private let descriptor: Int32

    public init(path: String) throws(CheckpointError) {
        self.path = path
        // O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused just below.
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else {
            throw .unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            throw .unreadable(path: path, reason: reason)
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            close(descriptor)
            throw .unreadable(path: path, reason: "not a regular file")
        }
        self.descriptor = descriptor
        self.size = Int(info.st_size)
    }

    deinit { close(descriptor) }

    /// Reads exactly `count` bytes at `offset`, refusing ranges outside the file before allocating.
    public func read(at offset: Int, count: Int) throws(CheckpointError) -> [UInt8] {
        var buffer: [UInt8] = []
        try read(at: offset, into: &buffer, count: count)
        return buffer
    }

    /// Reads exactly `count` bytes at `offset` into the first `count` bytes of `buffer`, growing
    /// it when it is shorter (reusing one buffer avoids page-faulting fresh memory per chunk).
    public func read(at offset: Int, into buffer: inout [UInt8], count: Int) throws(CheckpointError) {
        let (end, overflow) = offset.addingReportingOverflow(count)
        guard offset >= 0, count >= 0, !overflow, end <= size else {
            throw .truncated(path: path, detail: "needs bytes \(offset)..<\(offset &+ count) of a \(size)-byte file")
        }
        if buffer.count < count { buffer = [UInt8](repeating: 0, count: count) }
        var filled = 0
        let descriptor = self.descriptor
        let failure: String? = buffer.withUnsafeMutableBytes { raw -> String? in
            while filled < count {
                let got = pread(descriptor, raw.baseAddress! + filled, count - filled, off_t(offset + filled))
                if got < 0 {
                    if errno == EINTR { continue }
                    return String(cString: strerror(errno))
                }
                if got == 0 { return "the file ended early" }
                filled += got
            }
            return nil
        }
        if let failure { throw .unreadable(path: path, reason: failure) }
    }
}
