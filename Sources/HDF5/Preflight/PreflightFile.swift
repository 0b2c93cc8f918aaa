import Glibc

/// The file under inspection, read with `pread` in bounded pieces. Every read is checked against the
/// end of the file (the superblock's end-of-file address once it is known) and counted against
/// `HDF5Limits.maxMetadataBytes`, and every structure may be claimed once, so no walk can loop.
final class PreflightFile {
    let path: String
    let size: UInt64
    /// Where the file ends for addresses: its size, then the superblock's end-of-file address.
    var end: UInt64
    private let descriptor: Int32
    private let metadataLimit: Int
    private(set) var bytesRead = 0
    private var claimed: Set<UInt64> = []

    /// Opens `path` read-only, refusing what is not a regular file before reading a byte.
    init(path: String, limits: HDF5Limits) throws(HDF5Error) {
        // Non-blocking, so a FIFO named as input cannot stall the open.
        let descriptor = Glibc.open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else { throw .cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        var info = stat()
        guard fstat(descriptor, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            Glibc.close(descriptor)
            throw .cannotOpen(path: path, reason: "not a regular file")
        }
        self.path = path
        self.descriptor = descriptor
        self.size = UInt64(clamping: info.st_size)
        self.end = size
        self.metadataLimit = limits.maxMetadataBytes
    }

    deinit { Glibc.close(descriptor) }

    /// True when `length` bytes from `address` lie inside the file.
    func contains(_ address: UInt64, length: UInt64) -> Bool {
        address <= end && length <= end - address
    }

    /// Marks the structure at `address` as visited; a second claim means two references (or a
    /// cycle) lead to it.
    func claim(_ address: UInt64, _ what: @autoclosure () -> String) throws(PreflightFailure) {
        guard claimed.insert(address).inserted else {
            throw .malformed(address, "\(what()) is reached a second time (a cycle or a shared structure)")
        }
    }

    /// `count` bytes of dataset data (compressed chunks), read once each (`claim` them first) and
    /// so bounded by the file's size rather than the metadata budget.
    func readData(at address: UInt64, count: Int, _ what: @autoclosure () -> String) throws(PreflightFailure)
        -> [UInt8]
    {
        let saved = bytesRead
        defer { bytesRead = saved }
        bytesRead = 0
        return try read(at: address, count: count, what()).bytes
    }

    /// `count` bytes from `address`, as a cursor that names file offsets.
    func read(at address: UInt64, count: Int, _ what: @autoclosure () -> String) throws(PreflightFailure)
        -> ByteCursor
    {
        guard count >= 0, contains(address, length: UInt64(count)) else {
            throw .malformed(address, "\(what()) (\(count) bytes) lies outside the file (\(end) bytes)")
        }
        let (total, overflow) = bytesRead.addingReportingOverflow(count)
        guard !overflow, total <= metadataLimit else { throw .limit("file structure read", metadataLimit) }
        bytesRead = total
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let got = bytes.withUnsafeMutableBytes { buffer in
                pread(descriptor, buffer.baseAddress! + done, count - done, off_t(address) + off_t(done))
            }
            if got < 0, errno == EINTR { continue }
            guard got > 0 else {
                throw .malformed(address, "\(what()) could not be read (the file changed or an I/O error)")
            }
            done += got
        }
        return ByteCursor(bytes, origin: address)
    }
}
