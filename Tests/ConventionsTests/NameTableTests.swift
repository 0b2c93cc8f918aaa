import Foundation
import Testing

@testable import Conventions

@Suite("Name tables")
struct NameTableTests {
    @Test(
        "each table maps every canonical name once and round-trips every layer",
        arguments: ConventionRegistry.builtIn.names)
    func roundTrip(_ name: String) throws {
        let map = try #require(ConventionRegistry.builtIn.named(name)).map
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
