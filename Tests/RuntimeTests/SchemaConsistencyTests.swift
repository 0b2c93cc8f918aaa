import Foundation
import Layout
import Runtime
import TensorCore
import Testing
import _TestSupport

/// The layout schema and the runtime agree: for every head kind and every reconstructed option, a file
/// holding exactly the schema's tensors loads, every one of them is used, and a crop runs to finite scores.
@Suite("Schema and runtime agree")
struct SchemaConsistencyTests {
    static func architecture(_ head: HeadArchitecture, textPrompts: TextPromptArchitecture?) -> CLIPArchitecture {
        CLIPArchitecture(
            embedDim: 8,
            vision: VisionArchitecture(
                width: 8, layers: 3, heads: 2, patchSize: 2, imageSize: 8, gridSize: 4, mlpWidth: 16,
                layerNormEps: 1e-5, activation: .quickGELU),
            text: TextArchitecture(
                width: 8, layers: 2, heads: 2, contextLength: 8, vocabSize: 20, mlpWidth: 16,
                layerNormEps: 1e-5, activation: .gelu),
            ldvc: LDVCArchitecture(
                visionPrompts: VisionPromptArchitecture(tokens: 2, deepLayers: 1), textPrompts: textPrompts, head: head)
        )
    }

    static func variants() -> [(String, HeadArchitecture, TextPromptArchitecture?)] {
        let base = LCTDArchitecture(tapLayers: [1, 2], mlpWidth: 16, routeWindows: 2, routeTopK: 2)
        var result: [(String, HeadArchitecture, TextPromptArchitecture?)] = [
            (
                "zegclip",
                HeadArchitecture(
                    kind: .zegclip, width: 8, heads: 2, imageSize: 8, atm: ATMDecoderArchitecture(mlpWidth: 32)), nil
            ),
            (
                "ldvc defaults", HeadArchitecture(kind: .ldvc, width: 8, heads: 2, imageSize: 8, lctd: base),
                TextPromptArchitecture(tokens: 2, layers: 2)
            ),
        ]
        let changes: [(String, (inout LCTDArchitecture) -> Void)] = [
            ("clip_head taps", { $0.tapProjection = .clipHead }), ("dense 3×3 conv", { $0.conv = .dense }),
            (
                "1×1 conv",
                {
                    $0.conv = .dense; $0.convKernel = 1
                }
            ), ("no conv", { $0.conv = .none }),
            ("conv on tap", { $0.fusion = .convOnTap }), ("post-norm", { $0.normPosition = .post }),
            ("relu", { $0.activation = .relu }),
            ("head_dim scale", { $0.routeScale = .headDim }), ("LePE 5", { $0.routeLePEKernel = 5 }),
            ("no wo", { $0.routeOutputProjection = false }), ("class norm", { $0.classNorm = true }),
            ("final norm", { $0.finalNorm = true }),
            ("all windows routed", { $0.routeTopK = 4 }),
        ]
        for (label, change) in changes {
            var options = base
            change(&options)
            result.append(
                (
                    label, HeadArchitecture(kind: .ldvc, width: 8, heads: 2, imageSize: 8, lctd: options),
                    TextPromptArchitecture(tokens: 2, layers: 1, start: 1, addPositionAtFirstLayer: true)
                ))
        }
        return result
    }

    @Test(
        "Every variant loads from exactly the schema's tensors, uses all of them and runs",
        arguments: variants().map(\.0))
    func variant(label: String) throws {
        guard let (_, head, prompts) = Self.variants().first(where: { $0.0 == label }) else { return }
        let architecture = Self.architecture(head, textPrompts: prompts)
        let folder = TemporaryFolder()
        let path = folder.file("model.h5")
        let writer = try LayoutWriter(output: try AtomicOutput(destination: path, overwrite: false, inputs: []))
        var seed: UInt64 = 12345
        for tensor in try LayoutSchema.current.expectedTensors(for: architecture) where !tensor.optional {
            let values = (0..<tensor.shape.reduce(1, *)).map { _ -> Float in
                seed = seed &* 6364136223846793005 &+ 1442695040888963407
                return Float(Int(seed >> 40) % 2001 - 1000) / 4000
            }
            try writer.write(
                tensor.name, tensor: try Tensor(shape: tensor.shape, floats: values),
                provenance: TensorProvenance(sourceName: tensor.name, transform: "identity", sourceDType: "f32"))
        }
        try writer.finish(
            LayoutAttributes(
                metadata: LayoutMetadata(
                    producer: "test", sourceFile: "none", sourceSize: 0,
                    sourceSHA256: String(repeating: "0", count: 64),
                    sourceFormat: "torch-zip", sourceConvention: "openai", sourceWrapper: "", dtypePolicy: "keep",
                    architectureSources: [:], droppedTensors: [], tiedTensors: []),
                architecture: architecture))
        let runtime = try LDVCRuntime(path: path)
        #expect(runtime.unusedTensors == [])
        let tokens = [[18, 3, 4, 5, 19, 0, 0, 0], [18, 6, 7, 8, 9, 19, 0, 0], [18, 1, 1, 2, 19, 0, 0, 0]]
        let classes = try runtime.encodeTexts(tokens)
        let image = try Image(height: 8, width: 8, pixels: (0..<192).map { Float($0 % 7) / 3 - 1 })
        let scores = try runtime.segmentCrop(image, classes: classes, seenClasses: [0])
        #expect(scores.count == 3 * 8 * 8 && scores.allSatisfy(\.isFinite))
    }

    @Test("Text features depend only on tokens up to the end token, and the cache returns them unchanged")
    func endTokenAndCache() throws {
        let runtime = try LDVCRuntime(path: FixturePath.fixture("runtime/models/ldvc_tiny.h5"))
        let a = [98, 5, 5, 5, 40, 99, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        var b = a
        for index in 6..<16 { b[index] = 7 + index }  // different ids after the end token
        let direct = try runtime.encodeTexts([a, b], cache: false)
        // Equal up to sgemm's row-position-dependent rounding (the two prompts sit at different rows).
        #expect(zip(direct.row(0), direct.row(1)).allSatisfy { abs($0 - $1) < 1e-6 })
        let first = try runtime.encodeTexts([a, b])
        let again = try runtime.encodeTexts([b, a, b])
        #expect(again.row(0) == first.row(1) && again.row(1) == first.row(0) && again.row(2) == first.row(1))
    }

    @Test("Class names are put in the prompts' template and tokenized with CLIP's BPE")
    func classTokens() throws {
        let runtime = try LDVCRuntime(path: FixturePath.fixture("runtime/models/ldvc_tiny.h5"))
        #expect(runtime.classTemplate == "X X X {}")
        let tokens = try runtime.classTokens(["traffic light"])
        // [SOT, "x" ×3 (343 in CLIP's vocabulary, notes B2), name, EOT, zero padding to the context].
        #expect(Array(tokens[0][0..<4]) == [49406, 343, 343, 343])
        #expect(tokens[0].count == 16 && tokens[0].contains(49407))
        // The tiny model's vocabulary is 100 ids, so real CLIP ids are refused with the reason.
        let error = #expect(throws: RuntimeError.self) { try runtime.encodeClassNames(["cat"]) }
        #expect(error?.description.contains("outside the vocabulary of 100") == true)
    }
}
