import Foundation
import TensorCore
import Testing
import _TestSupport

@testable import Layout

/// The prompts and head groups: their attributes round-trip, and the schema's `when` conditions give
/// each reconstructed option exactly its tensors.
@Suite("Prompt and head layout")
struct LDVCArchitectureTests {
    static func architecture(head: HeadArchitecture?, textPrompts: Bool = true) -> CLIPArchitecture {
        CLIPArchitecture(
            embedDim: 8,
            vision: VisionArchitecture(
                width: 4, layers: 3, heads: 2, patchSize: 2, imageSize: 8, gridSize: 4, mlpWidth: 8,
                layerNormEps: 1e-5, activation: .quickGELU),
            text: TextArchitecture(
                width: 4, layers: 2, heads: 1, contextLength: 6, vocabSize: 10, mlpWidth: 8,
                layerNormEps: 1e-5, activation: .quickGELU),
            ldvc: LDVCArchitecture(
                visionPrompts: VisionPromptArchitecture(tokens: 3, deepLayers: 2),
                textPrompts: textPrompts ? TextPromptArchitecture(tokens: 2, layers: 2) : nil, head: head))
    }

    static func ldvcHead(_ lctd: LCTDArchitecture) -> HeadArchitecture {
        HeadArchitecture(kind: .ldvc, width: 8, heads: 2, imageSize: 8, lctd: lctd)
    }

    static let defaults = LCTDArchitecture(
        tapLayers: LCTDArchitecture.Defaults.tapLayers(visionLayers: 3), mlpWidth: 16, routeWindows: 2, routeTopK: 2)

    static func names(_ architecture: CLIPArchitecture) throws -> [String: [Int]] {
        Dictionary(
            uniqueKeysWithValues: try LayoutSchema.current.expectedTensors(for: architecture).filter { !$0.optional }
                .map { ($0.name, $0.shape) })
    }

    @Test("The recommended choices are the defaults")
    func defaultsAreTheRecommendation() {
        let d = Self.defaults
        #expect(LCTDArchitecture.Defaults.tapLayers(visionLayers: 12) == [7, 11])
        #expect(d.tapProjection == .learned && d.conv == .depthwise && d.convKernel == 3 && d.fusion == .addThenConv)
        #expect(d.normPosition == .pre && d.normEps == 1e-6 && d.activation == .gelu && d.routeScale == .qkDim)
        #expect(d.routeLePEKernel == 0 && d.routeOutputProjection && !d.classNorm && !d.finalNorm)
        #expect(LCTDArchitecture(tapLayers: [7, 11], mlpWidth: 2048).routeWindows == 8)
        #expect(LCTDArchitecture(tapLayers: [7, 11], mlpWidth: 2048).routeTopK == 16)
        let head = HeadArchitecture(kind: .ldvc, width: 512, heads: 8, imageSize: 512)
        #expect(head.stride == 426 && head.cropSize == 512 && head.seenOffset == 0.1)
        #expect(head.pixelMean == [123.675, 116.28, 103.53] && head.pixelStd == [58.395, 57.12, 57.375])
        let text = TextPromptArchitecture(tokens: 6, layers: 12)
        #expect(text.start == 1 && !text.addPositionAtFirstLayer && text.template == "X X X X X X {}")
        #expect(VisionPromptArchitecture(tokens: 100, deepLayers: 11).normEps == 1e-6)
    }

    @Test("Options switch their tensors on and off with the right shapes")
    func conditionalTensors() throws {
        let base = try Self.names(Self.architecture(head: Self.ldvcHead(Self.defaults)))
        #expect(base["head.blocks.1.conv.weight"] == [8, 1, 3, 3])
        #expect(base["head.tap_proj.0.weight"] == [8, 4])
        #expect(base["head.blocks.0.route_attn.qkv.weight"] == [24, 8])
        #expect(base["head.blocks.0.route_attn.out_proj.weight"] == [8, 8])
        #expect(base["head.blocks.0.route_attn.lepe.weight"] == nil)
        #expect(base["head.final_norm.weight"] == nil && base["head.layers.0.norm2.weight"] == nil)
        #expect(base["prompts.vision.deep_embeddings"] == [2, 3, 4] && base["prompts.text.embeddings"] == [2, 2, 4])
        #expect(base["head.adapter.weight"] == [8, 16])

        var other = Self.defaults
        other.conv = .dense
        other.convKernel = 1
        other.tapProjection = .clipHead
        other.routeLePEKernel = 5
        other.routeOutputProjection = false
        other.classNorm = true
        other.finalNorm = true
        let alternative = try Self.names(Self.architecture(head: Self.ldvcHead(other)))
        #expect(alternative["head.blocks.0.conv.weight"] == [8, 8, 1, 1])
        #expect(alternative["head.tap_proj.0.weight"] == nil)
        #expect(alternative["head.blocks.1.route_attn.lepe.weight"] == [8, 1, 5, 5])
        #expect(alternative["head.blocks.0.route_attn.out_proj.weight"] == nil)
        #expect(alternative["head.blocks.0.class_norm.bias"] == [8] && alternative["head.final_norm.weight"] == [8])
        other.conv = .none
        #expect(try Self.names(Self.architecture(head: Self.ldvcHead(other)))["head.blocks.0.conv.weight"] == nil)

        let zegclip = HeadArchitecture(
            kind: .zegclip, width: 8, heads: 2, imageSize: 8, atm: ATMDecoderArchitecture(mlpWidth: 32))
        let all = try LayoutSchema.current.expectedTensors(for: Self.architecture(head: zegclip, textPrompts: false))
        #expect(
            all.contains {
                $0.name == "head.layers.2.cross_attn.out_proj.weight" && $0.shape == [8, 8] && !$0.optional
            })
        #expect(all.contains { $0.name == "head.layers.0.self_attn.q_proj.weight" && $0.optional })
        #expect(!all.contains { $0.name.hasPrefix("head.blocks.") || $0.name.hasPrefix("prompts.text.") })
    }

    @Test("Group attributes round-trip through the writer and reader; a tensor of a disabled option is refused")
    func roundTrip() throws {
        var options = Self.defaults
        options.routeLePEKernel = 3
        options.normPosition = .post
        let architecture = Self.architecture(head: Self.ldvcHead(options))
        let folder = TemporaryFolder()
        let path = folder.file("ldvc.h5")
        let writer = try LayoutWriter(output: try AtomicOutput(destination: path, overwrite: false, inputs: []))
        for tensor in try LayoutSchema.current.expectedTensors(for: architecture) where !tensor.optional {
            try writer.write(
                tensor.name,
                tensor: try Tensor(
                    shape: tensor.shape, floats: [Float](repeating: 0.5, count: tensor.shape.reduce(1, *))),
                provenance: TensorProvenance(sourceName: tensor.name, transform: "identity", sourceDType: "f32"))
        }
        try writer.finish(LayoutAttributes(metadata: LayoutReaderTests.metadata(), architecture: architecture))
        #expect(try LayoutReader(path: path).architecture == architecture)

        // The same tensors under an architecture without LePE: the writer refuses the extra ones.
        var without = options
        without.routeLePEKernel = 0
        let refused = folder.file("refused.h5")
        let second = try LayoutWriter(output: try AtomicOutput(destination: refused, overwrite: false, inputs: []))
        for tensor in try LayoutSchema.current.expectedTensors(for: architecture) where !tensor.optional {
            try second.write(
                tensor.name,
                tensor: try Tensor(
                    shape: tensor.shape, floats: [Float](repeating: 0, count: tensor.shape.reduce(1, *))),
                provenance: TensorProvenance(sourceName: tensor.name, transform: "identity", sourceDType: "f32"))
        }
        #expect(throws: LayoutError.self) {
            try second.finish(
                LayoutAttributes(
                    metadata: LayoutReaderTests.metadata(),
                    architecture: Self.architecture(head: Self.ldvcHead(without))))
        }
        #expect(folder.contents() == ["ldvc.h5"])
    }
}
