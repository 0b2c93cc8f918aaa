internal import CLibzip

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
}

/// A read-only zip archive opened with libzip's strict consistency checks.
public final class ZipArchive: @unchecked Sendable {
    public let path: String
    public let entries: [ZipEntry]
    private let archive: OpaquePointer
    private let entriesByName: [String: ZipEntry]
    /// File offset of each stored member's data, for kernel-side copies (see `ZipDataOffsets`).
    public let dataOffsets: [String: Int]

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
        let count = zip_get_num_entries(archive, 0)
        var list: [ZipEntry] = []
        list.reserveCapacity(Int(max(count, 0)))
        for index in 0..<max(count, 0) {
            var stat = zip_stat_t()
            zip_stat_init(&stat)
            guard zip_stat_index(archive, zip_uint64_t(index), 0, &stat) == 0, let name = stat.name else { continue }
            list.append(
                ZipEntry(
                    index: Int(index), name: String(cString: name), size: Int(stat.size),
                    compressedSize: Int(stat.comp_size), isStored: stat.comp_method == ZIP_CM_STORE))
        }
        entries = list
        entriesByName = Dictionary(list.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        dataOffsets = ZipDataOffsets.compute(path: path, entries: list)
    }

    deinit { zip_discard(archive) }

    public func entry(named name: String) -> ZipEntry? { entriesByName[name] }

    /// Reads a whole member (libzip checks its CRC when the read reaches the end).
    public func read(_ entry: ZipEntry) throws(ZipError) -> [UInt8] {
        let reader = try EntryReader(archive: self, entry: entry)
        return try reader.read(count: entry.size)
    }

    /// Opens a member for sequential reading from `offset`.
    public func open(_ entry: ZipEntry, at offset: Int = 0) throws(ZipError) -> EntryReader {
        let reader = try EntryReader(archive: self, entry: entry)
        try reader.skip(to: offset)
        return reader
    }

    /// Sequential reader over one member.
    public final class EntryReader {
        private let file: OpaquePointer
        private let archive: ZipArchive
        public let entry: ZipEntry
        public private(set) var position = 0

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

        /// Moves forward to `offset`: a seek for stored members, a read-and-discard for compressed ones.
        func skip(to offset: Int) throws(ZipError) {
            guard offset >= position, offset <= entry.size else {
                throw .rangeOutOfBounds(
                    path: archive.path, entry: entry.name, offset: offset, count: 0, size: entry.size)
            }
            if offset == position { return }
            if entry.isStored, zip_fseek(file, zip_int64_t(offset), SEEK_SET) == 0 {
                position = offset
                return
            }
            var remaining = offset - position
            while remaining > 0 {
                let chunk = try read(count: min(remaining, 1 << 20))
                remaining -= chunk.count
            }
        }

        /// Reads exactly `count` bytes or throws (truncated member, CRC mismatch, I/O error).
        public func read(count: Int) throws(ZipError) -> [UInt8] {
            var buffer = [UInt8](repeating: 0, count: count)
            try read(into: &buffer, count: count)
            return buffer
        }

        /// Fills the first `count` bytes of `buffer` (which must be at least that long) from the current position.
        public func read(into buffer: inout [UInt8], count: Int) throws(ZipError) {
            precondition(buffer.count >= count, "buffer shorter than the requested count")
            guard position + count <= entry.size else {
                throw .rangeOutOfBounds(
                    path: archive.path, entry: entry.name, offset: position, count: count, size: entry.size)
            }
            var filled = 0
            let file = self.file
            let failure: String? = buffer.withUnsafeMutableBytes { raw -> String? in
                while filled < count {
                    let got = zip_fread(file, raw.baseAddress! + filled, zip_uint64_t(count - filled))
                    if got < 0 { return String(cString: zip_file_strerror(file)) }
                    if got == 0 { return "member ends after \(position + filled) of \(entry.size) bytes" }
                    filled += Int(got)
                }
                return nil
            }
            if let failure { throw .entryFailed(path: archive.path, entry: entry.name, reason: failure) }
            position += count
        }
    }
}
