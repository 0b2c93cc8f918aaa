import TensorCore
public import ZipArchive

/// Errors from reading checkpoints. Every message is one line: "<file>: <what is wrong>"; text that
/// comes from a file (names, globals, reasons quoting it) is escaped and cut to a bounded length.
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
            return "\(file(path)): cannot read the file (\(text(reason)))"
        case .emptyFile(let path):
            return "\(file(path)): the file is empty"
        case .unknownFormat(let path, let detail):
            return "\(file(path)): not a supported checkpoint (\(text(detail)))"
        case .zip(let error):
            return error.description
        case .truncated(let path, let detail):
            return "\(file(path)): the file is truncated (\(text(detail)))"
        case .malformedPickle(let path, let member, let offset, let reason):
            return "\(file(path)): malformed pickle in \(quoted(member)) at byte \(offset): \(text(reason))"
        case .disallowedGlobal(let path, let module, let name, let offset):
            return
                "\(file(path)): refused to load global '\(quoted(module)).\(quoted(name))' (pickle byte \(offset)): a weights file does not need it, and loading it could run code"
        case .unsupportedOpcode(let path, let member, let opcode, let offset):
            return
                "\(file(path)): unsupported pickle opcode 0x\(String(opcode, radix: 16)) in \(quoted(member)) at byte \(offset)"
        case .limitExceeded(let path, let limit, let value, let maximum):
            return "\(file(path)): \(text(limit)) of \(value) exceeds the limit of \(maximum)"
        case .missingRecord(let path, let record, let tensor):
            return
                "\(file(path)): tensor '\(quoted(tensor))' refers to storage record '\(quoted(record))', which the file does not contain"
        case .storageTooSmall(let path, let tensor, let needed, let available):
            return
                "\(file(path)): tensor '\(quoted(tensor))' needs \(needed) bytes of storage but the file holds \(available)"
        case .viewOutOfBounds(let path, let tensor, let detail):
            return "\(file(path)): tensor '\(quoted(tensor))' is a view outside its storage (\(text(detail)))"
        case .badTensor(let path, let tensor, let reason):
            return "\(file(path)): tensor '\(quoted(tensor))': \(text(reason))"
        case .unsupportedByteOrder(let path, let value):
            return "\(file(path)): byte order '\(quoted(value))' is not supported (only little-endian checkpoints are)"
        case .noTensors(let path, let detail):
            return "\(file(path)): no tensors found (\(text(detail)))"
        case .malformedSafetensors(let path, let reason):
            return "\(file(path)): malformed safetensors file: \(text(reason))"
        case .duplicateName(let path, let name):
            return "\(file(path)): the tensor name '\(quoted(name))' occurs twice"
        case .malformedONNX(let path, let reason):
            return "\(file(path)): not a valid ONNX model: \(text(reason))"
        case .externalData(let path, let tensor, let reason):
            return "\(file(path)): external data of tensor '\(quoted(tensor))': \(text(reason))"
        case .unrecoverableNames(let path, let reason):
            return "\(file(path)): cannot tell which CLIP weight each ONNX tensor is: \(text(reason))"
        case .missingShard(let index, let shard, let count):
            return "\(file(index)): shard '\(quoted(shard))' is missing (the index lists \(count) tensor(s) in it)"
        case .inconsistentShards(let index, let reason):
            return "\(file(index)): \(text(reason))"
        }
    }

    /// A file name as given.
    private func file(_ path: String) -> String { path.escapedForTerminal(maxLength: 1000) }
    /// A name or short value taken from the file.
    private func quoted(_ name: String) -> String { name.escapedForTerminal() }
    /// A reason or detail, which may quote the file.
    private func text(_ reason: String) -> String { reason.escapedForTerminal(maxLength: 400) }
}
