/// Little-endian reads from bytes of the file, each checked against the end of the bytes; `origin`
/// is the file offset of the first byte, so every failure names the offset where it happened.
struct ByteCursor {
    let bytes: [UInt8]
    let origin: UInt64
    private(set) var position = 0

    init(_ bytes: [UInt8], origin: UInt64) {
        self.bytes = bytes
        self.origin = origin
    }

    var remaining: Int { bytes.count - position }
    var isAtEnd: Bool { position >= bytes.count }
    /// The file offset of the first byte.
    var offset: UInt64 { origin }
    /// The file offset of the next byte.
    var fileOffset: UInt64 { origin &+ UInt64(position) }

    func failure(_ reason: String) -> PreflightFailure { .malformed(fileOffset, reason) }

    mutating func require(_ count: Int, _ what: @autoclosure () -> String) throws(PreflightFailure) {
        guard count >= 0, count <= remaining else {
            throw failure("\(what()) needs \(count) bytes, \(remaining) are left")
        }
    }

    mutating func u8(_ what: @autoclosure () -> String = "a field") throws(PreflightFailure) -> UInt8 {
        try require(1, what())
        defer { position += 1 }
        return bytes[position]
    }

    mutating func u16(_ what: @autoclosure () -> String = "a field") throws(PreflightFailure) -> UInt16 {
        UInt16(truncatingIfNeeded: try unsigned(byteCount: 2, what()))
    }

    mutating func u32(_ what: @autoclosure () -> String = "a field") throws(PreflightFailure) -> UInt32 {
        UInt32(truncatingIfNeeded: try unsigned(byteCount: 4, what()))
    }

    mutating func u64(_ what: @autoclosure () -> String = "a field") throws(PreflightFailure) -> UInt64 {
        try unsigned(byteCount: 8, what())
    }

    /// An unsigned little-endian number of 0 … 8 bytes.
    mutating func unsigned(byteCount: Int, _ what: @autoclosure () -> String = "a field") throws(PreflightFailure)
        -> UInt64
    {
        guard (0...8).contains(byteCount) else { throw failure("\(what()) is \(byteCount) bytes wide") }
        try require(byteCount, what())
        var value: UInt64 = 0
        for index in 0..<byteCount { value |= UInt64(bytes[position + index]) << (8 * UInt64(index)) }
        position += byteCount
        return value
    }

    mutating func take(_ count: Int, _ what: @autoclosure () -> String = "a field") throws(PreflightFailure)
        -> [UInt8]
    {
        try require(count, what())
        defer { position += count }
        return Array(bytes[position..<(position + count)])
    }

    /// A cursor over the next `count` bytes, which this one skips.
    mutating func sub(_ count: Int, _ what: @autoclosure () -> String = "a field") throws(PreflightFailure)
        -> ByteCursor
    {
        let start = fileOffset
        return ByteCursor(try take(count, what()), origin: start)
    }

    mutating func skip(_ count: Int, _ what: @autoclosure () -> String = "a field") throws(PreflightFailure) {
        try require(count, what())
        position += count
    }

    /// Checks a 4-byte signature (`OHDR`, `TREE`, …).
    mutating func signature(_ expected: String) throws(PreflightFailure) {
        let found = try take(4, "the signature \(expected)")
        guard found == Array(expected.utf8) else {
            throw .malformed(origin &+ UInt64(position - 4), "expected the signature \(expected)")
        }
    }
}
