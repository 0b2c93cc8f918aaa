public import TensorCore

/// Errors from the HDF5 bridge. Each names the file and carries libhdf5's own message.
public enum HDF5Error: ClassifiedError, Equatable, Sendable {
    /// The file does not exist or cannot be opened (`reason` is the system's).
    case cannotOpen(path: String, reason: String)
    /// The file exists but is not an HDF5 file.
    case notHDF5(path: String)
    /// A libhdf5 call failed; `operation` says what we asked, `detail` is HDF5's error stack.
    case callFailed(path: String, operation: String, detail: String)
    /// The object exists but is not what the caller expected (a group where a dataset was wanted, …).
    case unexpectedObject(path: String, object: String, expected: String)
    case missingObject(path: String, object: String)
    case missingAttribute(path: String, object: String, attribute: String)
    case attributeType(path: String, object: String, attribute: String, expected: String)
    case unsupportedDatatype(path: String, object: String, detail: String)
    case sizeMismatch(path: String, object: String, expectedBytes: Int, actualBytes: Int)
    /// The superblock says the file is longer than it is: an interrupted download or copy.
    case truncated(path: String, declaredBytes: UInt64, actualBytes: UInt64)
    /// The preflight found a structure at byte `offset` that is malformed or outside what we accept.
    case malformed(path: String, offset: UInt64, reason: String)
    /// A count or size past `HDF5Limits`.
    case limitExceeded(path: String, what: String, limit: Int)

    /// Failures of files being read; a module that writes turns them into its own write errors.
    public var kind: FailureKind {
        switch self {
        case .cannotOpen: return .inputMissing
        default: return .inputRefused
        }
    }

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason):
            return "\(path): cannot open the file (\(reason))"
        case .notHDF5(let path):
            return "\(path): not an HDF5 file"
        case .callFailed(let path, let operation, let detail):
            return "\(path): HDF5 could not \(operation)" + (detail.isEmpty ? "" : " (\(detail))")
        case .unexpectedObject(let path, let object, let expected):
            return "\(path): '\(object)' is not \(expected)"
        case .missingObject(let path, let object):
            return "\(path): no object '\(object)'"
        case .missingAttribute(let path, let object, let attribute):
            return "\(path): '\(object)' has no attribute '\(attribute)'"
        case .attributeType(let path, let object, let attribute, let expected):
            return "\(path): attribute '\(attribute)' of '\(object)' is not \(expected)"
        case .unsupportedDatatype(let path, let object, let detail):
            return "\(path): dataset '\(object)' has an unsupported datatype (\(detail))"
        case .sizeMismatch(let path, let object, let expected, let actual):
            return "\(path): dataset '\(object)' holds \(actual) bytes, expected \(expected)"
        case .truncated(let path, let declared, let actual):
            return
                "\(path): truncated HDF5 file: it declares \(declared) bytes but has \(actual) (an interrupted download or copy?)"
        case .malformed(let path, let offset, let reason):
            return "\(path): refused HDF5 file: at byte \(offset), \(reason)"
        case .limitExceeded(let path, let what, let limit):
            return "\(path): refused HDF5 file: \(what) exceeds the limit of \(limit)"
        }
    }
}
