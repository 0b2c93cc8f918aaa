import Checkpoint
import Foundation
import HDF5
import Layout
import TensorCore
import Testing
import _TestSupport

@testable import Conversion

/// Converting an ONNX export gives the same file as converting the PyTorch checkpoint it was exported
/// from: the same canonical tensors, bit for bit, and the same architecture; each tensor records how
/// its name was recovered.
@Suite("Converting ONNX exports")
struct ONNXConversionTests {
    struct Case: CustomStringConvertible, Sendable {
        let file: String
        /// The committed checkpoint the export was made from (Fixtures/scripts/make_onnx.py loads it).
        let reference: String
        let towers: Set<String>
        /// Canonical tensors the export cannot hold exactly, and why (checked separately).
        var differences: [String: String] = [:]
        /// Expected provenance kind (`exact`, `alias`, `scope`, `folded`, `pattern`) of some tensors.
        let provenance: [String: String]
        var description: String { file }
    }

    static let cases: [Case] = [
        Case(
            file: "onnx/openai/openai_visual.onnx", reference: "torch/openai_fp32.pt", towers: ["vision"],
            provenance: [
                "vision.patch_embed.weight": "exact", "vision.class_embedding": "folded",
                "vision.position_embedding": "pattern",
                "vision.blocks.0.attn.q_proj.weight": "scope", "vision.blocks.0.attn.q_proj.bias": "exact",
                "vision.blocks.1.mlp.fc2.weight": "scope", "vision.blocks.1.attn.out_proj.weight": "exact",
                "vision.proj.weight": "exact",
            ]),
        Case(
            file: "onnx/openai/openai_visual_nofold.onnx", reference: "torch/openai_fp32.pt", towers: ["vision"],
            provenance: [
                "vision.class_embedding": "exact", "vision.position_embedding": "exact",
                "vision.blocks.0.attn.k_proj.weight": "exact",
                "vision.blocks.1.mlp.fc1.weight": "exact",
            ]),
        Case(
            file: "onnx/openai/openai_text.onnx", reference: "torch/openai_fp32.pt", towers: ["text"],
            provenance: [
                "text.token_embedding": "exact", "text.position_embedding": "pattern",
                "text.blocks.1.attn.v_proj.weight": "scope",
                "text.ln_final.bias": "exact", "text.proj.weight": "exact",
            ]),
        Case(
            file: "onnx/openai/openai_clip.onnx", reference: "torch/openai_fp32.pt", towers: ["vision", "text"],
            provenance: [
                // Dynamic batch: `class_embedding.to(dtype)` is folded into an anonymous copy used in '/visual/Add'.
                "vision.class_embedding": "scope", "text.position_embedding": "pattern",
                "text.blocks.0.mlp.fc1.weight": "scope",
                "logit_scale": "exact",
            ]),
        Case(
            file: "onnx/openai/openai_visual_dynamo.onnx", reference: "torch/openai_fp32.pt", towers: ["vision"],
            provenance: [
                "vision.class_embedding": "folded", "vision.position_embedding": "exact",
                "vision.blocks.0.attn.q_proj.weight": "scope",
                "vision.blocks.1.mlp.fc1.weight": "scope",
            ]),
        Case(
            file: "onnx/openai/openai_visual_external.onnx", reference: "torch/openai_fp32.pt", towers: ["vision"],
            provenance: [
                "vision.patch_embed.weight": "exact", "vision.blocks.0.attn.q_proj.weight": "scope",
            ]),
        Case(
            file: "onnx/openai/openai_visual_typed.onnx", reference: "torch/openai_fp32.pt", towers: ["vision"],
            provenance: [
                "vision.patch_embed.weight": "exact", "vision.ln_pre.weight": "alias", "vision.ln_pre.bias": "exact",
                "vision.blocks.0.attn.q_proj.weight": "scope",
            ]),
        Case(
            file: "onnx/openai/openai_visual_fp16.onnx", reference: "torch/openai_fp16.pt", towers: ["vision"],
            differences: ["vision.class_embedding": "fp16", "vision.position_embedding": "fp16"],
            provenance: [
                "vision.blocks.0.attn.q_proj.weight": "scope", "vision.ln_post.weight": "exact",
            ]),
        Case(
            file: "onnx/hf/hf_vision_with_projection.onnx", reference: "hf/model.safetensors", towers: ["vision"],
            provenance: [
                "vision.class_embedding": "exact", "vision.position_embedding": "exact",
                "vision.blocks.0.attn.q_proj.weight": "scope",
                "vision.blocks.0.attn.k_proj.weight": "scope", "vision.blocks.0.attn.v_proj.weight": "scope",
                "vision.proj.weight": "scope",
            ]),
        Case(
            file: "onnx/hf/hf_vision_with_projection_dynamo.onnx", reference: "hf/model.safetensors",
            towers: ["vision"],
            provenance: [
                "vision.class_embedding": "folded", "vision.position_embedding": "folded",
                "vision.blocks.1.attn.k_proj.weight": "scope",
                "vision.proj.weight": "exact",
            ]),
        Case(
            file: "onnx/hf/hf_clip.onnx", reference: "hf/model.safetensors", towers: ["vision", "text"],
            provenance: [
                "text.blocks.1.attn.q_proj.weight": "scope", "text.proj.weight": "scope", "logit_scale": "exact",
            ]),
        // Opset 14 (optimum's default): every LayerNorm is written out op by op.
        Case(
            file: "onnx/hf/hf_vision_with_projection_opset14.onnx", reference: "hf/model.safetensors",
            towers: ["vision"],
            provenance: [
                "vision.ln_pre.weight": "exact", "vision.blocks.1.ln_2.bias": "exact",
                "vision.blocks.1.attn.q_proj.weight": "scope",
            ]),
        // open_clip: OpenAI's names; open_clip_config.json beside the export makes them open_clip's.
        Case(
            file: "onnx/open_clip/open_clip_visual.onnx", reference: "torch/open_clip/open_clip_model.pt",
            towers: ["vision"],
            provenance: [
                "vision.class_embedding": "folded", "vision.blocks.0.attn.q_proj.weight": "scope",
                "vision.proj.weight": "exact",
            ]),
        // No names at all: q, k and v (all [64, 64]) are told apart only by the attention pattern.
        Case(
            file: "onnx/hf/hf_vision_anonymous.onnx", reference: "hf/model.safetensors", towers: ["vision"],
            provenance: [
                "vision.blocks.0.attn.q_proj.weight": "pattern", "vision.blocks.0.attn.k_proj.weight": "pattern",
                "vision.blocks.0.attn.v_proj.weight": "pattern", "vision.blocks.1.attn.v_proj.bias": "pattern",
                "vision.ln_pre.weight": "pattern", "vision.class_embedding": "pattern",
            ]),
    ]

    static let kinds: Set<String> = ["exact", "alias", "scope", "folded", "pattern"]

    @Test("the ONNX conversion equals the PyTorch conversion tensor by tensor", arguments: cases)
    func equalsPyTorch(_ testCase: Case) throws {
        let folder = TemporaryFolder()
        let report = try Converter.convert(
            input: FixturePath.fixture(testCase.file), output: folder.file("onnx.h5"), options: ConversionOptions())
        _ = try Converter.convert(
            input: FixturePath.fixture(testCase.reference), output: folder.file("torch.h5"),
            options: ConversionOptions())
        #expect(report.plan.format == .onnx)
        #expect(report.plan.unmapped.isEmpty)
        let onnx = try LayoutReader(path: folder.file("onnx.h5"))
        let torch = try LayoutReader(path: folder.file("torch.h5"))
        #expect(onnx.metadata.sourceConvention == torch.metadata.sourceConvention)

        // Every tensor of the towers the export holds (logit_scale when the graph has it).
        let onnxNames = Set(try onnx.tensorNames())
        let expected = Set(
            try torch.tensorNames().filter { name in
                let tower = String(name.prefix { $0 != "." })
                return testCase.towers.contains(tower) || (name == "logit_scale" && onnxNames.contains(name))
            })
        #expect(onnxNames == expected)
        for name in expected.sorted() {
            let actual = try onnx.tensor(name)
            let reference = try torch.tensor(name)
            #expect(actual.shape == reference.shape, "\(name)")
            if testCase.differences[name] == "fp16" {
                // The exporter folded `embedding.to(float16)`: the file holds the parameter rounded to f16.
                #expect(actual.dtype == .f16 && reference.dtype == .f32, "\(name)")
                #expect(actual.floats() == reference.floats().map { Float(Float16($0)) }, "\(name)")
                continue
            }
            #expect(actual.dtype == reference.dtype, "\(name)")
            #expect(actual.contiguousBytes == reference.contiguousBytes, "\(name)")
        }

        if testCase.towers.contains("vision") { #expect(onnx.architecture.vision == torch.architecture.vision) }
        if testCase.towers.contains("text") { #expect(onnx.architecture.text == torch.architecture.text) }
        #expect(onnx.architecture.embedDim == torch.architecture.embedDim)
        #expect(onnx.metadata.sourceFormat == "onnx")

        // Provenance: every tensor says how its name was found; spot checks say which way.
        for name in onnxNames {
            let provenance = try onnx.provenance(of: name).provenance.extra["provenance"] ?? ""
            let kind = String(provenance.prefix { $0 != ":" })
            #expect(Self.kinds.contains(kind), "\(name): \(provenance)")
        }
        for (name, kind) in testCase.provenance {
            let provenance = try onnx.provenance(of: name).provenance.extra["provenance"] ?? ""
            #expect(provenance.hasPrefix(kind + ":"), "\(name): \(provenance)")
        }
    }

    @Test("fused q/k/v of an OpenAI export is split like the checkpoint's in_proj, from a transposed view")
    func transposedSplit() throws {
        let folder = TemporaryFolder()
        _ = try Converter.convert(
            input: FixturePath.fixture("onnx/openai/openai_visual.onnx"), output: folder.file("o.h5"),
            options: ConversionOptions())
        let layout = try LayoutReader(path: folder.file("o.h5"))
        let (provenance, dtype) = try layout.provenance(of: "vision.blocks.1.attn.v_proj.weight")
        #expect(provenance.sourceName == "visual.transformer.resblocks.1.attn.in_proj_weight")
        #expect(provenance.transform == "split_qkv:2")
        #expect(dtype == .f32)
        #expect(provenance.extra["provenance"]?.contains("onnx::MatMul_") == true)
        #expect(provenance.extra["provenance"]?.contains("stores Wᵀ") == true)
        #expect(layout.metadata.sourceFormat == "onnx")
    }

    @Test("the HF head count comes from config.json beside the export, as for the safetensors file")
    func sidecarHeads() throws {
        let folder = TemporaryFolder()
        _ = try Converter.convert(
            input: FixturePath.fixture("onnx/hf/hf_vision_with_projection.onnx"), output: folder.file("h.h5"),
            options: ConversionOptions())
        let layout = try LayoutReader(path: folder.file("h.h5"))
        #expect(layout.architecture.vision?.heads == 2)
        #expect(layout.metadata.architectureSources["vision.heads"] == "config.json")
    }

    @Test("inspect lists the recovered keys with their provenance, opset and producer")
    func inspection() throws {
        let reader = try CheckpointOpener.open(path: FixturePath.fixture("onnx/openai/openai_visual_dynamo.onnx"))
        let plan = try ConversionPlanner.plan(reader: reader, options: ConversionOptions())
        let entry = try #require(plan.sources.first { $0.name == "visual.transformer.resblocks.0.attn.in_proj_weight" })
        #expect(entry.provenance?.hasPrefix("scope: anonymous initializer 'val_") == true)
        #expect(entry.provenance?.contains("transformer.resblocks.0.attn") == true)
        #expect(plan.notes.contains { $0.contains("opset ai.onnx 20") && $0.contains("producer pytorch 2.13.0") })
        #expect(plan.notes.contains { $0.contains("openai_visual_dynamo.onnx.data") })
    }

    @Test("names that contradict the graph are refused with an explanation, and nothing is written")
    func contradictoryNames() throws {
        let folder = TemporaryFolder()
        do {
            _ = try Converter.convert(
                input: FixturePath.fixture("onnx/hf/hf_vision_swapped_names.onnx"), output: folder.file("out.h5"),
                options: ConversionOptions())
            Issue.record("converted a file whose names contradict its graph")
        } catch {
            guard case .checkpoint(.unrecoverableNames(_, let reason)) = error else { Issue.record("\(error)"); return }
            #expect(reason.contains("layer_norm2.weight") && reason.contains("LayerNorm 1"), "\(reason)")
        }
        #expect(folder.contents().isEmpty)
    }

    @Test("a graph fused by onnxruntime's optimizer is refused, saying why, rather than guessed at")
    func fusedGraph() throws {
        let folder = TemporaryFolder()
        do {
            _ = try Converter.convert(
                input: FixturePath.fixture("onnx/hf/hf_vision_ort_fused.onnx"), output: folder.file("out.h5"),
                options: ConversionOptions())
            Issue.record("converted an onnxruntime-fused graph")
        } catch {
            guard case .checkpoint(.unrecoverableNames(_, let reason)) = error else { Issue.record("\(error)"); return }
            #expect(reason.contains("SkipLayerNormalization") && reason.contains("refusing to guess"), "\(reason)")
        }
        #expect(folder.contents().isEmpty)
    }

    @Test(
        "broken ONNX inputs leave no output and no temporary file",
        arguments: [
            "onnx/adversarial/missing_external.onnx", "onnx/adversarial/short_external.onnx",
            "onnx/adversarial/escaping_location.onnx",
            "onnx/adversarial/absolute_location.onnx", "onnx/adversarial/size_mismatch.onnx",
            "onnx/hf/hf_vision_swapped_names.onnx",
            "onnx/hf/hf_vision_ort_fused.onnx",
        ])
    func nothingLeftBehind(_ file: String) throws {
        let folder = TemporaryFolder()
        #expect(throws: ConversionError.self) {
            _ = try Converter.convert(
                input: FixturePath.fixture(file), output: folder.file("out.h5"), options: ConversionOptions())
        }
        #expect(folder.contents().isEmpty)
    }
}
