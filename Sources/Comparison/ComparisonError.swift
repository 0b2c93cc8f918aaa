public import Checkpoint
public import Conversion
public import Layout
public import TensorCore

/// Errors from comparing two models. Reading failures keep their own kinds (missing 66, refused 65).
public enum ComparisonError: ClassifiedError, Equatable, Sendable {
    case conversion(ConversionError)
    case layout(LayoutError)
    case checkpoint(CheckpointError)
    /// A tensor whose values could not be read or transformed.
    case tensor(path: String, name: String, reason: String)
    case badOption(reason: String)

    public var kind: FailureKind {
        switch self {
        case .conversion(let error): return error.kind
        case .layout(let error): return error.kind
        case .checkpoint(let error): return error.kind
        case .tensor: return .inputRefused
        case .badOption: return .usage
        }
    }

    public var description: String {
        switch self {
        case .conversion(let error): return error.description
        case .layout(let error): return error.description
        case .checkpoint(let error): return error.description
        case .tensor(let path, let name, let reason): return "\(path): tensor '\(name)': \(reason)"
        case .badOption(let reason): return reason
        }
    }
}
