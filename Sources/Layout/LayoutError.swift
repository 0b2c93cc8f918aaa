public import HDF5
public import TensorCore

/// Errors about the native HDF5 layout: reading, writing, validating and naming.
public enum LayoutError: ClassifiedError, Equatable, Sendable {
    /// Reading a file failed in libhdf5 (or the file is missing or not HDF5).
    case read(HDF5Error)
    /// Writing the output failed in libhdf5.
    case write(path: String, HDF5Error)
    case notALayoutFile(path: String, found: String)
    case newerVersion(path: String, version: Int, supported: Int)
    case missingAttribute(path: String, object: String, attribute: String)
    case badAttribute(path: String, object: String, attribute: String, reason: String)
    case missingTensor(path: String, name: String)
    case tensorShape(path: String, name: String, expected: [Int], actual: [Int])
    /// A tensor's bytes could not be transformed or converted (`TensorError` text).
    case tensor(path: String, name: String, reason: String)
    case schema(reason: String)
    case outputExists(path: String)
    case outputIsInput(path: String)
    case outputFolder(path: String, reason: String)
    /// The output is not a regular file that may be replaced (a device, a FIFO, a folder).
    case outputNotRegular(path: String, what: String)
    /// Another process is writing the same output.
    case outputBusy(path: String)
    /// A layout file asked for under another format's extension (`-o model.safetensors`).
    case outputExtension(path: String)
    /// A system call on the output failed (`sendfile`, `fsync`, `rename`): disk full, I/O error.
    case outputIO(path: String, operation: String, reason: String)
    case invalidName(name: String, reason: String)
    /// A tensor of a plan not yet written could not be read from its source (a checkpoint read while
    /// prompts are initialised from it); `kind` and `reason` are the source error's.
    case sourceFailed(path: String, kind: FailureKind, reason: String)

    public var kind: FailureKind {
        switch self {
        case .read(let error): return error.kind
        case .sourceFailed(_, let kind, _): return kind
        case .write, .outputIO: return .writeFailed
        case .outputExists, .outputIsInput, .outputFolder, .outputNotRegular, .outputBusy: return .outputUnavailable
        case .schema, .invalidName: return .internalFailure
        case .outputExtension: return .usage
        default: return .inputRefused
        }
    }

    public var description: String {
        switch self {
        case .read(let error):
            return error.description
        case .write(let path, let error):
            return "\(path): cannot write the file: \(error)"
        case .notALayoutFile(let path, let found):
            return "\(path): not a converted file (\(found))"
        case .newerVersion(let path, let version, let supported):
            return
                "\(path): layout version \(version) is newer than this tool understands (\(supported)); upgrade ldvc-convert"
        case .missingAttribute(let path, let object, let attribute):
            return "\(path): '\(object)' lacks the required attribute '\(attribute)'"
        case .badAttribute(let path, let object, let attribute, let reason):
            return "\(path): attribute '\(attribute)' of '\(object)' is invalid: \(reason)"
        case .missingTensor(let path, let name):
            return "\(path): the tensor '\(name)' is missing"
        case .tensorShape(let path, let name, let expected, let actual):
            return "\(path): tensor '\(name)' has shape \(actual), expected \(expected)"
        case .tensor(let path, let name, let reason):
            return "\(path): tensor '\(name)': \(reason)"
        case .schema(let reason):
            return "layout schema: \(reason)"
        case .outputExists(let path):
            return "\(path): already exists (use --force to replace it)"
        case .outputIsInput(let path):
            return "\(path): the output would overwrite an input; choose another output path"
        case .outputFolder(let path, let reason):
            return "\(path): cannot write here: \(reason)"
        case .outputNotRegular(let path, let what):
            return "\(path): is \(what), not a file this tool replaces; choose another output path"
        case .outputExtension(let path):
            return
                "\(path): this command writes the HDF5 layout, which takes .h5; to get another format, write the .h5 and run `ldvc-convert export FILE.h5 -o \(path)`"
        case .outputBusy(let path):
            return "\(path): another ldvc-convert is writing this output; wait for it or choose another path"
        case .outputIO(let path, let operation, let reason):
            return "\(path): \(operation) failed: \(reason)"
        case .invalidName(let name, let reason):
            return "tensor name '\(name)': \(reason)"
        case .sourceFailed(_, _, let reason):
            return reason
        }
    }
}
