import Foundation
import ONNXProto
import TensorCore
import ZipArchive

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
    ///
    /// An input starting with 0x00 or 0x01 is not an archive but `data.pkl` itself (0x01: of a
    /// TorchScript archive), wrapped here into a valid archive with two small storages: mutations of
    /// the pickle inside a zip would almost all fail the member's CRC-32 and never reach the pickle.
    package static func torchZip(_ bytes: [UInt8]) {
        let archive = bytes.first.map { $0 <= 1 } == true ? wrappedArchive(bytes) : bytes
        withScratchFile(archive, name: "input.pt") { path in exercise(try TorchZipCheckpoint.open(path: path)) }
    }

    /// A stored-only zip of `archive/data.pkl` (the input after its mode byte), `archive/data/0` and
    /// `archive/data/1` (64 bytes each), with TorchScript's `constants.pkl` when the mode byte is 1.
    package static func wrappedArchive(_ bytes: [UInt8]) -> [UInt8] {
        var members: [(String, [UInt8])] = [
            ("archive/data.pkl", Array(bytes.dropFirst())), ("archive/byteorder", Array("little".utf8)),
            ("archive/data/0", (0..<64).map { UInt8($0) }), ("archive/data/1", [UInt8](repeating: 0x3F, count: 64)),
        ]
        if bytes.first == 1 { members.append(("archive/constants.pkl", [0x80, 0x02, 0x29, 0x2E])) }
        var body: [UInt8] = []
        var directory: [UInt8] = []
        func append(_ values: [Int], widths: [Int], to output: inout [UInt8]) {
            for (value, width) in zip(values, widths) {
                for index in 0..<width { output.append(UInt8(truncatingIfNeeded: value >> (8 * index))) }
            }
        }
        for (name, data) in members {
            let nameBytes = Array(name.utf8)
            let crc = Int(ZipArchive.crc32(data))
            let offset = body.count
            append(
                [0x0403_4B50, 20, 0, 0, 0, 0x21, crc, data.count, data.count, nameBytes.count, 0],
                widths: [4, 2, 2, 2, 2, 2, 4, 4, 4, 2, 2], to: &body)
            body += nameBytes + data
            append(
                [
                    0x0201_4B50, 20, 20, 0, 0, 0, 0x21, crc, data.count, data.count, nameBytes.count, 0, 0, 0, 0, 0,
                    offset,
                ],
                widths: [4, 2, 2, 2, 2, 2, 2, 4, 4, 4, 2, 2, 2, 2, 2, 4, 4], to: &directory)
            directory += nameBytes
        }
        var end: [UInt8] = []
        append(
            [0x0605_4B50, 0, 0, members.count, members.count, directory.count, body.count, 0],
            widths: [4, 2, 2, 2, 2, 4, 4, 2], to: &end)
        return body + directory + end
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

    /// A shard index (`model.safetensors.index.json`) as the folder reader checks it.
    package static func shardIndex(_ bytes: [UInt8]) {
        withScratchFile(bytes, name: "model.safetensors.index.json") { path in
            guard let index = try? ShardIndex(path: path) else { return }
            for shard in index.shards { _ = index.shardPath(shard) }
        }
    }

    /// Runs `body` on a scratch file holding `bytes` (one per process, rewritten for each input).
    package static func withScratchFile(
        _ bytes: [UInt8], name: String, _ body: (String) throws -> Void
    ) {
        try? withScratchFileThrowing(bytes, name: name, body)
    }

    /// `withScratchFile` that passes `body`'s error on (for tests).
    package static func withScratchFileThrowing(
        _ bytes: [UInt8], name: String, _ body: (String) throws -> Void
    ) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "ldvc-fuzz-\(ProcessInfo.processInfo.processIdentifier)")
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = folder.appendingPathComponent(name)
        try Data(bytes).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        try body(file.path)
    }
}
