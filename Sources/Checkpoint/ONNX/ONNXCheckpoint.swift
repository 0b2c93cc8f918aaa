import ONNXProto
import TensorCore

/// ONNX models (`torch.onnx.export`, HuggingFace/optimum exports) read as checkpoints.
///
/// The file is walked at the protobuf wire level: tensor elements stay where they are (in the
/// model file, or in external data files beside it), so opening a 345 MB model reads only its
/// metadata, and unchanged tensors are later copied file-to-file. Names are recovered from the
/// graph (`ONNXNameRecovery`): every record is named by the PyTorch state-dict key the exported
/// model had, and a folded, transposed Linear weight (`Wᵀ` stored `[in, out]`) is presented as a
/// transposed view of its bytes, so the ordinary name tables and converter apply unchanged.
public final class ONNXCheckpoint: CheckpointReader, @unchecked Sendable {
    public let path: String
    public let format = CheckpointFormat.onnx
    public let records: [TensorRecord]
    public let wrapperKey = ""
    public let notes: [String]
    private let file: RandomAccessFile
    private let externalFiles: ONNXExternalFiles
    private let storages: [String: ONNXStorage]
    private let provenances: [String: String]
    private let evidence: [ArchitectureEvidence]

    public init(path: String, limits: ReaderLimits = .default) throws(CheckpointError) {
        self.path = path
        let file = try RandomAccessFile(path: path)
        self.file = file
        let scan: ONNXModelScan
        do {
            scan = try ONNXModelScanner.scan(
                FileSource(file: file),
                limits: ONNXScanLimits(
                    maxMessageBytes: limits.maxONNXMessageBytes, maxNodes: limits.maxTensorCount * 16,
                    maxInitializers: limits.maxTensorCount))
        } catch {
            switch error {
            case .truncated(_, let detail): throw .truncated(path: path, detail: detail)
            case .unreadable(_, let reason): throw .unreadable(path: path, reason: reason)
            default: throw .malformedONNX(path: path, reason: error.description)
            }
        }
        guard scan.sparseInitializerCount == 0 else {
            throw .malformedONNX(
                path: path,
                reason: "\(scan.sparseInitializerCount) sparse initializer(s); sparse tensors are not supported")
        }
        externalFiles = ONNXExternalFiles(modelPath: path)
        let decoder = ONNXTensorDecoder(path: path, file: file, externalFiles: externalFiles, limits: limits)

        // Every tensor is validated (shape against bytes, external data against its file) before
        // names are recovered, so a broken file is refused however its tensors are used.
        var tensors: [ONNXTensor] = []
        var names: Set<String> = []
        for initializer in scan.initializers {
            guard !initializer.name.isEmpty else {
                throw .malformedONNX(path: path, reason: "an initializer at byte \(initializer.offset) has no name")
            }
            guard names.insert(initializer.name).inserted else {
                throw .duplicateName(path: path, name: initializer.name)
            }
            tensors.append(try decoder.decode(initializer, name: initializer.name, origin: "initializer"))
        }
        var constantOutputs: [String: Int] = [:]
        var subgraphs = 0
        for node in scan.nodes {
            if node.attributes.contains(where: \.hasSubgraph) { subgraphs += 1 }
            guard node.opType == "Constant", node.domain.isEmpty || node.domain == "ai.onnx",
                let value = node.attribute("value")?.tensor, let output = node.outputs.first, !output.isEmpty
            else { continue }
            guard names.insert(output).inserted else { throw .duplicateName(path: path, name: output) }
            constantOutputs[output] = tensors.count
            tensors.append(try decoder.decode(value, name: output, origin: "Constant"))
        }
        let graph = ONNXGraph(
            nodes: scan.nodes, tensors: tensors, constantOutputs: constantOutputs, inputs: scan.inputs)

        let reader = SmallTensorReader(file: file, externalFiles: externalFiles)
        let recovery = try ONNXNameRecovery(path: path, graph: graph).recover { reader.bytes(of: $0) }
        var records: [TensorRecord] = []
        var storages: [String: ONNXStorage] = [:]
        var provenances: [String: String] = [:]
        for recovered in recovery.tensors {
            let tensor = tensors[recovered.tensor]
            guard let dtype = tensor.dtype, let storage = tensor.storage else {
                throw .badTensor(
                    path: path, tensor: recovered.key,
                    reason: "element type \(ONNXDataType.name(tensor.dataType)) of '\(tensor.name)' is not supported")
            }
            guard provenances[recovered.key] == nil else { throw .duplicateName(path: path, name: recovered.key) }
            let location = StorageLocation(key: tensor.name, byteCount: storage.byteCount)
            let record = TensorRecord(
                name: recovered.key, dtype: dtype, shape: recovered.shape, strides: recovered.strides,
                storageOffset: 0, storage: location)
            let needed: Int
            do {
                needed = try Shape.requiredStorageElements(
                    shape: record.shape, strides: record.strides, storageOffset: 0)
            } catch {
                throw .badTensor(path: path, tensor: recovered.key, reason: error.description)
            }
            let (neededBytes, overflow) = needed.multipliedReportingOverflow(by: dtype.itemSize)
            guard !overflow, neededBytes <= storage.byteCount else {
                throw .viewOutOfBounds(
                    path: path, tensor: recovered.key,
                    detail: "\(needed) elements of a \(storage.byteCount)-byte tensor")
            }
            records.append(record)
            storages[tensor.name] = storage
            provenances[recovered.key] = recovered.provenance
        }
        guard !records.isEmpty else { throw .noTensors(path: path, detail: "no weights were recognised in the graph") }
        guard records.count <= limits.maxTensorCount else {
            throw .limitExceeded(
                path: path, limit: "tensor count", value: records.count, maximum: limits.maxTensorCount)
        }
        self.records = records
        self.storages = storages
        self.provenances = provenances
        evidence = recovery.evidence

        var notes: [String] = []
        let header = scan.header
        let opsets = header.opsets.map { "\($0.domain.isEmpty ? "ai.onnx" : $0.domain) \($0.version)" }.joined(
            separator: ", ")
        let producer = [header.producerName, header.producerVersion].filter { !$0.isEmpty }.joined(separator: " ")
        notes.append(
            "ONNX IR version \(header.irVersion.map(String.init) ?? "?"), opset \(opsets.isEmpty ? "none" : opsets), producer \(producer.isEmpty ? "not recorded" : producer)"
        )
        notes.append(
            "graph: \(scan.nodes.count) nodes, \(scan.initializers.count) initializers, \(constantOutputs.count) Constant tensors"
        )
        if !externalFiles.locations.isEmpty {
            notes.append("external data: " + externalFiles.locations.map { "'\($0)'" }.joined(separator: ", "))
        }
        if externalFiles.ignoredKeys.contains("checksum") { notes.append("external data checksums are not verified") }
        if subgraphs > 0 { notes.append("\(subgraphs) node(s) with subgraphs; weights inside subgraphs are not read") }
        if scan.functionCount > 0 { notes.append("\(scan.functionCount) local function(s) in the model") }
        notes += recovery.notes
        // Notes quote the file (names, producers) and are printed as they are.
        self.notes = notes.map { $0.escapedForTerminal(maxLength: 1000) }
    }

    public func fileOffset(of storage: StorageLocation) -> Int? {
        if case .file(let offset, _)? = storages[storage.key] { return offset }
        return nil
    }

    public func provenance(of record: TensorRecord) -> String? { provenances[record.name] }

    /// The activation and head counts the graph computes with, read from its nodes.
    public func architectureEvidence() -> [ArchitectureEvidence] { evidence }

    public func readStorage(_ storage: StorageLocation, byteOffset: Int, into buffer: inout [UInt8], count: Int)
        throws(CheckpointError)
    {
        guard let located = storages[storage.key] else {
            throw .missingRecord(path: path, record: storage.key, tensor: storage.key)
        }
        let (end, overflow) = byteOffset.addingReportingOverflow(count)
        guard byteOffset >= 0, count >= 0, !overflow, end <= located.byteCount else {
            throw .truncated(
                path: path,
                detail:
                    "bytes \(byteOffset)..<\(byteOffset &+ count) of tensor '\(storage.key)' (\(located.byteCount) bytes)"
            )
        }
        switch located {
        case .file(let offset, _):
            try file.read(at: offset + byteOffset, into: &buffer, count: count)
        case .external(let index, let offset, _):
            try externalFiles.files[index].read(at: offset + byteOffset, into: &buffer, count: count)
        case .memory(let bytes):
            if buffer.count < count { buffer = [UInt8](repeating: 0, count: count) }
            buffer.replaceSubrange(0..<count, with: bytes[byteOffset..<end])
        }
    }
}

/// The model file as the wire walker's byte source.
private struct FileSource: WireByteSource {
    let file: RandomAccessFile
    var byteCount: Int { file.size }

    func read(at offset: Int, count: Int, into buffer: inout [UInt8]) throws(ONNXProtoError) {
        do {
            try file.read(at: offset, into: &buffer, count: count)
        } catch {
            if case .truncated(_, let detail) = error { throw .truncated(offset: offset, detail: detail) }
            throw .unreadable(offset: offset, reason: error.description)
        }
        if buffer.count > count { buffer.removeLast(buffer.count - count) }
    }
}

/// Reads whole small tensors for the pattern match (zero fills, folded class tokens).
private struct SmallTensorReader {
    let file: RandomAccessFile
    let externalFiles: ONNXExternalFiles

    func bytes(of tensor: ONNXTensor) -> [UInt8]? {
        guard let storage = tensor.storage, storage.byteCount <= 16 << 20 else { return nil }
        switch storage {
        case .file(let offset, let count): return try? file.read(at: offset, count: count)
        case .external(let index, let offset, let count):
            return try? externalFiles.files[index].read(at: offset, count: count)
        case .memory(let bytes): return bytes
        }
    }
}
