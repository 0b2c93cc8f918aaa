public import Evaluation
public import ImageProcessing
public import Imaging
public import Layout
public import Runtime
public import TensorCore

/// Errors of running a model on image files: `embed`, `classify`, `segment`, `evaluate` and the tap dump of
/// `verify`. Each message is one line that starts with the file (or the option) it is about.
public enum InferenceError: ClassifiedError, Equatable, Sendable {
    case runtime(RuntimeError)
    case layout(LayoutError)
    /// An image or label file that cannot be read or is refused.
    case imaging(ImagingError)
    /// Preprocessing or drawing failed for the image at `path`.
    case processing(path: String, ImageProcessingError)
    case evaluation(EvaluationError)
    /// An option or argument that cannot be used as given (`what` names it).
    case usage(what: String, reason: String)
    /// An input that was read but does not fit the request (a label map of another size, 16-bit labels).
    case refused(path: String, reason: String)
    /// An input file or folder that does not exist or cannot be read.
    case missing(path: String, reason: String)
    /// Writing an output failed after it was created.
    case write(path: String, reason: String)

    public var kind: FailureKind {
        switch self {
        case .runtime(let error): return error.kind
        case .layout(let error): return error.kind
        case .imaging(let error):
            switch error {
            case .unreadable: return .inputMissing
            case .invalidArgument, .encodeFailed: return .internalFailure
            default: return .inputRefused
            }
        case .processing: return .inputRefused
        case .evaluation(let error):
            switch error {
            case .invalidSettings, .invalidShardSelector, .noShards: return .usage
            case .unreadable: return .inputMissing
            case .encodingFailed: return .internalFailure
            default: return .inputRefused
            }
        case .usage: return .usage
        case .refused: return .inputRefused
        case .missing: return .inputMissing
        case .write: return .writeFailed
        }
    }

    public var description: String {
        switch self {
        case .runtime(let error): return error.description
        case .layout(let error): return error.description
        case .imaging(let error): return error.description
        case .processing(let path, let error): return "\(path): \(error.description)"
        case .evaluation(let error): return error.description
        case .usage(let what, let reason): return "\(what): \(reason)"
        case .refused(let path, let reason): return "\(path): \(reason)"
        case .missing(let path, let reason): return "\(path): \(reason)"
        case .write(let path, let reason): return "\(path): cannot write (\(reason))"
        }
    }
}
