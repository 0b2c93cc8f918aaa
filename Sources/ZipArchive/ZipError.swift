import TensorCore

/// Errors from the libzip bridge, each naming the archive and carrying libzip's message.
public enum ZipError: Error, Equatable, CustomStringConvertible, Sendable {
    case openFailed(path: String, reason: String)
    case entryFailed(path: String, entry: String, reason: String)
    case rangeOutOfBounds(path: String, entry: String, offset: Int, count: Int, size: Int)
    /// The central directory states a size no member of this file can have (beyond `Int`, a stored
    /// member larger than the file, a deflated one beyond deflate's largest ratio).
    case implausibleSize(path: String, entry: String, size: UInt64, compressedSize: UInt64)
    /// The member's bytes do not have the CRC-32 the central directory records: the file is corrupt.
    case checksumMismatch(path: String, entry: String, expected: UInt32, actual: UInt32)

    public var description: String {
        switch self {
        case .openFailed(let path, let reason):
            return "\(path.escapedForTerminal()): not a readable zip archive (\(reason.escapedForTerminal()))"
        case .entryFailed(let path, let entry, let reason):
            return
                "\(path.escapedForTerminal()): cannot read member '\(entry.escapedForTerminal())' (\(reason.escapedForTerminal()))"
        case .rangeOutOfBounds(let path, let entry, let offset, let count, let size):
            return
                "\(path.escapedForTerminal()): bytes \(offset)..<\(offset &+ count) lie outside member '\(entry.escapedForTerminal())' of \(size) bytes"
        case .implausibleSize(let path, let entry, let size, let compressedSize):
            return
                "\(path.escapedForTerminal()): member '\(entry.escapedForTerminal())' claims \(size) bytes from \(compressedSize) stored bytes, which this file cannot hold"
        case .checksumMismatch(let path, let entry, let expected, let actual):
            return
                "\(path.escapedForTerminal()): member '\(entry.escapedForTerminal())' is corrupt (CRC-32 \(Self.hex(actual)), the archive records \(Self.hex(expected)))"
        }
    }

    private static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }
}
