import Glibc

/// Copies byte ranges from one file into another inside the kernel (`sendfile`), the way `cp`
/// does: no user-space buffer, no extra memory, page cache to page cache.
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
        var remaining = count
        while remaining > 0 {
            let moved = sendfile(destination, source, &offset, min(remaining, 1 << 30))
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
            remaining -= moved
            progress(moved)
        }
    }
}
