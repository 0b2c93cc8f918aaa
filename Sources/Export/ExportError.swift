public import Layout
public import TensorCore

/// Errors from exporting a layout file to another container. Every message is one line that
/// starts with the file it is about.
public enum ExportError: ClassifiedError, Equatable, Sendable {
    case layout(LayoutError)
    /// The output's extension names no container we write.
    case unknownFormat(path: String, detail: String)
    /// A container that cannot hold a tensor as it is (bf16 in .npz, a file over the zip limit).
    case unsupported(path: String, reason: String)
    /// The model has nothing to export under this request (no prompts, no tensor with a name in the naming).
    case nothingToExport(path: String, reason: String)
    /// A fused tensor (q/k/v) whose parts are not all in the file.
    case incompleteFusedTensor(path: String, key: String, missing: [String])
    case tensor(path: String, name: String, reason: String)
    case write(path: String, reason: String)

    public var kind: FailureKind {
        switch self {
        case .layout(let error): return error.kind
        case .write: return .writeFailed
        case .unknownFormat: return .usage
        default: return .inputRefused
        }
    }

    public var description: String {
        switch self {
        case .layout(let error): return error.description
        case .unknownFormat(let path, let detail): return "\(path): \(detail)"
        case .unsupported(let path, let reason): return "\(path): \(reason)"
        case .nothingToExport(let path, let reason): return "\(path): nothing to export: \(reason)"
        case .incompleteFusedTensor(let path, let key, let missing):
            return "\(path): '\(key)' is made of q/k/v parts, and \(missing.joined(separator: ", ")) are missing"
        case .tensor(let path, let name, let reason): return "\(path): tensor '\(name)': \(reason)"
        case .write(let path, let reason): return "\(path): write failed: \(reason)"
        }
    }
}
