internal import CLinux
import Glibc

/// Copies byte ranges from one file into another inside the kernel (`sendfile`), the way `cp`
/// does: no user-space buffer, no extra memory, page cache to page cache. Each piece copied is handed
/// to the disk at once (`sync_file_range`), so the output's final `fsync` waits for little more
/// than the last piece: durability costs almost nothing on top of the copy.
final class FileSplice {
    private let source: Int32
    private let destination: Int32
    private let sourcePath: String
    private let destinationPath: String

    /// `displayPath` is the output named in messages (the temporary file is an implementation detail).
    init(from sourcePath: String, to destinationPath: String, displayPath: String) throws(LayoutError) {
        self.sourcePath = sourcePath
        self.destinationPath = displayPath
        source = open(sourcePath, O_RDONLY | O_CLOEXEC)
        guard source >= 0 else {
            throw .read(.cannotOpen(path: sourcePath, reason: String(cString: strerror(errno))))
        }
        destination = open(destinationPath, O_WRONLY | O_CLOEXEC)
        guard destination >= 0 else {
            let reason = String(cString: strerror(errno))
            close(source)
            throw .outputIO(path: displayPath, operation: "opening the output to copy into it", reason: reason)
        }
    }

    deinit {
        close(source)
        close(destination)
    }

    /// Copies `count` bytes from `sourceOffset` to `destinationOffset`, calling `progress` with the
    /// bytes moved by each system call.
    func copy(sourceOffset: Int, destinationOffset: Int, count: Int, progress: (Int) -> Void) throws(LayoutError) {
        guard lseek(destination, off_t(destinationOffset), SEEK_SET) == off_t(destinationOffset) else {
            throw .outputIO(
                path: destinationPath, operation: "seeking in the output", reason: String(cString: strerror(errno)))
        }
        var offset = off_t(sourceOffset)
        var written = destinationOffset
        var remaining = count
        while remaining > 0 {
            let moved = sendfile(destination, source, &offset, min(remaining, Self.piece))
            if moved < 0 {
                if errno == EINTR { continue }
                throw .outputIO(
                    path: destinationPath, operation: "copying from \(sourcePath)",
                    reason: String(cString: strerror(errno)))
            }
            if moved == 0 {
                throw .read(
                    .callFailed(path: sourcePath, operation: "read bytes", detail: "the file ended at byte \(offset)"))
            }
            // Only a hint: a file system that cannot start writeback early still gets the final fsync.
            _ = clinux_start_writeback(destination, Int64(written), Int64(moved))
            written += moved
            remaining -= moved
            progress(moved)
        }
    }

    /// Bytes per `sendfile` call: large enough to be cheap, small enough to keep the disk busy early.
    static let piece = 32 << 20
}
