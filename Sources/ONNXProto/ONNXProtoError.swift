import TensorCore

/// Errors from walking or decoding ONNX protobuf bytes. Offsets are absolute byte offsets in the file
/// (or in the buffer handed in), so a message can point at the broken byte.
public enum ONNXProtoError: Error, Equatable, CustomStringConvertible, Sendable {
    /// A field or varint runs past the end of the data that holds it.
    case truncated(offset: Int, detail: String)
    /// Bytes that are not protobuf wire format (bad wire type, field number 0, varint too long, …).
    case malformed(offset: Int, reason: String)
    /// protobuf-c refused a message that the wire walk had accepted.
    case undecodable(message: String, offset: Int, byteCount: Int)
    /// A message larger than the reader is willing to hold in memory.
    case tooLarge(message: String, offset: Int, byteCount: Int, maximum: Int)
    /// The byte source could not deliver bytes that exist (an I/O error).
    case unreadable(offset: Int, reason: String)

    public var description: String {
        switch self {
        case .truncated(let offset, let detail):
            return "truncated protobuf at byte \(offset): \(detail.escapedForTerminal(maxLength: 400))"
        case .malformed(let offset, let reason):
            return "not valid protobuf at byte \(offset): \(reason.escapedForTerminal(maxLength: 400))"
        case .undecodable(let message, let offset, let byteCount):
            return "the \(message) of \(byteCount) bytes at byte \(offset) does not decode as ONNX"
        case .tooLarge(let message, let offset, let byteCount, let maximum):
            return "the \(message) at byte \(offset) is \(byteCount) bytes, more than the limit of \(maximum)"
        case .unreadable(let offset, let reason):
            return "cannot read byte \(offset): \(reason.escapedForTerminal(maxLength: 400))"
        }
    }
}
