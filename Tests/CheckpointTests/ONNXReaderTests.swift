import Foundation
import ONNXProto
import TensorCore
import Testing
import _TestSupport

@testable import Checkpoint

/// The ONNX reader on its own: where tensor bytes are, how views present folded weights, what it
/// reports, and how it refuses broken files.
@Suite("Reading ONNX models")
struct ONNXReaderTests {
    func open(_ relative: String) throws(CheckpointError) -> any CheckpointReader {
        try CheckpointOpener.open(path: FixturePath.fixture(relative))
    }

    func record(_ reader: any CheckpointReader, _ name: String) throws -> TensorRecord {
        try #require(reader.records.first { $0.name == name }, "\(name)")
    }

    @Test("opset and producer are reported")
    func header() throws {
        let reader = try open("onnx/openai/openai_visual.onnx")
        #expect(reader.format == .onnx)
        #expect(reader.notes.first == "ONNX IR version 9, opset ai.onnx 20, producer pytorch 2.13.0")
        let dynamo = try open("onnx/hf/hf_vision_with_projection_dynamo.onnx")
        #expect(dynamo.notes.first?.hasPrefix("ONNX IR version 10, opset ai.onnx 20") == true)
    }

    @Test("raw_data stays in the file: fileOffset points at exactly the bytes readStorage returns")
    func rawDataOffsets() throws {
        let path = FixturePath.fixture("onnx/openai/openai_visual.onnx")
        let reader = try open("onnx/openai/openai_visual.onnx")
        let file = try RandomAccessFile(path: path)
        for record in reader.records {
            let offset = try #require(reader.fileOffset(of: record.storage), "\(record.name)")
            let bytes = try reader.readStorage(record.storage, byteOffset: 0, count: record.storage.byteCount)
            #expect(try file.read(at: offset, count: record.storage.byteCount) == bytes, "\(record.name)")
        }
    }

    @Test("a folded Linear weight Wᵀ [in, out] is presented as a transposed view [out, in]")
    func transposedView() throws {
        let reader = try open("onnx/openai/openai_visual.onnx")
        let fused = try record(reader, "visual.transformer.resblocks.0.attn.in_proj_weight")
        #expect(fused.shape == [192, 64] && fused.strides == [1, 192])
        #expect(!fused.isRowMajorPacked)
        let fc2 = try record(reader, "visual.transformer.resblocks.1.mlp.c_proj.weight")
        #expect(fc2.shape == [64, 256] && fc2.strides == [1, 64])
        // OpenAI's proj is used as `x @ proj` and stored as the parameter itself.
        let projection = try record(reader, "visual.proj")
        #expect(projection.shape == [64, 32] && projection.strides == [32, 1])
        // The unfolded export keeps [out, in] and needs no view.
        let unfolded = try record(
            try open("onnx/openai/openai_visual_nofold.onnx"), "visual.transformer.resblocks.0.attn.in_proj_weight")
        #expect(unfolded.shape == [192, 64] && unfolded.strides == [64, 1])
        let a = try reader.read(fused)
        let b = try open("onnx/openai/openai_visual_nofold.onnx").read(unfolded)
        #expect(a == b)
    }

    @Test("a class token folded to [1, 1, W] is read as its first W values")
    func foldedClassToken() throws {
        let reader = try open("onnx/openai/openai_visual.onnx")
        let token = try record(reader, "visual.class_embedding")
        #expect(token.shape == [64] && token.storage.byteCount == 256)
        let torch = try CheckpointOpener.open(path: FixturePath.fixture("torch/openai_fp32.pt"))
        #expect(try reader.read(token) == torch.read(try record(torch, "visual.class_embedding")))
    }

    @Test("external data: every tensor is read from the data file, not copied by offset of the model file")
    func externalData() throws {
        let reader = try open("onnx/openai/openai_visual_external.onnx")
        let folded = try open("onnx/openai/openai_visual.onnx")
        #expect(reader.notes.contains("external data: 'openai_visual_external.data'"))
        for record in reader.records {
            let twin = try self.record(folded, record.name)
            #expect(try reader.read(record) == folded.read(twin), "\(record.name)")
            if record.storage.byteCount >= 1024 {
                #expect(reader.fileOffset(of: record.storage) == nil, "\(record.name)")
            }
        }
    }

    @Test("typed fields: packed float_data stays in the file, fp16 bit patterns in int32_data are decoded")
    func typedFields() throws {
        let typed = try open("onnx/openai/openai_visual_typed.onnx")
        let folded = try open("onnx/openai/openai_visual.onnx")
        for record in typed.records {
            #expect(try typed.read(record) == folded.read(try self.record(folded, record.name)), "\(record.name)")
        }
        // A Constant node's packed float_data is a run of the file, too.
        #expect(typed.fileOffset(of: try record(typed, "visual.conv1.weight").storage) != nil)
        let half = try open("onnx/openai/openai_visual_fp16.onnx")
        let weight = try record(half, "visual.transformer.resblocks.0.attn.in_proj_weight")
        #expect(weight.dtype == .f16)
        #expect(half.fileOffset(of: weight.storage) == nil)
        let torch = try CheckpointOpener.open(path: FixturePath.fixture("torch/openai_fp16.pt"))
        #expect(
            try half.read(weight) == torch.read(try record(torch, "visual.transformer.resblocks.0.attn.in_proj_weight"))
        )
    }

    @Test(
        "broken external data and byte counts are refused with the reason",
        arguments: [
            ("missing_external.onnx", "'missing.data' does not exist"),
            ("short_external.onnx", "needs bytes 0..<16 of 'short_external.data', which has 8 bytes"),
            ("escaping_location.onnx", "leads out of the model's folder"),
            ("absolute_location.onnx", "is an absolute path"),
            ("size_mismatch.onnx", "needs 16 bytes but raw_data holds 12"),
        ])
    func brokenData(_ name: String, _ reason: String) {
        do {
            _ = try open("onnx/adversarial/\(name)")
            Issue.record("\(name) was accepted")
        } catch {
            #expect(error.description.contains(reason), "\(error)")
            #expect(error.description.hasPrefix(FixturePath.fixture("onnx/adversarial/\(name)") + ": "))
            #expect(!error.description.contains("\n"))
        }
    }

    @Test("a symbolic link inside the folder that points outside it is refused")
    func symlinkEscape() throws {
        let folder = TemporaryFolder()
        let outside = TemporaryFolder()
        try Data(count: 16).write(to: URL(fileURLWithPath: outside.file("secret.data")))
        try FileManager.default.createSymbolicLink(
            atPath: folder.file("short_external.data"), withDestinationPath: outside.file("secret.data"))
        let model = try folder.copy(FixturePath.fixture("onnx/adversarial/short_external.onnx"))
        do {
            _ = try CheckpointOpener.open(path: model)
            Issue.record("followed a link out of the folder")
        } catch {
            #expect(error.description.contains("outside the model's folder"), "\(error)")
        }
    }

    @Test("a truncated model is refused at every cut, never read past its end")
    func truncated() throws {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: FixturePath.fixture("onnx/openai/openai_visual.onnx")))
        let folder = TemporaryFolder()
        for cut in [2, 3, 17, 100, 1_000, 40_000, bytes.count / 2, bytes.count - 1] {
            let path = folder.file("cut\(cut).onnx")
            try bytes.prefix(cut).write(to: URL(fileURLWithPath: path))
            do {
                _ = try CheckpointOpener.open(path: path)
                Issue.record("a model cut at \(cut) bytes was accepted")
            } catch {
                if case .truncated = error {
                } else if case .malformedONNX = error {
                } else {
                    Issue.record("cut \(cut): \(error)")
                }
                #expect(!error.description.contains("\n"))
            }
        }
    }

    @Test("bytes that only start like ONNX are refused as malformed protobuf")
    func notProtobuf() throws {
        let folder = TemporaryFolder()
        let path = folder.file("garbage.onnx")
        var bytes: [UInt8] = [0x08, 0x07]
        var state: UInt32 = 12345
        for _ in 0..<4096 {
            state = state &* 1_103_515_245 &+ 12345
            bytes.append(UInt8(truncatingIfNeeded: state >> 16))
        }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect(throws: CheckpointError.self) { _ = try CheckpointOpener.open(path: path) }
        let text = folder.file("notes.onnx")
        try Data("not a model\n".utf8).write(to: URL(fileURLWithPath: text))
        do {
            _ = try CheckpointOpener.open(path: text)
            Issue.record("a text file was accepted")
        } catch {
            guard case .unknownFormat = error else { Issue.record("\(error)"); return }
        }
    }

    @Test("single corrupted bytes never crash the reader: each file is read or refused with one line")
    func corruptedBytes() throws {
        let original = try [UInt8](
            Data(contentsOf: URL(fileURLWithPath: FixturePath.fixture("onnx/openai/openai_visual_external.onnx"))))
        let folder = TemporaryFolder()
        try folder.copy(FixturePath.fixture("onnx/openai/openai_visual_external.data"))
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for trial in 0..<150 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            var bytes = original
            let position = Int(state >> 33) % bytes.count
            bytes[position] ^= UInt8(truncatingIfNeeded: (state >> 8) | 1)
            let path = folder.file("model.onnx")
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            do {
                _ = try CheckpointOpener.open(path: path)
            } catch {
                #expect(!error.description.contains("\n"), "trial \(trial): \(error)")
            }
        }
    }

    @Test("module scopes from TorchScript node names and torch.export metadata")
    func scopes() {
        func node(_ name: String, scopes: String? = nil) -> ONNXNode {
            var node = ONNXNode()
            node.name = name
            if let scopes { node.metadata = [.init(key: "pkg.torch.onnx.name_scopes", value: scopes)] }
            return node
        }
        #expect(
            ONNXScopes.modulePath(of: node("/transformer/resblocks/resblocks.0/attn/MatMul")) == [
                "transformer", "resblocks", "0", "attn",
            ])
        #expect(
            ONNXScopes.modulePath(of: node("/vision_model/encoder/layers.11/self_attn/q_proj/MatMul"))
                == ["vision_model", "encoder", "layers", "11", "self_attn", "q_proj"])
        #expect(ONNXScopes.modulePath(of: node("/MatMul")) == nil)
        #expect(
            ONNXScopes.modulePath(
                of: node(
                    "node_MatMul_18",
                    scopes: "['', 'transformer', 'transformer.resblocks', 'transformer.resblocks.0.attn', 'linear']"))
                == ["transformer", "resblocks", "0", "attn"])
        #expect(ONNXScopes.modulePath(of: node("node_cat", scopes: "['', 'cat']")) == nil)
        #expect(
            ONNXScopes.match(
                scope: ["transformer", "resblocks", "0", "attn"],
                keyModule: ["visual", "transformer", "resblocks", "0", "attn"]) == .same)
        #expect(
            ONNXScopes.match(
                scope: ["transformer", "resblocks", "0", "attn"],
                keyModule: ["visual", "transformer", "resblocks", "0", "attn", "out_proj"]) == .ancestor)
        #expect(
            ONNXScopes.match(
                scope: ["encoder", "layers", "1", "self_attn", "q_proj"],
                keyModule: ["vision_model", "encoder", "layers", "0", "self_attn", "q_proj"]) == .unrelated)
    }

    @Test("state-dict-like names are told from exporter-generated ones")
    func keyLikeNames() {
        for name in ["visual.proj", "proj", "transformer.resblocks.0.attn.in_proj_weight", "m.token_embedding.weight"] {
            #expect(ONNXNameRecovery.isKeyLike(name), "\(name)")
        }
        for name in ["onnx::MatMul_377", "/Constant_output_0", "val_21", "", "a..b", "x/y"] {
            #expect(!ONNXNameRecovery.isKeyLike(name), "\(name)")
        }
    }
}
