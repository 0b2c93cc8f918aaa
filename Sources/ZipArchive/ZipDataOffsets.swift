#if canImport(Glibc)
import Glibc
#endif

/// File offsets of the data of stored (uncompressed) zip members.
///
/// libzip does not expose where a member's bytes start, and a kernel-side copy (`sendfile`) needs
/// exactly that. So the central directory (with its zip64 records) and each member's local header
/// are read here, only to compute offsets. libzip stays the authority: it has already checked the
/// archive with `ZIP_CHECKCONS` (local headers agree with the central directory), and any entry whose
/// name or size disagrees with libzip's listing gets no offset (callers then read through libzip).
/// Every number comes from the file, so every conversion and sum is checked: a value that does not
/// fit gives no offset, never a trap.
enum ZipDataOffsets {
    static func compute(path: String, entries: [ZipEntry]) -> [String: Int] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else { return [:] }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return [:] }
        let fileSize = Int(info.st_size)

        func read(_ offset: Int, _ count: Int) -> [UInt8]? {
            let (end, overflow) = offset.addingReportingOverflow(count)
            guard offset >= 0, count >= 0, !overflow, end <= fileSize else { return nil }
            var buffer = [UInt8](repeating: 0, count: count)
            let got = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, count, off_t(offset)) }
            return got == count ? buffer : nil
        }

        // End of central directory: the last "PK\5\6" within the final 64 KiB + 22 bytes.
        let tailLength = min(fileSize, 65_557)
        guard let tail = read(fileSize - tailLength, tailLength), tail.count >= 22 else { return [:] }
        guard
            let eocd = stride(from: tail.count - 22, through: 0, by: -1).first(where: {
                tail[$0] == 0x50 && tail[$0 + 1] == 0x4B && tail[$0 + 2] == 0x05 && tail[$0 + 3] == 0x06
            })
        else { return [:] }
        var entryCount = Int(tail.u16(eocd + 10))
        var directoryOffset = Int(tail.u32(eocd + 16))
        let eocdFileOffset = fileSize - tailLength + eocd
        // Zip64: a locator sits 20 bytes before the end record and points at the zip64 end record.
        if eocdFileOffset >= 20, let locator = read(eocdFileOffset - 20, 20), locator.u32(0) == 0x0706_4B50 {
            guard let recordOffset = Int(exactly: locator.u64(8)), let record = read(recordOffset, 56),
                record.u32(0) == 0x0606_4B50, let count = Int(exactly: record.u64(32)),
                let offset = Int(exactly: record.u64(48))
            else { return [:] }
            entryCount = count
            directoryOffset = offset
        }
        guard entryCount <= entries.count + 1, directoryOffset < fileSize else { return [:] }
        let expected = Dictionary(entries.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })

        var offsets: [String: Int] = [:]
        var position = directoryOffset
        for _ in 0..<entryCount {
            guard let header = read(position, 46), header.u32(0) == 0x0201_4B50 else { return offsets }
            let method = header.u16(10)
            var compressedSize = UInt64(header.u32(20))
            var size = UInt64(header.u32(24))
            let nameLength = Int(header.u16(28)), extraLength = Int(header.u16(30)), commentLength = Int(header.u16(32))
            var localOffset = UInt64(header.u32(42))
            // Each header is at most 46 + 3 × 65,535 bytes and starts inside the file: no overflow.
            guard let nameBytes = read(position + 46, nameLength),
                let extra = read(position + 46 + nameLength, extraLength)
            else { return offsets }
            // Zip64 extended information (tag 0x0001) replaces the fields that are 0xFFFFFFFF, in order.
            var cursor = 0
            while cursor + 4 <= extra.count {
                let tag = extra.u16(cursor), length = Int(extra.u16(cursor + 2))
                if tag == 0x0001 {
                    var field = cursor + 4
                    if size == 0xFFFF_FFFF, field + 8 <= extra.count { size = extra.u64(field); field += 8 }
                    if compressedSize == 0xFFFF_FFFF, field + 8 <= extra.count {
                        compressedSize = extra.u64(field); field += 8
                    }
                    if localOffset == 0xFFFF_FFFF, field + 8 <= extra.count { localOffset = extra.u64(field) }
                }
                cursor += 4 + length
            }
            position += 46 + nameLength + extraLength + commentLength
            let name = String(decoding: nameBytes, as: UTF8.self)
            guard method == 0, let entry = expected[name], entry.isStored, UInt64(entry.size) == size,
                size == compressedSize, let localStart = Int(exactly: localOffset),
                let local = read(localStart, 30), local.u32(0) == 0x0403_4B50,
                Int(local.u16(26)) == nameLength
            else { continue }
            // localStart + 30 lies inside the file (the read succeeded), so these sums cannot overflow.
            let dataOffset = localStart + 30 + nameLength + Int(local.u16(28))
            if dataOffset <= fileSize, entry.size <= fileSize - dataOffset { offsets[name] = dataOffset }
        }
        return offsets
    }
}

extension Array where Element == UInt8 {
    func u16(_ at: Int) -> UInt16 { UInt16(self[at]) | UInt16(self[at + 1]) << 8 }
    func u32(_ at: Int) -> UInt32 { UInt32(u16(at)) | UInt32(u16(at + 2)) << 16 }
    func u64(_ at: Int) -> UInt64 { UInt64(u32(at)) | UInt64(u32(at + 4)) << 32 }
}
