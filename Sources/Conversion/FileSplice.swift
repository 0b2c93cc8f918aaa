#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Copies byte ranges from the input file into the output file inside the kernel (`sendfile`), the
/// way `cp` does: no user-space buffer, no extra memory, page cache to page cache.
final class FileSplice {
    private let source: Int32
    private let destination: Int32
    private let sourcePath: String
    private let destinationPath: String

    init(from sourcePath: String, to destinationPath: String) throws(ConversionError) {
        self.sourcePath = sourcePath
        self.destinationPath = destinationPath
        source = open(sourcePath, O_RDONLY | O_CLOEXEC)
        guard source >= 0 else {
            throw .checkpoint(.unreadable(path: sourcePath, reason: String(cString: strerror(errno))))
        }
        destination = open(destinationPath, O_WRONLY | O_CLOEXEC)
        guard destination >= 0 else {
            let reason = String(cString: strerror(errno))
            close(source)
            throw .layout(.commitFailed(path: destinationPath, reason: reason))
        }
    }

    deinit {
        close(source)
        close(destination)
    }

    /// Copies `count` bytes from `sourceOffset` to `destinationOffset`, calling `progress` with the
    /// bytes moved by each system call.
    func copy(sourceOffset: Int, destinationOffset: Int, count: Int, progress: (Int) -> Void) throws(ConversionError) {
        guard lseek(destination, off_t(destinationOffset), SEEK_SET) == off_t(destinationOffset) else {
            throw .layout(.commitFailed(path: destinationPath, reason: String(cString: strerror(errno))))
        }
        var offset = off_t(sourceOffset)
        var remaining = count
        while remaining > 0 {
            let moved = sendfile(destination, source, &offset, min(remaining, 1 << 30))
            if moved < 0 {
                if errno == EINTR { continue }
                throw .layout(
                    .commitFailed(
                        path: destinationPath,
                        reason: "copy from \(sourcePath) failed: \(String(cString: strerror(errno)))"))
            }
            if moved == 0 {
                throw .checkpoint(.truncated(path: sourcePath, detail: "ended while copying byte \(offset)"))
            }
            remaining -= moved
            progress(moved)
        }
    }
}
