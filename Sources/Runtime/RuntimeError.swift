public import HDF5
public import Layout
public import TensorCore

/// Errors of the Swift runtime: loading a model, running it, and checking it against goldens.
/// Every message is one line that starts with the file it is about.
public enum RuntimeError: ClassifiedError, Equatable, Sendable {
    case layout(LayoutError)
    /// Reading a golden file failed in libhdf5 (or the file is missing or not HDF5).
    case hdf5(HDF5Error)
    /// The model file lacks a whole part the call needs (`vision`, `text`, `head`).
    case missingPart(path: String, part: String)
    /// The model's architecture attributes describe something this runtime cannot run.
    case unsupportedArchitecture(path: String, reason: String)
    /// A caller's input does not fit the model (image channels, token ids, class count).
    case invalidInput(path: String, reason: String)
    /// A golden file is malformed or from a newer format version.
    case golden(path: String, reason: String)
    /// A golden tap's shape differs from what the model produces for the golden inputs.
    case goldenShape(path: String, tap: String, expected: [Int], actual: [Int])
    /// OpenBLAS, which every matrix product runs on, cannot be opened (`reason` starts with its file name).
    case blasUnavailable(reason: String)

    public var kind: FailureKind {
        switch self {
        case .layout(let error): return error.kind
        case .hdf5(let error): return error.kind
        case .blasUnavailable: return .internalFailure
        default: return .inputRefused
        }
    }

    public var description: String {
        switch self {
        case .layout(let error): return error.description
        case .hdf5(let error): return error.description
        case .missingPart(let path, let part):
            return "\(path): the model has no \(part) part, which this call needs"
        case .unsupportedArchitecture(let path, let reason):
            return "\(path): unsupported architecture: \(reason)"
        case .invalidInput(let path, let reason):
            return "\(path): invalid input: \(reason)"
        case .golden(let path, let reason):
            return "\(path): \(reason)"
        case .goldenShape(let path, let tap, let expected, let actual):
            return "\(path): tap '\(tap)' has shape \(actual) but the model produces \(expected) for these inputs"
        case .blasUnavailable(let reason):
            return reason
        }
    }
}
