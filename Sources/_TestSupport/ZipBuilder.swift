import Foundation
import ZipArchive

/// Writes zip archives for tests that make large or hostile inputs at test time: members stored,
/// or given as raw deflate bytes with their uncompressed size, with the right CRC-32 or a chosen one.
public struct ZipBuilder {
    public struct Member {
        public var name: String
        /// The bytes as stored in the archive (raw deflate data when `deflatedSize` is set).
        public var data: [UInt8]
        /// Uncompressed size of a deflated member, nil for a stored one.
        public var deflatedSize: Int?
        public var crc32: UInt32

        public init(name: String, data: [UInt8], deflatedSize: Int? = nil, crc32: UInt32? = nil) {
            self.name = name
            self.data = data
            self.deflatedSize = deflatedSize
            self.crc32 = crc32 ?? ZipArchive.crc32(data)
        }
    }

    public private(set) var members: [Member] = []

    public init() {}

    public mutating func add(_ member: Member) { members.append(member) }

    public mutating func add(_ name: String, _ data: [UInt8]) { members.append(Member(name: name, data: data)) }

    /// A `torch.save` layout: `archive/data.pkl`, `archive/byteorder`, the storages, `archive/version`.
    public static func torchArchive(pickle: [UInt8], storages: [(key: String, data: [UInt8])] = []) -> ZipBuilder {
        var builder = ZipBuilder()
        builder.add("archive/data.pkl", pickle)
        builder.add("archive/byteorder", Array("little".utf8))
        for storage in storages { builder.add("archive/data/\(storage.key)", storage.data) }
        builder.add("archive/version", Array("3\n".utf8))
        return builder
    }

    /// The archive's bytes (no zip64: every member and offset must stay below 4 GiB).
    public func bytes() -> [UInt8] {
        var body: [UInt8] = []
        var directory: [UInt8] = []
        for member in members {
            let name = Array(member.name.utf8)
            let method: UInt16 = member.deflatedSize == nil ? 0 : 8
            let size = UInt32(member.deflatedSize ?? member.data.count)
            let offset = UInt32(body.count)
            body += [0x50, 0x4B, 0x03, 0x04]
            body.appendLittleEndian(UInt16(20), UInt16(0), method, UInt16(0), UInt16(0x21))
            body.appendLittleEndian(member.crc32, UInt32(member.data.count), size)
            body.appendLittleEndian(UInt16(name.count), UInt16(0))
            body += name + member.data
            directory += [0x50, 0x4B, 0x01, 0x02]
            directory.appendLittleEndian(UInt16(20), UInt16(20), UInt16(0), method, UInt16(0), UInt16(0x21))
            directory.appendLittleEndian(member.crc32, UInt32(member.data.count), size)
            directory.appendLittleEndian(UInt16(name.count), UInt16(0), UInt16(0), UInt16(0), UInt16(0))
            directory.appendLittleEndian(UInt32(0o644 << 16), offset)
            directory += name
        }
        var end: [UInt8] = [0x50, 0x4B, 0x05, 0x06]
        end.appendLittleEndian(UInt16(0), UInt16(0), UInt16(members.count), UInt16(members.count))
        end.appendLittleEndian(UInt32(directory.count), UInt32(body.count), UInt16(0))
        return body + directory + end
    }

    public func write(to path: String) throws {
        try Data(bytes()).write(to: URL(fileURLWithPath: path))
    }

    /// Raw deflate data of `count` zero bytes: one fixed-Huffman block of a literal 0 and then
    /// length-258/distance-1 matches (13 bits each, so eight of them repeat as the same 13 bytes),
    /// about 1/1000 of the size. Made here because zlib is not a test dependency.
    public static func deflatedZeros(count: Int) -> [UInt8] {
        precondition(count >= 1)
        var writer = BitWriter()
        writer.bits(0b1, 1)  // BFINAL
        writer.bits(0b01, 2)  // BTYPE fixed (stored LSB first)
        writer.code(0x30, 8)  // literal 0
        var remaining = count - 1
        let matches = remaining / 258
        remaining -= matches * 258
        // After the literal, 3 bits are pending (all zero); after every 8 matches too.
        let fullPatterns = matches / 8
        var pattern = BitWriter(pending: writer.pending, pendingCount: writer.pendingCount)
        for _ in 0..<8 { pattern.match258() }
        precondition(pattern.pendingCount == writer.pendingCount && pattern.pending == writer.pending)
        var output = writer.bytes
        output.reserveCapacity(output.count + fullPatterns * pattern.bytes.count + 64)
        for _ in 0..<fullPatterns { output += pattern.bytes }
        var tail = BitWriter(pending: writer.pending, pendingCount: writer.pendingCount)
        for _ in 0..<(matches % 8) { tail.match258() }
        for _ in 0..<remaining { tail.code(0x30, 8) }
        tail.code(0, 7)  // end of block (256)
        tail.flush()
        return output + tail.bytes
    }

    /// Deflate's bit order: fields LSB first, Huffman codes MSB first.
    private struct BitWriter {
        var bytes: [UInt8] = []
        var pending: UInt32 = 0
        var pendingCount = 0

        init(pending: UInt32 = 0, pendingCount: Int = 0) {
            self.pending = pending
            self.pendingCount = pendingCount
        }

        mutating func bits(_ value: UInt32, _ count: Int) {
            for index in 0..<count { bit((value >> UInt32(index)) & 1) }
        }

        mutating func code(_ value: UInt32, _ count: Int) {
            for index in stride(from: count - 1, through: 0, by: -1) { bit((value >> UInt32(index)) & 1) }
        }

        /// Length 258 (code 285, 8 bits 11000101) at distance 1 (code 0, 5 bits).
        mutating func match258() {
            code(0xC5, 8)
            code(0, 5)
        }

        mutating func bit(_ value: UInt32) {
            pending |= value << UInt32(pendingCount)
            pendingCount += 1
            if pendingCount == 8 {
                bytes.append(UInt8(pending))
                pending = 0
                pendingCount = 0
            }
        }

        mutating func flush() {
            if pendingCount > 0 { bytes.append(UInt8(pending)) }
            pending = 0
            pendingCount = 0
        }
    }
}

extension Array where Element == UInt8 {
    mutating func appendLittleEndian(_ values: any FixedWidthInteger...) {
        for value in values { appendLittleEndian(one: value) }
    }

    private mutating func appendLittleEndian<T: FixedWidthInteger>(one value: T) {
        for index in 0..<(T.bitWidth / 8) { append(UInt8(truncatingIfNeeded: value >> (8 * index))) }
    }
}
