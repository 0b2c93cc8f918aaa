import ZipArchive

/// A zip archive of uncompressed ("stored") members, each member's data starting on a 64-byte
/// boundary as `torch.save` lays them out (the local header's extra field carries the padding),
/// so readers can map tensors in place. Written front to back: local header, data, …, then the
/// central directory. Members and offsets must stay under 4 GiB (no ZIP64).
final class ZipWriter {
    static let alignment = 64
    private let file: OutputFile
    private var central: [UInt8] = []
    private var count = 0

    init(file: OutputFile) { self.file = file }

    func add(_ name: String, _ data: [UInt8]) throws(ExportError) {
        let nameBytes = Array(name.utf8)
        let headerStart = file.offset
        // Padding so the data after the 30-byte header, the name and a 4-byte extra-field header aligns.
        let unpadded = headerStart + 30 + nameBytes.count + 4
        let padding = (Self.alignment - unpadded % Self.alignment) % Self.alignment
        guard headerStart + 30 + nameBytes.count + 4 + padding + data.count < Int(UInt32.max), count < 65_535 else {
            throw .unsupported(
                path: file.displayPath,
                reason:
                    "the archive would exceed 4 GiB or 65,535 members (ZIP64 is not written); export to .safetensors instead"
            )
        }
        let crc = ZipArchive.crc32(data)
        // The extra field: a private header ID with `padding` zero bytes, as torch's writer does ("FB").
        var extra: [UInt8] = []
        extra.appendLE(UInt16(0x4246))
        extra.appendLE(UInt16(padding))
        extra += [UInt8](repeating: 0, count: padding)
        var local: [UInt8] = []
        local.appendLE(UInt32(0x0403_4B50))
        local.appendLE(UInt16(20))  // version needed
        local.appendLE(UInt16(0))  // flags
        local.appendLE(UInt16(0))  // stored
        local.appendLE(UInt16(0))  // time
        local.appendLE(UInt16(0x21))  // date: 1980-01-01
        local.appendLE(crc)
        local.appendLE(UInt32(data.count))
        local.appendLE(UInt32(data.count))
        local.appendLE(UInt16(nameBytes.count))
        local.appendLE(UInt16(extra.count))
        local += nameBytes + extra
        try file.write(local)
        try file.write(data)
        central.appendLE(UInt32(0x0201_4B50))
        central.appendLE(UInt16(20))  // made by
        central.appendLE(UInt16(20))  // needed
        central.appendLE(UInt16(0))
        central.appendLE(UInt16(0))
        central.appendLE(UInt16(0))
        central.appendLE(UInt16(0x21))
        central.appendLE(crc)
        central.appendLE(UInt32(data.count))
        central.appendLE(UInt32(data.count))
        central.appendLE(UInt16(nameBytes.count))
        central.appendLE(UInt16(0))  // extra
        central.appendLE(UInt16(0))  // comment
        central.appendLE(UInt16(0))  // disk
        central.appendLE(UInt16(0))  // internal attributes
        central.appendLE(UInt32(0))  // external attributes
        central.appendLE(UInt32(headerStart))
        central += nameBytes
        count += 1
    }

    /// Writes the central directory and the end record.
    func finish() throws(ExportError) {
        let start = file.offset
        guard start + central.count < Int(UInt32.max) else {
            throw .unsupported(
                path: file.displayPath,
                reason: "the archive would exceed 4 GiB (ZIP64 is not written); export to .safetensors instead")
        }
        try file.write(central)
        var end: [UInt8] = []
        end.appendLE(UInt32(0x0605_4B50))
        end.appendLE(UInt16(0))
        end.appendLE(UInt16(0))
        end.appendLE(UInt16(count))
        end.appendLE(UInt16(count))
        end.appendLE(UInt32(central.count))
        end.appendLE(UInt32(start))
        end.appendLE(UInt16(0))
        try file.write(end)
    }
}
