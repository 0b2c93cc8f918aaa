import Foundation
import Layout
import TensorCore
import Testing
import _TestSupport

@testable import Runtime

/// The kernels' two-worker paths (row-split matmul, LayerNorm, activations, per-head and per-prompt
/// attention, route attention) give exactly the single-worker result: each worker owns whole rows,
/// so nothing is summed in a different order. The model is wide enough (256) that every split
/// happens; the tiny fixture models fall under the hand-off threshold.
@Suite("Parallel kernels")
struct ParallelKernelTests {
    static func architecture(head: HeadArchitecture, textPrompts: TextPromptArchitecture?) -> CLIPArchitecture {
        CLIPArchitecture(
            embedDim: 64,
            vision: VisionArchitecture(
                width: 256, layers: 2, heads: 4, patchSize: 4, imageSize: 64, gridSize: 16, mlpWidth: 1024,
                layerNormEps: 1e-5, activation: .quickGELU),
            text: TextArchitecture(
                width: 256, layers: 2, heads: 4, contextLength: 24, vocabSize: 50, mlpWidth: 1024, layerNormEps: 1e-5,
                activation: .gelu),
            ldvc: LDVCArchitecture(
                visionPrompts: VisionPromptArchitecture(tokens: 8, deepLayers: 1), textPrompts: textPrompts, head: head)
        )
    }

    static let heads: [(String, HeadArchitecture, TextPromptArchitecture?)] = [
        (
            "zegclip",
            HeadArchitecture(
                kind: .zegclip, width: 64, heads: 4, imageSize: 64, atm: ATMDecoderArchitecture(mlpWidth: 256)),
            nil
        ),
        (
            "ldvc",
            HeadArchitecture(
                kind: .ldvc, width: 64, heads: 4, imageSize: 64,
                lctd: LCTDArchitecture(tapLayers: [0, 1], mlpWidth: 256, routeWindows: 4, routeTopK: 4)),
            TextPromptArchitecture(tokens: 3, layers: 2)
        ),
    ]

    /// Every tensor the schema asks for, filled with seeded values in ±0.25.
    static func writeModel(_ architecture: CLIPArchitecture, to path: String) throws {
        let writer = try LayoutWriter(output: try AtomicOutput(destination: path, overwrite: false, inputs: []))
        var seed: UInt64 = 0x5EED
        for tensor in try LayoutSchema.current.expectedTensors(for: architecture) where !tensor.optional {
            let values = (0..<tensor.shape.reduce(1, *)).map { _ -> Float in
                seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return Float(Int(seed >> 40) % 2001 - 1000) / 4000
            }
            try writer.write(
                tensor.name, tensor: try Tensor(shape: tensor.shape, floats: values),
                provenance: TensorProvenance(sourceName: tensor.name, transform: "identity", sourceDType: "f32"))
        }
        try writer.finish(
            LayoutAttributes(
                metadata: LayoutMetadata(
                    producer: "test", sourceFile: "none", sourceSize: 0, sourceSHA256: "", sourceFormat: "torch-zip",
                    sourceConvention: "openai", sourceWrapper: "", dtypePolicy: "keep", architectureSources: [:],
                    droppedTensors: [], tiedTensors: []),
                architecture: architecture))
    }

    static func taps(of path: String, threads: Int) throws -> TapRecorder {
        let runtime = try LDVCRuntime(path: path, threads: threads)
        let recorder = TapRecorder()
        let tokens = [[48, 3, 4, 5, 49, 0], [48, 6, 7, 8, 9, 49], [48, 1, 2, 3, 49, 0]]
        let classes = try runtime.encodeTexts(tokens, cache: false, taps: recorder)
        let pixels: [Float] = (0..<(3 * 64 * 64)).map { index in
            let level = (index * 7919) % 255
            return Float(level) / 127.5 - 1
        }
        let image = try Image(height: 64, width: 64, pixels: pixels)
        _ = try runtime.segmentCrop(image, classes: classes, seenClasses: [1], taps: recorder)
        return recorder
    }

    @Test("1 and 2 workers give bit-identical taps, and the 2-worker run splits its loops", arguments: [0, 1])
    func sameTaps(variant: Int) throws {
        let (_, head, prompts) = Self.heads[variant]
        let folder = TemporaryFolder()
        let path = folder.file("wide.h5")
        try Self.writeModel(Self.architecture(head: head, textPrompts: prompts), to: path)
        let single = try Self.taps(of: path, threads: 1)
        let before = Parallel.handOffs.value
        let double = try Self.taps(of: path, threads: 2)
        #expect(Parallel.handOffs.value - before > 20, "the two-worker paths did not run")
        #expect(single.order == double.order)
        for name in single.order {
            let one = try #require(single.taps[name]), two = try #require(double.taps[name])
            #expect(one.shape == two.shape, "\(name)")
            #expect(
                one.values.map(\.bitPattern) == two.values.map(\.bitPattern), "\(name) differs between 1 and 2 workers")
        }
    }
}
