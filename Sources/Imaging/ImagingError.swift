/// Errors from reading and writing image files. Each message is one line, "<file>: <cause>".
///
/// Every case but `unreadable` (the file cannot be read at all: missing, a folder, no permission) and
/// `invalidArgument`/`encodeFailed` (the caller's pixels) means the input was refused.
public enum ImagingError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The file cannot be read (missing, a folder, permissions, an I/O error).
    case unreadable(path: String, reason: String)
    /// The first bytes match no image format we know.
    case notAnImage(path: String)
    /// A known image format that is not PNG or JPEG (GIF, WebP, TIFF, …).
    case unsupportedFormat(path: String, format: String)
    /// PNG or JPEG, but an encoding we refuse by name (12-bit JPEG, an RGB label map, …).
    case unsupportedEncoding(path: String, format: String, reason: String)
    /// The data ends before the image does.
    case truncated(path: String, format: String)
    /// The decoder refused the data; `reason` is libpng's or libjpeg's own message.
    case malformed(path: String, format: String, reason: String)
    /// The declared size exceeds `ImagingLimits`; refused before any pixel buffer was allocated.
    case overBudget(path: String, width: Int, height: Int, reason: String)
    /// The decoder ran out of the memory it was allowed.
    case outOfMemory(path: String, format: String, reason: String)
    /// Pixels handed to an encoder that do not fit its arguments.
    case invalidArgument(what: String, reason: String)
    /// libpng failed while encoding.
    case encodeFailed(what: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            return "\(path): cannot read the file (\(reason))"
        case .notAnImage(let path):
            return "\(path): not an image (the first bytes match neither PNG nor JPEG)"
        case .unsupportedFormat(let path, let format):
            return "\(path): \(format) images are not supported (only PNG and JPEG are read)"
        case .unsupportedEncoding(let path, let format, let reason):
            return "\(path): unsupported \(format): \(reason)"
        case .truncated(let path, let format):
            return "\(path): truncated \(format) (the data ends before the image does)"
        case .malformed(let path, let format, let reason):
            return "\(path): malformed \(format) (\(reason))"
        case .overBudget(let path, let width, let height, let reason):
            return "\(path): image of \(width)×\(height) refused: \(reason)"
        case .outOfMemory(let path, let format, let reason):
            return "\(path): \(format) decoder out of memory (\(reason))"
        case .invalidArgument(let what, let reason):
            return "\(what): \(reason)"
        case .encodeFailed(let what, let reason):
            return "\(what): PNG encoding failed (\(reason))"
        }
    }

    /// A library message made printable: control and non-ASCII bytes become `\xNN`.
    static func escaped(_ message: String) -> String {
        var result = ""
        for byte in message.utf8 {
            if byte >= 0x20 && byte < 0x7F {
                result.append(Character(Unicode.Scalar(byte)))
            } else {
                result += "\\x" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return result
    }
}

extension String {
    fileprivate func leftPadded(to length: Int) -> String {
        count >= length ? self : String(repeating: "0", count: length - count) + self
    }
}
