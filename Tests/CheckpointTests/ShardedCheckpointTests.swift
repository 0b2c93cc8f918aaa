import Foundation
import TensorCore
import Testing
import _TestSupport

@testable import Checkpoint

/// A sharded checkpoint read as one: the same records and bytes as the unsharded save of the same
/// model (both written by transformers' `save_pretrained`), each storage located in its own shard,
/// and the index checked against the shards.
@Suite("Reading sharded checkpoints")
struct ShardedCheckpointTests {
    static let single = FixturePath.fixture("forms/hf_single/model.safetensors")

    static func sharded(_ relative: String) throws -> ShardedCheckpoint {
        try ShardedCheckpoint(index: try ShardIndex(path: FixturePath.fixture(relative)))
    }

    @Test(
        "every tensor of the shards equals the unsharded file's, bit for bit",
        arguments: [
            "forms/hf_sharded/model.safetensors.index.json", "forms/hf_sharded_bin/pytorch_model.bin.index.json",
        ])
    func sameTensors(_ index: String) throws {
        let reader = try Self.sharded(index)
        let single = try CheckpointOpener.open(path: Self.single)
        #expect(reader.shardPaths.count == 3)
        #expect(Set(reader.records.map(\.name)) == Set(single.records.map(\.name)))
        for record in single.records {
            let sharded = try #require(reader.records.first { $0.name == record.name })
            let expected = try single.read(record)
            let actual = try reader.read(sharded)
            #expect(actual.dtype == expected.dtype && actual.shape == expected.shape, "\(record.name)")
            #expect(actual.contiguousBytes == expected.contiguousBytes, "\(record.name)")
        }
    }

    @Test("a storage's location names its shard file and the offset of its bytes there")
    func locations() throws {
        let reader = try Self.sharded("forms/hf_sharded/model.safetensors.index.json")
        let index = try ShardIndex(path: FixturePath.fixture("forms/hf_sharded/model.safetensors.index.json"))
        for record in reader.records where record.byteCount > 0 {
            let location = try #require(reader.fileLocation(of: record.storage), "\(record.name)")
            let shard = try #require(index.weightMap[record.name])
            #expect(location.path == index.shardPath(shard), "\(record.name)")
            #expect(record.storage.key.hasPrefix(shard + "/"), "\(record.name)")
            let file = try RandomAccessFile(path: location.path)
            let direct = try file.read(at: location.byteOffset, count: record.byteCount)
            #expect(direct == (try reader.read(record)).contiguousBytes, "\(record.name)")
        }
        #expect(reader.fileOffset(of: reader.records[0].storage) == nil)
        #expect(reader.notes.first == "3 shard(s): " + index.shards.joined(separator: ", "))
    }

    /// A copy of `hf_sharded` whose index is rewritten by `edit`.
    static func editedCopy(_ folder: TemporaryFolder, _ edit: (inout [String: Any]) -> Void) throws -> String {
        let source = FixturePath.fixture("forms/hf_sharded")
        for name in try FileManager.default.contentsOfDirectory(atPath: source) {
            try folder.copy(source + "/" + name)
        }
        let indexPath = folder.file("model.safetensors.index.json")
        var root = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: indexPath))) as? [String: Any])
        edit(&root)
        try JSONSerialization.data(withJSONObject: root).write(to: URL(fileURLWithPath: indexPath))
        return indexPath
    }

    @Test("the index must agree with the shards; each disagreement is refused naming the files")
    func disagreements() throws {
        let folder = TemporaryFolder()
        var moved = ""
        let wrong = try Self.editedCopy(folder) { root in
            var map = root["weight_map"] as? [String: String] ?? [:]
            moved = map.keys.sorted().first { map[$0] == "model-00001-of-00003.safetensors" } ?? ""
            map[moved] = "model-00003-of-00003.safetensors"
            root["weight_map"] = map
        }
        #expect(
            throws: CheckpointError.inconsistentShards(
                index: wrong,
                reason:
                    "tensor '\(moved)' is in shard model-00001-of-00003.safetensors, but the index puts it in model-00003-of-00003.safetensors"
            )
        ) { _ = try ShardedCheckpoint(index: try ShardIndex(path: wrong)) }

        let listedFolder = TemporaryFolder()
        let listed = try Self.editedCopy(listedFolder) { root in
            var map = root["weight_map"] as? [String: String] ?? [:]
            map["text_projection.bias"] = "model-00002-of-00003.safetensors"
            root["weight_map"] = map
        }
        #expect(
            throws: CheckpointError.inconsistentShards(
                index: listed,
                reason:
                    "the index lists tensor 'text_projection.bias' in model-00002-of-00003.safetensors, which does not hold it"
            )
        ) { _ = try ShardedCheckpoint(index: try ShardIndex(path: listed)) }

        let duplicate = FixturePath.fixture("forms/broken_shards/duplicate/model.safetensors.index.json")
        do {
            _ = try ShardedCheckpoint(index: try ShardIndex(path: duplicate))
            Issue.record("a tensor in two shards was accepted")
        } catch {
            guard case .inconsistentShards(_, let reason) = error else { throw error }
            #expect(
                reason.hasSuffix(
                    "is in two shards, model-00001-of-00003.safetensors and model-00002-of-00003.safetensors"),
                "\(reason)")
        }
    }

    @Test("a missing shard is missing input, named with the number of tensors the index lists in it")
    func missingShard() throws {
        let folder = TemporaryFolder()
        let index = try Self.editedCopy(folder) { _ in }
        try FileManager.default.removeItem(atPath: folder.file("model-00002-of-00003.safetensors"))
        let listed = try ShardIndex(path: index).weightMap.values.filter { $0 == "model-00002-of-00003.safetensors" }
        let error = CheckpointError.missingShard(
            index: index, shard: "model-00002-of-00003.safetensors", tensorCount: listed.count)
        #expect(throws: error) { _ = try ShardedCheckpoint(index: try ShardIndex(path: index)) }
        #expect(error.kind == .inputMissing)
    }

    @Test("an index is a JSON object with a weight_map of plain file names")
    func malformedIndexes() throws {
        let folder = TemporaryFolder()
        let cases: [(String, String)] = [
            ("[1, 2]", "not a JSON object"),
            (#"{"metadata": {}}"#, "no weight_map: not the index of a sharded checkpoint"),
            (
                #"{"weight_map": {"a": "../outside.safetensors"}}"#,
                "shard '../outside.safetensors' of 'a' is not a plain file name in the index's folder"
            ),
            (#"{"weight_map": {"a": 3}}"#, "the shard of 'a' is not a file name"),
        ]
        for (text, reason) in cases {
            let path = folder.file("x.index.json")
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            #expect(throws: CheckpointError.inconsistentShards(index: path, reason: reason)) {
                _ = try ShardIndex(path: path)
            }
        }
        let deep = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        let path = folder.file("deep.index.json")
        try Data(deep.utf8).write(to: URL(fileURLWithPath: path))
        #expect(
            throws: CheckpointError.limitExceeded(path: path, limit: "JSON nesting depth", value: 200, maximum: 128)
        ) { _ = try ShardIndex(path: path) }
    }
}

/// What a file states about its activation and head counts in what it computes.
@Suite("Architecture evidence in graphs and code")
struct ArchitectureEvidenceTests {
    @Test(
        "OpenAI's traced TorchScript: QuickGELU from torch.sigmoid(torch.mul(x, CONSTANTS.c1)), heads from CONSTANTS.c0"
    )
    func tracedOpenAI() throws {
        let reader = try CheckpointOpener.open(path: FixturePath.fixture("torch/openai_jit.pt"))
        let evidence = try reader.architectureEvidence()
        let gelu = evidence.filter { $0.scope == .module("visual.transformer.resblocks.0.mlp.gelu") }
        #expect(gelu.map(\.setting) == [.activation(.quickGELU)])
        #expect(gelu.first?.source.contains("CONSTANTS.c1 = 1.702") == true)
        let attention = evidence.filter { $0.scope == .module("transformer.resblocks.1.attn") }
        #expect(attention.map(\.setting) == [.heads(1)])
        // Two towers of two blocks: four activation modules and four attention modules, nothing else.
        #expect(evidence.count == 8)
    }

    @Test("a traced open_clip model: GELU from torch.gelu, 3 heads of 16")
    func tracedGELU() throws {
        let reader = try CheckpointOpener.open(path: FixturePath.fixture("forms/torchscript/open_clip_gelu_3heads.pt"))
        let settings = Set(try reader.architectureEvidence().map(\.setting.description))
        #expect(settings == ["activation gelu", "3 heads"])
    }

    @Test(
        "ONNX graphs: Gelu or Mul(1.702)·Sigmoid between fc1 and fc2, heads from the query's reshape",
        arguments: [
            ("forms/onnx/open_clip_gelu_3heads.onnx", "gelu", 3),
            ("forms/onnx/open_clip_quickgelu_3heads.onnx", "quick_gelu", 3),
            ("onnx/hf/hf_vision_with_projection_opset14.onnx", "quick_gelu", 2),
            ("onnx/openai/openai_visual_nofold.onnx", "quick_gelu", 1),
            ("onnx/openai/openai_clip.onnx", "quick_gelu", 1),
        ])
    func onnx(_ file: String, _ activation: String, _ heads: Int) throws {
        let reader = try CheckpointOpener.open(path: FixturePath.fixture(file))
        let evidence = try reader.architectureEvidence()
        let towers = Set(evidence.map(\.scope))
        #expect(!towers.isEmpty)
        for tower in towers {
            let settings = evidence.filter { $0.scope == tower }.map(\.setting.description)
            #expect(settings.contains("activation \(activation)"), "\(file) \(tower)")
            #expect(settings.contains("\(heads) heads"), "\(file) \(tower)")
            #expect(settings.count == 2, "\(file) \(tower)")
        }
    }

    @Test("code text: literals, traced constants, floor_divide; tanh GELU and other multipliers state nothing")
    func codeText() {
        let constants: [Int: Double] = [0: 12, 1: 1.7020000219345093, 2: 0.5]
        func settings(_ body: String) -> [ArchitectureEvidence.Setting] {
            TorchScriptCode.settings(in: body, constants: constants).map(\.0)
        }
        #expect(
            settings("    _0 = torch.sigmoid(torch.mul(x, 1.702))\n    return torch.mul(x, _0)") == [
                .activation(.quickGELU)
            ])
        #expect(settings("    _0 = torch.sigmoid(torch.mul(argument_1, CONSTANTS.c1))") == [.activation(.quickGELU)])
        #expect(settings("    _0 = torch.sigmoid(torch.mul(argument_1, CONSTANTS.c2))").isEmpty)
        #expect(settings("    return torch.gelu(argument_1)") == [.activation(.gelu)])
        #expect(settings("    return torch.gelu(argument_1, approximate=\"tanh\")").isEmpty)
        #expect(settings("    head_dim = torch.floor_divide(embed_dim, CONSTANTS.c0)") == [.heads(12)])
        #expect(settings("    head_dim = torch.div(embed_dim, 16, rounding_mode=\"trunc\")") == [.heads(16)])
        #expect(settings("    head_dim = torch.div(embed_dim, CONSTANTS.c9, rounding_mode=\"trunc\")").isEmpty)
        #expect(settings("    _19 = [_2, int(torch.mul(bsz, CONSTANTS.c0)), _13]") == [.heads(12)])
        // One statement per setting, however often the code repeats it.
        #expect(
            settings("    head_dim = torch.div(embed_dim, 12, rounding_mode=\"trunc\")\n    _1 = torch.mul(bsz, 12)")
                == [.heads(12)])
        // Scripted nn.GELU reads its `approximate` attribute.
        let scripted = "    return torch.gelu(input, approximate=self.approximate)"
        #expect(
            TorchScriptCode.settings(in: scripted, constants: [:], attributes: ["approximate": "none"]).map(\.0) == [
                .activation(.gelu)
            ])
        #expect(TorchScriptCode.settings(in: scripted, constants: [:], attributes: ["approximate": "tanh"]).isEmpty)
    }
}
