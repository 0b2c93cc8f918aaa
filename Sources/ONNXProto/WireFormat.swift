/// Where the wire walker reads bytes from: the model file (with `pread`) or a buffer in memory.
/// Reads must return exactly `count` bytes or throw.
public protocol WireByteSource: Sendable {
    var byteCount: Int { get }
    func read(at offset: Int, count: Int, into buffer: inout [UInt8]) throws(ONNXProtoError)
}

/// Bytes already in memory, addressed as if they started at `baseOffset` of the file, so offsets
/// found inside them are file offsets.
public struct WireBuffer: WireByteSource {
    public let bytes: [UInt8]
    public let baseOffset: Int

    public init(_ bytes: [UInt8], baseOffset: Int = 0) {
        self.bytes = bytes
        self.baseOffset = baseOffset
    }

    public var byteCount: Int { baseOffset + bytes.count }

    public func read(at offset: Int, count: Int, into buffer: inout [UInt8]) throws(ONNXProtoError) {
        let start = offset - baseOffset
        guard start >= 0, count >= 0, start + count <= bytes.count else {
            throw ONNXProtoError.truncated(
                offset: offset, detail: "needs \(count) bytes, the data ends at byte \(byteCount)")
        }
        buffer = Array(bytes[start..<(start + count)])
    }
}

/// The protobuf wire types (https://protobuf.dev/programming-guides/encoding/). Groups (3, 4) are
/// deprecated and never written by ONNX tools, so they are refused.
public enum WireType: Int, Sendable {
    case varint = 0
    case fixed64 = 1
    case lengthDelimited = 2
    case fixed32 = 5
}

/// One field as found on the wire. Payloads are not read: `valueOffset`/`valueLength` say where
/// they are, so multi-megabyte `raw_data` can be skipped and later copied straight from the file.
public struct WireField: Sendable, Equatable {
    public let number: Int
    public let wireType: WireType
    /// Absolute offset of the tag's first byte.
    public let tagOffset: Int
    /// Absolute offset of the value: the payload of a length-delimited field, else the value bytes.
    public let valueOffset: Int
    /// Bytes of the value (the payload length for length-delimited fields).
    public let valueLength: Int
    /// The decoded value of a varint field, the raw bits of a fixed-width field, 0 otherwise.
    public let scalar: UInt64

    public var endOffset: Int { valueOffset + valueLength }
}

/// Walks the fields of one message region `[position, end)` of a byte source, reading through a
/// 64 KiB window: metadata is read, payloads are skipped.
public struct WireCursor {
    let source: WireByteSource
    public private(set) var position: Int
    public let end: Int
    /// What the region is, for error messages ("graph", "initializer 'x'").
    public let context: String
    private var window: [UInt8] = []
    private var windowStart = 0
    static let windowBytes = 1 << 16

    public init(source: WireByteSource, start: Int, end: Int, context: String) {
        self.source = source
        self.position = start
        self.end = end
        self.context = context
    }

    /// A cursor over the payload of a length-delimited field, sharing this cursor's window.
    public func cursor(over field: WireField, context: String) -> WireCursor {
        var child = WireCursor(source: source, start: field.valueOffset, end: field.endOffset, context: context)
        child.window = window
        child.windowStart = windowStart
        return child
    }

    public var isAtEnd: Bool { position >= end }

    private mutating func byte() throws(ONNXProtoError) -> UInt8 {
        guard position < end else {
            throw ONNXProtoError.truncated(offset: position, detail: "\(context) ends in the middle of a field")
        }
        let local = position - windowStart
        if local < 0 || local >= window.count {
            let count = min(Self.windowBytes, end - position)
            try source.read(at: position, count: count, into: &window)
            windowStart = position
        }
        let value = window[position - windowStart]
        position += 1
        return value
    }

    /// A base-128 varint of at most 10 bytes.
    public mutating func varint() throws(ONNXProtoError) -> UInt64 {
        let start = position
        var value: UInt64 = 0
        for index in 0..<10 {
            let byte = try byte()
            if index == 9 && byte > 1 {
                throw ONNXProtoError.malformed(offset: start, reason: "a varint overflows 64 bits")
            }
            value |= UInt64(byte & 0x7F) << (7 * UInt64(index))
            if byte & 0x80 == 0 { return value }
        }
        throw ONNXProtoError.malformed(offset: start, reason: "a varint is longer than 10 bytes")
    }

    /// The next field, or nil at the end of the region. Length-delimited payloads are checked to
    /// lie inside the region and skipped.
    public mutating func nextField() throws(ONNXProtoError) -> WireField? {
        guard position < end else { return nil }
        let tagOffset = position
        let tag = try varint()
        let number = tag >> 3
        guard number >= 1, number <= (1 << 29) - 1 else {
            throw ONNXProtoError.malformed(offset: tagOffset, reason: "field number \(number) in \(context)")
        }
        guard let wireType = WireType(rawValue: Int(tag & 7)) else {
            let kind =
                tag & 7 == 3 || tag & 7 == 4 ? "a group (deprecated, never written by ONNX)" : "wire type \(tag & 7)"
            throw ONNXProtoError.malformed(offset: tagOffset, reason: "\(kind) for field \(number) of \(context)")
        }
        let valueOffset = position
        switch wireType {
        case .varint:
            let value = try varint()
            return WireField(
                number: Int(number), wireType: wireType, tagOffset: tagOffset, valueOffset: valueOffset,
                valueLength: position - valueOffset, scalar: value)
        case .fixed64, .fixed32:
            let width = wireType == .fixed64 ? 8 : 4
            var bits: UInt64 = 0
            for index in 0..<width { bits |= UInt64(try byte()) << (8 * UInt64(index)) }
            return WireField(
                number: Int(number), wireType: wireType, tagOffset: tagOffset, valueOffset: valueOffset,
                valueLength: width, scalar: bits)
        case .lengthDelimited:
            let length = try varint()
            let payloadOffset = position
            guard length <= UInt64(end - payloadOffset) else {
                let detail =
                    "field \(number) of \(context) at byte \(tagOffset) claims \(length) bytes, but only \(end - payloadOffset) remain"
                if end >= source.byteCount { throw ONNXProtoError.truncated(offset: tagOffset, detail: detail) }
                throw ONNXProtoError.malformed(offset: tagOffset, reason: detail)
            }
            position = payloadOffset + Int(length)
            return WireField(
                number: Int(number), wireType: wireType, tagOffset: tagOffset, valueOffset: payloadOffset,
                valueLength: Int(length), scalar: 0)
        }
    }

    /// The bytes of `count` bytes at `offset` (inside this region), read through the source.
    public func bytes(at offset: Int, count: Int) throws(ONNXProtoError) -> [UInt8] {
        guard offset >= 0, count >= 0, offset + count <= end else {
            throw ONNXProtoError.truncated(offset: offset, detail: "\(count) bytes run past the end of \(context)")
        }
        let local = offset - windowStart
        if local >= 0, local + count <= window.count { return Array(window[local..<(local + count)]) }
        var buffer: [UInt8] = []
        try source.read(at: offset, count: count, into: &buffer)
        return buffer
    }

    /// The payload of a length-delimited field, refused if larger than `limit` before reading it.
    public func payload(of field: WireField, limit: Int, message: String) throws(ONNXProtoError) -> [UInt8] {
        guard field.valueLength <= limit else {
            throw ONNXProtoError.tooLarge(
                message: message, offset: field.tagOffset, byteCount: field.valueLength, maximum: limit)
        }
        return try bytes(at: field.valueOffset, count: field.valueLength)
    }
}

/// Encoding helpers for re-assembling a message from some of its fields.
enum WireEncoder {
    static func varint(_ value: UInt64, into bytes: inout [UInt8]) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(rest & 0x7F) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    /// Appends `field` (read from `cursor`) re-encoded; the payload is copied for length-delimited fields.
    static func append(_ field: WireField, payload: [UInt8]? = nil, from cursor: WireCursor, into bytes: inout [UInt8])
        throws(ONNXProtoError)
    {
        varint(UInt64(field.number) << 3 | UInt64(field.wireType.rawValue), into: &bytes)
        switch field.wireType {
        case .varint:
            varint(field.scalar, into: &bytes)
        case .fixed32, .fixed64:
            for index in 0..<field.valueLength {
                bytes.append(UInt8(truncatingIfNeeded: field.scalar >> (8 * UInt64(index))))
            }
        case .lengthDelimited:
            let body: [UInt8]
            if let payload {
                body = payload
            } else {
                body = try cursor.bytes(at: field.valueOffset, count: field.valueLength)
            }
            varint(UInt64(body.count), into: &bytes)
            bytes += body
        }
    }
}

/// Decoding of packed repeated scalars (the typed element fields of TensorProto).
public enum WireScalars {
    /// Every varint of a packed payload, with the absolute offset of the payload for errors.
    public static func varints(_ payload: [UInt8], offset: Int) throws(ONNXProtoError) -> [UInt64] {
        var values: [UInt64] = []
        values.reserveCapacity(payload.count)
        var index = 0
        while index < payload.count {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                guard index < payload.count else {
                    throw ONNXProtoError.truncated(offset: offset + index, detail: "a packed varint ends early")
                }
                let byte = payload[index]
                index += 1
                guard shift < 64, !(shift == 63 && byte > 1) else {
                    throw ONNXProtoError.malformed(
                        offset: offset + index - 1, reason: "a packed varint overflows 64 bits")
                }
                value |= UInt64(byte & 0x7F) << shift
                if byte & 0x80 == 0 { break }
                shift += 7
            }
            values.append(value)
        }
        return values
    }
}
