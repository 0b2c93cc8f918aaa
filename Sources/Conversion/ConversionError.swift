public import Checkpoint
public import HDF5
public import Layout

/// Errors from planning and running a conversion. Each names the input file and the cause.
public enum ConversionError: Error, Equatable, CustomStringConvertible, Sendable {
    case checkpoint(CheckpointError)
    case layout(LayoutError)
    case hdf5(HDF5Error)
    case noCLIPTensors(path: String, detail: String)
    case ambiguousConvention(path: String, detail: String)
    case duplicateCanonical(path: String, canonical: String, sources: [String])
    case architecture(path: String, reason: String)
    case unmappedTensors(path: String, names: [String])
    case sidecar(path: String, reason: String)
    case badOption(reason: String)
    case digest(path: String, reason: String)

    /// Any error from the layers below, as a `ConversionError` (unknown errors keep their text and the file).
    static func wrapping(_ error: Error, path: String) -> ConversionError {
        switch error {
        case let error as ConversionError: return error
        case let error as CheckpointError: return .checkpoint(error)
        case let error as LayoutError: return .layout(error)
        case let error as HDF5Error: return .hdf5(error)
        default: return .architecture(path: path, reason: "\(error)")
        }
    }

    public var description: String {
        switch self {
        case .checkpoint(let error): return error.description
        case .layout(let error): return error.description
        case .hdf5(let error): return error.description
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
            return "\(path): tensors that are not part of CLIP: \(shown) (drop --strict to convert anyway)"
        case .sidecar(let path, let reason):
            return "\(path): \(reason)"
        case .badOption(let reason):
            return reason
        case .digest(let path, let reason):
            return "\(path): cannot hash the input (\(reason))"
        }
    }
}
