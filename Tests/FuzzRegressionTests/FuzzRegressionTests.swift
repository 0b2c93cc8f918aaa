import Checkpoint
import Conversion
import Evaluation
import Foundation
import HDF5
import Imaging
import Layout
import Runtime
import Testing
import _TestSupport

/// Replays every input under `Fuzz/regressions/<target>/` (crashes, hangs and blow-ups the fuzzers
/// found, kept after the fix) and every seed under `Fuzz/corpus/<target>/` through the same entry
/// function the fuzz target calls, in a normal (sanitizer-free) test run: each must return within
/// bounded time and memory.
@Suite("Fuzz regressions")
struct FuzzRegressionTests {
    /// The fuzz targets by folder name, as Package.swift's `fuzzTargets` lists them.
    static let entries: [String: @Sendable ([UInt8]) -> Void] = [
        "pickle": CheckpointFuzzing.pickle,
        "torch-zip": CheckpointFuzzing.torchZip,
        "torchscript": CheckpointFuzzing.torchZip,
        "legacy": CheckpointFuzzing.legacyTorch,
        "safetensors": CheckpointFuzzing.safetensors,
        "onnx-wire": CheckpointFuzzing.onnxWire,
        "onnx-model": CheckpointFuzzing.onnxModel,
        "config-text": ConversionFuzzing.configText,
        "sidecar-json": ConversionFuzzing.sidecarJSON,
        "hdf5": HDF5Fuzzing.file,
        "layout": LayoutFuzzing.layout,
        "golden": GoldenFuzzing.golden,
        "image": ImagingFuzzing.image,
        "shard-index": CheckpointFuzzing.shardIndex,
        "evaluation-shard": EvaluationFuzzing.shard,
    ]

    static var repository: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }

    static func inputs(_ folder: String) -> [(target: String, file: String)] {
        let root = repository.appendingPathComponent("Fuzz/\(folder)")
        var result: [(String, String)] = []
        for target in entries.keys.sorted() {
            let directory = root.appendingPathComponent(target)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
            for name in names.sorted() where !name.hasPrefix(".") {
                result.append((target, directory.appendingPathComponent(name).path))
            }
        }
        return result
    }

    @Test("every fuzz target folder has an entry here, and every entry a seed corpus")
    func targetsListed() throws {
        let folders = try FileManager.default.contentsOfDirectory(
            atPath: Self.repository.appendingPathComponent("Fuzz").path)
        let targets = folders.filter {
            FileManager.default.fileExists(
                atPath: Self.repository.appendingPathComponent("Fuzz/\($0)/main.swift").path)
        }
        #expect(Set(targets) == Set(Self.entries.keys))
        for target in targets { #expect(Self.inputs("corpus").contains { $0.target == target }, "\(target)") }
    }

    @Test("regression inputs and seeds replay within bounds", arguments: ["regressions", "corpus"])
    func replay(_ folder: String) throws {
        for (target, file) in Self.inputs(folder) {
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file)))
            let entry = try #require(Self.entries[target])
            let (_, probe) = ResourceProbe.measure { entry(bytes) }
            #expect(
                probe.seconds < 20 * ResourceProbe.timeScale,
                "\(target)/\((file as NSString).lastPathComponent) took \(probe.seconds) s")
            #expect(
                probe.peakResidentBytes < ResourceProbe.memoryScale << 30,
                "\(target)/\((file as NSString).lastPathComponent) reached \(probe.peakResidentBytes >> 20) MB")
        }
    }

    @Test("a bare data.pkl after the mode byte is wrapped into an archive the reader opens")
    func wrappedArchive() throws {
        let seed = try [UInt8](
            Data(contentsOf: Self.repository.appendingPathComponent("Fuzz/corpus/torch-zip/wrapped_handmade.pkl")))
        let archive = CheckpointFuzzing.wrappedArchive(seed)
        try CheckpointFuzzing.withScratchFileThrowing(archive, name: "wrapped.pt") { path in
            let reader = try CheckpointOpener.open(path: path)
            #expect(reader.records.map(\.name) == ["w"])
            #expect(try reader.read(reader.records[0]).shape == [2, 2])
        }
    }
}
