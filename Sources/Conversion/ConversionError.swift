public import Checkpoint
public import Layout
public import TensorCore

/// Errors from planning and running a conversion or an import. Each names the input file and the cause.
public enum ConversionError: ClassifiedError, Equatable, Sendable {
    case checkpoint(CheckpointError)
    case layout(LayoutError)
    case noCLIPTensors(path: String, detail: String)
    case ambiguousConvention(path: String, detail: String)
    case duplicateCanonical(path: String, canonical: String, sources: [String])
    case architecture(path: String, reason: String)
    case unmappedTensors(path: String, names: [String])
    case sidecar(path: String, reason: String)
    case badOption(reason: String)
    /// A model family the runtime cannot run, named; `remedy` says what can still be done.
    case unsupportedArchitecture(path: String, family: String, reason: String, remedy: String)
    /// A ZegCLIP/LDVC training checkpoint given to `convert`.
    case segmentorCheckpoint(path: String, summary: String)
    /// `--strict` and settings no source states.
    case assumedSettings(path: String, settings: [AssumedSetting])
    /// The input names no model files (an empty folder, a shard without its index).
    case modelInput(path: String, reason: String)

    /// A failure of `LayoutBuilder` writing a plan whose sources are checkpoint tensors.
    init(_ error: LayoutBuildError<CheckpointError>) {
        switch error {
        case .layout(let error): self = .layout(error)
        case .source(let error): self = .checkpoint(error)
        }
    }

    public var kind: FailureKind {
        switch self {
        case .checkpoint(let error): return error.kind
        case .layout(let error): return error.kind
        case .badOption: return .usage
        case .modelInput: return .inputMissing
        default: return .inputRefused
        }
    }

    public var description: String {
        switch self {
        case .checkpoint(let error): return error.description
        case .layout(let error): return error.description
        case .noCLIPTensors(let path, let detail):
            return "\(path): no CLIP tensors recognised (\(detail))"
        case .ambiguousConvention(let path, let detail):
            return "\(path): cannot tell the naming convention (\(detail)); pass --convention"
        case .duplicateCanonical(let path, let canonical, let sources):
            return "\(path): '\(canonical)' would come from several tensors: \(sources.joined(separator: ", "))"
        case .architecture(let path, let reason):
            return "\(path): \(reason)"
        case .unmappedTensors(let path, let names):
            let shown = names.prefix(5).joined(separator: ", ") + (names.count > 5 ? ", … (\(names.count) in all)" : "")
            return "\(path): tensors that are not part of the model: \(shown) (drop --strict to convert anyway)"
        case .sidecar(let path, let reason):
            return "\(path): \(reason)"
        case .badOption(let reason):
            return reason
        case .unsupportedArchitecture(let path, let family, let reason, let remedy):
            return "\(path): \(family): \(reason), which the runtime does not implement; \(remedy)"
        case .segmentorCheckpoint(let path, let summary):
            return "\(path): a \(summary), not a CLIP model: use `ldvc-convert import \(path)`"
        case .assumedSettings(let path, let settings):
            let listed = settings.map { "\($0.name) = \($0.value) (\($0.reason))" }.joined(separator: ", ")
            let options = Array(Set(settings.map(\.option))).sorted().joined(separator: ", ")
            return "\(path): --strict refuses to assume \(listed); state them with \(options) or --config"
        case .modelInput(let path, let reason):
            return "\(path): \(reason)"
        }
    }
}
