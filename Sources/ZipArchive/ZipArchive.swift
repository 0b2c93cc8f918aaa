internal import CCRC32
internal import CLibzip
import Foundation

/// One member of a zip archive, as listed by its central directory.
public struct ZipEntry: Sendable, Equatable {
    public let index: Int
    public let name: String
    /// Uncompressed size in bytes.
    public let size: Int
    public let compressedSize: Int
    /// True for members stored without compression (torch.save writes all members this way),
    /// which libzip can seek inside.
    public let isStored: Bool
    /// CRC-32 of the uncompressed bytes, as the central directory records it (nil if it records none).
    public let crc32: UInt32?
}

/// A read-only zip archive opened with libzip's strict consistency checks.
///
/// Every member read from its first byte to its last is checked against its CRC-32 as the bytes
/// pass (one pass, no second read); a member whose bytes are never read through libzip (copied by
/// the kernel from `dataOffsets`) is checked with `verifyChecksum(of:)`. Not for concurrent use:
/// libzip shares one file position between the readers of an archive.
public final class ZipArchive: @unchecked Sendable {
    public let path: String
    public let entries: [ZipEntry]
    private let archive: OpaquePointer
    private let entriesByName: [String: ZipEntry]
    /// File offset of each stored member's data, for kernel-side copies (see `ZipDataOffsets`).
    public let dataOffsets: [String: Int]
    /// Members whose CRC-32 has been checked; after that a stored member may be read at any offset.
    private var verified = Set<Int>()
    private let verifiedLock = NSLock()

    /// Deflate's largest possible ratio (a length-258 match in two bits) with room for headers:
    /// a member claiming more is refused before anyone allocates on its word.
    private static let maximumDeflateRatio = 1032

    /// Opens `path`. `ZIP_CHECKCONS` makes libzip compare every local header with the central
    /// directory, so a corrupt or spliced archive is refused here instead of read half-way.
    public init(path: String) throws(ZipError) {
        self.path = path
        var errorCode: Int32 = 0
        guard let archive = zip_open(path, ZIP_RDONLY | ZIP_CHECKCONS, &errorCode) else {
            var error = zip_error_t()
            zip_error_init_with_code(&error, errorCode)
            let reason = String(cString: zip_error_strerror(&error))
            zip_error_fini(&error)
            throw .openFailed(path: path, reason: reason)
        }
        self.archive = archive
        let fileSize = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? Int.max
        let count = zip_get_num_entries(archive, 0)
        var list: [ZipEntry] = []
        list.reserveCapacity(Int(clamping: min(max(count, 0), 1 << 20)))
        for index in 0..<max(count, 0) {
            var stat = zip_stat_t()
            zip_stat_init(&stat)
            guard zip_stat_index(archive, zip_uint64_t(index), 0, &stat) == 0, let name = stat.name else { continue }
            let entryName = String(cString: name)
            let isStored = stat.comp_method == ZIP_CM_STORE
            guard let size = Int(exactly: stat.size), let compressedSize = Int(exactly: stat.comp_size),
                compressedSize <= fileSize,
                isStored
                    ? size == compressedSize
                    : stat.comp_method != ZIP_CM_DEFLATE
                        || size / Self.maximumDeflateRatio <= compressedSize + 64
            else {
                zip_discard(archive)
                throw .implausibleSize(path: path, entry: entryName, size: stat.size, compressedSize: stat.comp_size)
            }
            let hasCRC = stat.valid & zip_uint64_t(ZIP_STAT_CRC) != 0
            list.append(
                ZipEntry(
                    index: Int(index), name: entryName, size: size, compressedSize: compressedSize,
                    isStored: isStored, crc32: hasCRC ? stat.crc : nil))
        }
        entries = list
        entriesByName = Dictionary(list.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        dataOffsets = ZipDataOffsets.compute(path: path, entries: list)
    }

    deinit { zip_discard(archive) }

    public func entry(named name: String) -> ZipEntry? { entriesByName[name] }

    /// Reads a whole member, checking its CRC-32. The buffer grows as bytes arrive: at most
    /// `maxUncheckedAllocation` bytes are reserved on the word of the stated size.
    public func read(_ entry: ZipEntry, maxUncheckedAllocation: Int = 16 << 20) throws(ZipError) -> [UInt8] {
        let reader = try EntryReader(archive: self, entry: entry)
        var result: [UInt8] = []
        result.reserveCapacity(min(entry.size, maxUncheckedAllocation))
        var chunk = [UInt8](repeating: 0, count: min(entry.size, 1 << 20))
        while reader.position < entry.size {
            let count = min(chunk.count, entry.size - reader.position)
            try reader.read(into: &chunk, count: count)
            result += chunk[0..<count]
        }
        if entry.size == 0 { try reader.read(into: &chunk, count: 0) }
        return result
    }

    /// Opens a member for sequential reading from `offset`.
    public func open(_ entry: ZipEntry, at offset: Int = 0) throws(ZipError) -> EntryReader {
        let reader = try EntryReader(archive: self, entry: entry)
        try reader.skip(to: offset)
        return reader
    }

    /// Streams a member once and compares its CRC-32 with the central directory's, unless a read
    /// already did. For members whose bytes are copied without passing through libzip.
    public func verifyChecksum(of entry: ZipEntry) throws(ZipError) {
        if isVerified(entry) { return }
        let reader = try EntryReader(archive: self, entry: entry)
        var chunk = [UInt8](repeating: 0, count: min(entry.size, 1 << 20))
        repeat {
            try reader.read(into: &chunk, count: min(chunk.count, entry.size - reader.position))
        } while reader.position < entry.size
    }

    /// CRC-32 (zlib's, as zip records it) of `bytes`, continuing from `checksum` (0 to start).
    public static func crc32(_ bytes: [UInt8], continuing checksum: UInt32 = 0) -> UInt32 {
        bytes.withUnsafeBytes { crc32($0, continuing: checksum) }
    }

    /// CRC-32 of raw bytes, continuing from `checksum` (0 to start). Folded with carry-less
    /// multiplication where the CPU has it (Sources/CCRC32): the same value as zlib's `crc32_z`.
    public static func crc32(_ bytes: UnsafeRawBufferPointer, continuing checksum: UInt32 = 0) -> UInt32 {
        ccrc32_update(checksum, bytes.baseAddress, bytes.count)
    }

    /// True when `crc32` takes the carry-less multiply path on this CPU (the tests say which path
    /// they checked).
    public static var crc32IsAccelerated: Bool { ccrc32_is_accelerated() != 0 }

    /// True once the member's CRC-32 has been checked.
    public func isVerified(_ entry: ZipEntry) -> Bool {
        verifiedLock.lock()
        defer { verifiedLock.unlock() }
        return verified.contains(entry.index)
    }

    fileprivate func markVerified(_ entry: ZipEntry) {
        verifiedLock.lock()
        verified.insert(entry.index)
        verifiedLock.unlock()
    }

    /// Sequential reader over one member. While it has seen every byte from the first, it keeps a
    /// running CRC-32 and checks it when the member's last byte arrives.
    public final class EntryReader {
        private let file: OpaquePointer
        private let archive: ZipArchive
        public let entry: ZipEntry
        public private(set) var position = 0
        private var checksum: UInt32 = 0
        /// False once the reader seeked past bytes it did not read.
        private var checksumCoversAll = true

        init(archive: ZipArchive, entry: ZipEntry) throws(ZipError) {
            guard let file = zip_fopen_index(archive.archive, zip_uint64_t(entry.index), 0) else {
                throw .entryFailed(
                    path: archive.path, entry: entry.name, reason: String(cString: zip_strerror(archive.archive)))
            }
            self.file = file
            self.archive = archive
            self.entry = entry
        }

        deinit { zip_fclose(file) }

        /// Moves forward to `offset`: a seek for stored members already verified, otherwise a read
        /// that feeds the checksum (so a member is still read once, in order).
        public func skip(to offset: Int) throws(ZipError) {
            guard offset >= position, offset <= entry.size else {
                throw .rangeOutOfBounds(
                    path: archive.path, entry: entry.name, offset: offset, count: 0, size: entry.size)
            }
            if offset == position { return }
            if entry.isStored, archive.isVerified(entry), zip_fseek(file, zip_int64_t(offset), SEEK_SET) == 0 {
                position = offset
                checksumCoversAll = false
                return
            }
            var chunk = [UInt8](repeating: 0, count: min(offset - position, 1 << 20))
            while position < offset {
                try read(into: &chunk, count: min(chunk.count, offset - position))
            }
        }

        /// Reads exactly `count` bytes or throws (truncated member, CRC mismatch, I/O error).
        public func read(count: Int) throws(ZipError) -> [UInt8] {
            guard count >= 0, count <= entry.size - position else {
                throw .rangeOutOfBounds(
                    path: archive.path, entry: entry.name, offset: position, count: count, size: entry.size)
            }
            var buffer = [UInt8](repeating: 0, count: count)
            try read(into: &buffer, count: count)
            return buffer
        }

        /// Fills the first `count` bytes of `buffer` (which must be at least that long) from the current position.
        public func read(into buffer: inout [UInt8], count: Int) throws(ZipError) {
            precondition(buffer.count >= count, "buffer shorter than the requested count")
            guard count >= 0, count <= entry.size - position else {
                throw .rangeOutOfBounds(
                    path: archive.path, entry: entry.name, offset: position, count: count, size: entry.size)
            }
            var filled = 0
            let file = self.file
            let start = position
            var checksum = self.checksum
            let failure: String? = buffer.withUnsafeMutableBytes { raw -> String? in
                while filled < count {
                    let got = zip_fread(file, raw.baseAddress! + filled, zip_uint64_t(count - filled))
                    if got < 0 { return String(cString: zip_file_strerror(file)) }
                    if got == 0 { return "member ends after \(start + filled) of \(entry.size) bytes" }
                    filled += Int(got)
                }
                checksum = ZipArchive.crc32(UnsafeRawBufferPointer(rebasing: raw[..<count]), continuing: checksum)
                return nil
            }
            if let failure { throw .entryFailed(path: archive.path, entry: entry.name, reason: failure) }
            self.checksum = checksum
            position += count
            if position == entry.size, checksumCoversAll, !archive.isVerified(entry) {
                let actual = checksum
                if let expected = entry.crc32, expected != actual {
                    throw .checksumMismatch(path: archive.path, entry: entry.name, expected: expected, actual: actual)
                }
                archive.markVerified(entry)
            }
        }
    }
}
