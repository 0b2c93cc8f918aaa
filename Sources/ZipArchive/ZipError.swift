/// Errors from the libzip bridge, each naming the archive and carrying libzip's message.
public enum ZipError: Error, Equatable, CustomStringConvertible, Sendable {
    case openFailed(path: String, reason: String)
    case entryFailed(path: String, entry: String, reason: String)
    case rangeOutOfBounds(path: String, entry: String, offset: Int, count: Int, size: Int)

    public var description: String {
        switch self {
        case .openFailed(let path, let reason):
            return "\(path): not a readable zip archive (\(reason))"
        case .entryFailed(let path, let entry, let reason):
            return "\(path): cannot read member '\(entry)' (\(reason))"
        case .rangeOutOfBounds(let path, let entry, let offset, let count, let size):
            return "\(path): bytes \(offset)..<\(offset + count) lie outside member '\(entry)' of \(size) bytes"
        }
    }
}
