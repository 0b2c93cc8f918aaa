public import ZipArchive

/// Errors from reading checkpoints. Every message is one line: "<file>: <what is wrong>".
public enum CheckpointError: Error, Equatable, CustomStringConvertible, Sendable {
    case unreadable(path: String, reason: String)
    case emptyFile(path: String)
    case unknownFormat(path: String, detail: String)
    case zip(ZipError)
    case truncated(path: String, detail: String)
    case malformedPickle(path: String, member: String, offset: Int, reason: String)
    case disallowedGlobal(path: String, module: String, name: String, offset: Int)
    case unsupportedOpcode(path: String, member: String, opcode: UInt8, offset: Int)
    case limitExceeded(path: String, limit: String, value: Int, maximum: Int)
    case missingRecord(path: String, record: String, tensor: String)
    case storageTooSmall(path: String, tensor: String, neededBytes: Int, availableBytes: Int)
    case viewOutOfBounds(path: String, tensor: String, detail: String)
    case badTensor(path: String, tensor: String, reason: String)
    case unsupportedByteOrder(path: String, value: String)
    case noTensors(path: String, detail: String)
    case malformedSafetensors(path: String, reason: String)
    case duplicateName(path: String, name: String)
    case malformedONNX(path: String, reason: String)
    case externalData(path: String, tensor: String, reason: String)
    case unrecoverableNames(path: String, reason: String)
    case missingShard(index: String, shard: String, tensorCount: Int)
    case inconsistentShards(index: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            return "\(path): cannot read the file (\(reason))"
        case .emptyFile(let path):
            return "\(path): the file is empty"
        case .unknownFormat(let path, let detail):
            return "\(path): not a supported checkpoint (\(detail))"
        case .zip(let error):
            return error.description
        case .truncated(let path, let detail):
            return "\(path): the file is truncated (\(detail))"
        case .malformedPickle(let path, let member, let offset, let reason):
            return "\(path): malformed pickle in \(member) at byte \(offset): \(reason)"
        case .disallowedGlobal(let path, let module, let name, let offset):
            return
                "\(path): refused to load global '\(module).\(name)' (pickle byte \(offset)): a weights file does not need it, and loading it could run code"
        case .unsupportedOpcode(let path, let member, let opcode, let offset):
            return "\(path): unsupported pickle opcode 0x\(String(opcode, radix: 16)) in \(member) at byte \(offset)"
        case .limitExceeded(let path, let limit, let value, let maximum):
            return "\(path): \(limit) of \(value) exceeds the limit of \(maximum)"
        case .missingRecord(let path, let record, let tensor):
            return "\(path): tensor '\(tensor)' refers to storage record '\(record)', which the file does not contain"
        case .storageTooSmall(let path, let tensor, let needed, let available):
            return "\(path): tensor '\(tensor)' needs \(needed) bytes of storage but the file holds \(available)"
        case .viewOutOfBounds(let path, let tensor, let detail):
            return "\(path): tensor '\(tensor)' is a view outside its storage (\(detail))"
        case .badTensor(let path, let tensor, let reason):
            return "\(path): tensor '\(tensor)': \(reason)"
        case .unsupportedByteOrder(let path, let value):
            return "\(path): byte order '\(value)' is not supported (only little-endian checkpoints are)"
        case .noTensors(let path, let detail):
            return "\(path): no tensors found (\(detail))"
        case .malformedSafetensors(let path, let reason):
            return "\(path): malformed safetensors file: \(reason)"
        case .duplicateName(let path, let name):
            return "\(path): the tensor name '\(name)' occurs twice"
        case .malformedONNX(let path, let reason):
            return "\(path): not a valid ONNX model: \(reason)"
        case .externalData(let path, let tensor, let reason):
            return "\(path): external data of tensor '\(tensor)': \(reason)"
        case .unrecoverableNames(let path, let reason):
            return "\(path): cannot tell which CLIP weight each ONNX tensor is: \(reason)"
        case .missingShard(let index, let shard, let count):
            return "\(index): shard '\(shard)' is missing (the index lists \(count) tensor(s) in it)"
        case .inconsistentShards(let index, let reason):
            return "\(index): \(reason)"
        }
    }
}
