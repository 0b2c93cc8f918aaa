import Foundation
import ONNXProto
import TensorCore

/// Entry points for the fuzz targets (`Fuzz/`) and their regression replay (`FuzzRegressionTests`):
/// each takes arbitrary bytes and must return (normally or by a refusal), never trap, hang or
/// allocate beyond the `ReaderLimits`. File-based readers get the bytes through a scratch file.
package enum CheckpointFuzzing {
    /// The pickle machine with the TorchScript allowlist (the wider one), then every walk the
    /// readers make of its result.
    package static func pickle(_ bytes: [UInt8]) {
        let path = "fuzz-input"
        let machine = PickleMachine(
            input: PickleInput(bytes: bytes, path: path, member: "data.pkl"), context: .torchScript,
            limits: .default
        ) { identifier, arena, offset throws(CheckpointError) in
            try TorchPickle.storage(from: identifier, arena: arena, path: path, member: "data.pkl", offset: offset)
        }
        guard let root = try? machine.run() else { return }
        let arena = machine.arena
        _ = CheckpointMetadata.read(root: root, arena: arena)
        let collector = TensorCollector(path: path, limits: .default) { storage in
            StorageLocation(key: storage.key, byteCount: 1 << 20)
        }
        if let located = try? TorchPickle.locateStateDict(root: root, arena: arena, path: path, limits: .default) {
            _ = try? collector.records(located.tensors)
        }
        if let tensors = try? TorchPickle.moduleTensors(root: root, arena: arena, path: path, limits: .default) {
            _ = try? collector.records(tensors)
        }
    }

    /// A `torch.save` or TorchScript zip archive, every small tensor read and every member checked.
    package static func torchZip(_ bytes: [UInt8]) {
        withScratchFile(bytes, name: "input.pt") { path in exercise(try TorchZipCheckpoint.open(path: path)) }
    }

    /// A legacy (pre-1.6) `torch.save` file.
    package static func legacyTorch(_ bytes: [UInt8]) {
        withScratchFile(bytes, name: "input.pt") { path in exercise(try LegacyTorchCheckpoint(path: path)) }
    }

    /// A safetensors file.
    package static func safetensors(_ bytes: [UInt8]) {
        withScratchFile(bytes, name: "input.safetensors") { path in
            exercise(try SafetensorsCheckpoint.open(path: path))
        }
    }

    /// The ONNX wire walk alone, over bytes in memory.
    package static func onnxWire(_ bytes: [UInt8]) {
        _ = try? ONNXModelScanner.scan(WireBuffer(bytes))
    }

    /// A whole ONNX model: wire walk, tensor decoding and graph name recovery.
    package static func onnxModel(_ bytes: [UInt8]) {
        withScratchFile(bytes, name: "model.onnx") { path in exercise(try ONNXCheckpoint(path: path)) }
    }

    /// Reads what a converter would: records, small tensors, checksums, metadata, tied groups.
    private static func exercise(_ reader: any CheckpointReader) {
        _ = reader.metadata
        _ = reader.tiedGroups
        for record in reader.records.prefix(64) {
            _ = reader.provenance(of: record)
            _ = reader.fileOffset(of: record.storage)
            _ = try? reader.verifyChecksum(of: record.storage)
            guard record.storageByteSpan.count <= 1 << 20 else { continue }
            _ = try? reader.read(record)
        }
    }

    /// Runs `body` on a scratch file holding `bytes` (one per process, rewritten for each input).
    package static func withScratchFile(
        _ bytes: [UInt8], name: String, _ body: (String) throws -> Void
    ) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "ldvc-fuzz-\(ProcessInfo.processInfo.processIdentifier)")
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = folder.appendingPathComponent(name)
        guard (try? Data(bytes).write(to: file)) != nil else { return }
        defer { try? FileManager.default.removeItem(at: file) }
        try? body(file.path)
    }
}
