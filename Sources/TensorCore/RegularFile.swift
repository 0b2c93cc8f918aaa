#if canImport(Glibc)
import Glibc
#endif

/// Whole-file and first-bytes reads for the small files the tools read in one piece (images, JSON
/// documents, index files), shared so every reader refuses the same things the same way.
///
/// The open never blocks: a FIFO or a device given as an input would otherwise wait for a writer
/// forever. `fstat` on the open descriptor decides that the path is a regular file, so a file
/// swapped after a name check is still refused, and the size is checked before anything is read.
public enum RegularFile {
    /// Why a read failed, for the caller to put into its own module's error with the path.
    public enum Failure: Error, Equatable, Sendable {
        case missing
        case notRegular(kind: String)
        case tooLarge(size: Int, limit: Int)
        case failed(reason: String)

        /// The cause in a few words, for a one-line message that already names the file.
        public var reason: String {
            switch self {
            case .missing: return "no such file"
            case .notRegular(let kind): return "not a regular file (\(kind))"
            case .tooLarge(let size, let limit): return "\(size) bytes exceed the \(limit)-byte budget"
            case .failed(let reason): return reason
            }
        }
    }

    /// Every byte of `path`, refused before reading when the file is larger than `limit`.
    public static func contents(path: String, limit: Int) -> Result<[UInt8], Failure> {
        read(path: path) { size in
            size <= limit ? .success(size) : .failure(.tooLarge(size: size, limit: limit))
        }
    }

    /// The first `count` bytes of `path` (fewer when the file is shorter).
    public static func prefix(path: String, count: Int) -> Result<[UInt8], Failure> {
        read(path: path) { size in .success(min(size, max(count, 0))) }
    }

    private static func read(path: String, amount: (Int) -> Result<Int, Failure>) -> Result<[UInt8], Failure> {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else {
            return .failure(errno == ENOENT ? .missing : .failed(reason: String(cString: strerror(errno))))
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { return .failure(.failed(reason: String(cString: strerror(errno)))) }
        switch info.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: return .failure(.notRegular(kind: "a folder"))
        case S_IFIFO: return .failure(.notRegular(kind: "a FIFO"))
        case S_IFCHR, S_IFBLK: return .failure(.notRegular(kind: "a device"))
        case S_IFSOCK: return .failure(.notRegular(kind: "a socket"))
        default: return .failure(.notRegular(kind: "an unknown kind"))
        }
        let count: Int
        switch amount(Int(info.st_size)) {
        case .success(let value): count = value
        case .failure(let failure): return .failure(failure)
        }
        var bytes = [UInt8](repeating: 0, count: count)
        var filled = 0
        let failure: String? = bytes.withUnsafeMutableBytes { raw in
            while filled < count {
                let got = pread(descriptor, raw.baseAddress! + filled, count - filled, off_t(filled))
                if got < 0 {
                    if errno == EINTR { continue }
                    return String(cString: strerror(errno))
                }
                if got == 0 { break }  // the file shrank while being read: what is there is what it holds
                filled += got
            }
            return nil
        }
        if let failure { return .failure(.failed(reason: failure)) }
        return .success(Array(bytes[..<filled]))
    }
}
