/// Errors from image processing. Each message is one line, "<what>: <cause>".
public enum ImageProcessingError: Error, Equatable, CustomStringConvertible, Sendable {
    /// Pixel storage that does not match the stated size.
    case pixelCount(what: String, expected: Int, actual: Int)
    /// A width or height that is zero, negative, or too large to address.
    case invalidSize(what: String, width: Int, height: Int)
    /// A setting outside its domain (a mean list of the wrong length, a zero deviation, …).
    case invalidSetting(what: String, reason: String)

    public var description: String {
        switch self {
        case .pixelCount(let what, let expected, let actual):
            return "\(what): \(actual) values where the size needs \(expected)"
        case .invalidSize(let what, let width, let height):
            return "\(what): size \(width)×\(height) is not a usable image size"
        case .invalidSetting(let what, let reason):
            return "\(what): \(reason)"
        }
    }
}
