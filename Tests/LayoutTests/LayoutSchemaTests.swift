import Foundation
import Testing
import _TestSupport

@testable import Layout

@Suite("Layout schema")
struct LayoutSchemaTests {
    @Test(
        "the embedded schema is the committed Schemas/layout/ldvc-layout-v1.json (run scripts/generate-layout-schema.sh)"
    )
    func embeddedMatchesFile() throws {
        let file = try String(
            contentsOfFile: FixturePath.repository("Schemas/layout/ldvc-layout-v1.json"), encoding: .utf8)
        #expect(
            LayoutSchema.embeddedJSON.trimmingCharacters(in: .whitespacesAndNewlines)
                == file.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(LayoutSchema.current.version == 1)
    }

    @Test("ViT-B/16 expands to the expected tensor count and shapes")
    func vitB16() throws {
        let architecture = CLIPArchitecture(
            embedDim: 512,
            vision: VisionArchitecture(
                width: 768, layers: 12, heads: 12, patchSize: 16, imageSize: 224, gridSize: 14, mlpWidth: 3072,
                layerNormEps: 1e-5, activation: .quickGELU),
            text: TextArchitecture(
                width: 512, layers: 12, heads: 8, contextLength: 77, vocabSize: 49408, mlpWidth: 2048,
                layerNormEps: 1e-5, activation: .quickGELU))
        let tensors = try LayoutSchema.current.expectedTensors(for: architecture)
        // Per block 16 tensors (2 LN × 2, q/k/v/out × 2, 2 MLP × 2); towers add 8 (vision) and 5 (text) more; logit_scale.
        #expect(tensors.count == 12 * 16 + 8 + 12 * 16 + 5 + 1)
        let shapes = Dictionary(tensors.map { ($0.name, $0.shape) }, uniquingKeysWith: { first, _ in first })
        #expect(shapes["vision.position_embedding"] == [197, 768])
        #expect(shapes["vision.patch_embed.weight"] == [768, 3, 16, 16])
        #expect(shapes["vision.proj.weight"] == [512, 768])
        #expect(shapes["text.blocks.11.mlp.fc2.weight"] == [512, 2048])
        #expect(shapes["logit_scale"] == [])
        // No leaf is a prefix of another name: HDF5 groups and datasets cannot share a path.
        let names = tensors.map(\.name)
        for name in names { #expect(!names.contains { $0.hasPrefix(name + ".") }, "\(name)") }
    }
}

@Suite("Name tables")
struct NameTableTests {
    @Test(
        "each table maps every canonical name once and round-trips every layer",
        arguments: NameTable.all.map(\.convention))
    func roundTrip(_ convention: Convention) throws {
        let map = NameMap(NameTable.table(for: convention))
        let canonical = map.table.rules.map(\.canonical)
        #expect(Set(canonical).count == canonical.count, "a canonical name appears twice")
        for layer in [0, 1, 9, 10, 11, 23] {
            for rule in map.table.rules {
                let canonicalName = rule.canonical.replacingOccurrences(of: "{i}", with: String(layer))
                let (sourceKey, transform) = try #require(map.source(ofCanonical: canonicalName))
                guard case .mapped(let targets) = map.resolve(sourceKey) else {
                    Issue.record("\(sourceKey) does not resolve"); continue
                }
                #expect(targets.contains { $0.canonical == canonicalName && $0.transform == transform }, "\(sourceKey)")
            }
        }
    }

    @Test("fused attention splits into q, k, v in that order")
    func fusedAttention() {
        guard
            case .mapped(let targets) = NameMap(.openAI).resolve("visual.transformer.resblocks.10.attn.in_proj_weight")
        else {
            Issue.record("in_proj_weight not mapped"); return
        }
        #expect(
            targets.map(\.canonical) == [
                "vision.blocks.10.attn.q_proj.weight", "vision.blocks.10.attn.k_proj.weight",
                "vision.blocks.10.attn.v_proj.weight",
            ])
        #expect(
            targets.map(\.transform) == [
                .splitRows(part: 0, parts: 3), .splitRows(part: 1, parts: 3), .splitRows(part: 2, parts: 3),
            ])
    }

    @Test("known buffers are dropped with a reason and strangers are unknown")
    func drops() {
        #expect(NameMap(.huggingFace).resolve("text_model.embeddings.position_ids") != .unknown)
        #expect(NameMap(.openAI).resolve("transformer.resblocks.3.attn_mask") != .unknown)
        #expect(NameMap(.openAI).resolve("decode_head.q_proj.weight") == .unknown)
        #expect(NameMap(.openAI).resolve("visual.transformer.resblocks.07.ln_1.weight") == .unknown)
    }

    @Test("transform attribute spellings parse back")
    func transformSpelling() {
        for transform in [
            TensorTransform.identity, .transpose, .splitRows(part: 0, parts: 3), .splitRows(part: 2, parts: 3),
        ] {
            #expect(TensorTransform(attributeValue: transform.attributeValue) == transform)
        }
    }
}
