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
