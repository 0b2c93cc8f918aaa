public import HDF5

/// Errors about the native HDF5 layout: reading, writing, validating and naming.
public enum LayoutError: Error, Equatable, CustomStringConvertible, Sendable {
    case hdf5(HDF5Error)
    case notALayoutFile(path: String, found: String)
    case newerVersion(path: String, version: Int, supported: Int)
    case missingAttribute(path: String, object: String, attribute: String)
    case badAttribute(path: String, object: String, attribute: String, reason: String)
    case missingTensor(path: String, name: String)
    case tensorShape(path: String, name: String, expected: [Int], actual: [Int])
    case schema(reason: String)
    case outputExists(path: String)
    case outputIsInput(path: String)
    case outputFolder(path: String, reason: String)
    case commitFailed(path: String, reason: String)
    case invalidName(name: String, reason: String)

    public var description: String {
        switch self {
        case .hdf5(let error):
            return error.description
        case .notALayoutFile(let path, let found):
            return "\(path): not an ldvc-swift layout file (\(found))"
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
        case .schema(let reason):
            return "layout schema: \(reason)"
        case .outputExists(let path):
            return "\(path): already exists (use --force to replace it)"
        case .outputIsInput(let path):
            return "\(path): the output would overwrite the input; choose another output path"
        case .outputFolder(let path, let reason):
            return "\(path): cannot write here: \(reason)"
        case .commitFailed(let path, let reason):
            return "\(path): could not move the finished file into place: \(reason)"
        case .invalidName(let name, let reason):
            return "tensor name '\(name)': \(reason)"
        }
    }
}
