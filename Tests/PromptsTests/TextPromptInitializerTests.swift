import Conversion
import Foundation
import HDF5
import Layout
import Runtime
import TensorCore
import Testing
import _TestSupport

@testable import Export
@testable import Prompts

/// A converted copy of `clip_fullvocab.pt` (CLIP's whole vocabulary, context 77, text width 16, 3 layers).
final class FullVocabularyModel: @unchecked Sendable {
    /// Both towers have 2 heads of 8 (shapes cannot tell; the fixture script built them so).
    static var options: ConversionOptions {
        var options = ConversionOptions()
        options.visionHeads = 2
        options.textHeads = 2
        return options
    }

    let folder = TemporaryFolder("ldvc-prompts")
    let path: String
    let reader: LayoutReader

    init() throws {
        path = folder.file("clip_fullvocab.h5")
        _ = try Converter.convert(input: PromptFixtures.path("clip_fullvocab.pt"), output: path, options: Self.options)
        reader = try LayoutReader(path: path)
    }
}

@Suite("Language prompts: pretrain (template hidden states) and random")
struct TextPromptInitializerTests {
    /// The references' hidden states entering each layer at `positions`, [layers][positions × W].
    static func reference(_ template: Int, _ which: String, positions: [Int]) throws -> (ids: [Int], rows: [[Float]]) {
        let group = try PromptFixtures.group("text_layer_inputs.h5", "template_\(template)")
        let data = try group.dataset(which)
        let (layers, context, width) = (data.shape[0], data.shape[1], data.shape[2])
        let values = try data.readFloats()
        var rows: [[Float]] = []
        for layer in 0..<layers {
            var row: [Float] = []
            for position in positions {
                let start = (layer * context + position) * width
                row += values[start..<(start + width)]
            }
            rows.append(row)
        }
        return (try PromptFixtures.integers(group, "token_ids"), rows)
    }

    static func expectClose(_ ours: [[Float]], _ reference: [[Float]], _ label: String) {
        #expect(ours.count == reference.count, "\(label): layer count")
        for (layer, (a, b)) in zip(ours, reference).enumerated() {
            let bound = TolerancePolicy.fp32.relative * Double(b.map { abs($0) }.max() ?? 0)
            let error = zip(a, b).map { Double(abs($0 - $1)) }.max() ?? .infinity
            #expect(a.count == b.count && error <= bound, "\(label) layer \(layer): max abs error \(error) > \(bound)")
        }
    }

    static func layers(_ prompts: TextPrompts) -> [[Float]] {
        let values = prompts.embeddings.floats(), perLayer = values.count / prompts.embeddings.shape[0]
        return (0..<prompts.embeddings.shape[0]).map { Array(values[($0 * perLayer)..<(($0 + 1) * perLayer)]) }
    }

    @Test(
        "\"a photo of a\": SOT, a, photo, of, a, EOT entering each layer equal OpenAI's and open_clip's hidden states")
    func photoOfA() throws {
        let model = try FullVocabularyModel()
        let prompts = try TextPromptInitializer.pretrain(reader: model.reader, template: "a photo of a", tokens: 6)
        #expect(prompts.warnings.isEmpty)
        #expect(prompts.embeddings.shape == [3, 6, 16])
        #expect(prompts.initialization.method == .pretrain)
        #expect(prompts.initialization.positions == [0, 1, 2, 3, 4, 5])
        for which in ["openai", "open_clip"] {
            let reference = try Self.reference(0, which, positions: Array(0..<6))
            #expect(prompts.initialization.tokenIDs == reference.ids)
            #expect(reference.ids == [49406, 320, 1125, 539, 320, 49407])
            Self.expectClose(Self.layers(prompts), reference.rows, which)
        }
    }

    @Test(
        "other templates and explicit positions follow the documented rule",
        arguments: [
            (1, nil as [Int]?, true), (2, nil, true), (3, nil, true), (1, [1, 2, 3, 4, 5, 6], false),
        ])
    func otherTemplates(_ index: Int, _ positions: [Int]?, _ warns: Bool) throws {
        let model = try FullVocabularyModel()
        let template = try PromptFixtures.group("text_layer_inputs.h5", "template_\(index)").stringAttribute("template")
        let prompts = try TextPromptInitializer.pretrain(
            reader: model.reader, template: template, tokens: 6, positions: positions)
        let chosen = positions ?? Array(0..<6)
        #expect(prompts.initialization.positions == chosen)
        #expect(prompts.warnings.count == (warns ? 1 : 0), "\(prompts.warnings)")
        if warns { #expect(prompts.warnings[0].contains("gives") && prompts.warnings[0].contains("--positions")) }
        let reference = try Self.reference(index, "openai", positions: chosen)
        #expect(prompts.initialization.tokenIDs == reference.ids)
        Self.expectClose(Self.layers(prompts), reference.rows, template)
    }

    @Test("fewer prompted layers take the first ones")
    func fewerLayers() throws {
        let model = try FullVocabularyModel()
        let prompts = try TextPromptInitializer.pretrain(
            reader: model.reader, template: "a photo of a", tokens: 6, layers: 2)
        #expect(prompts.embeddings.shape == [2, 6, 16])
        Self.expectClose(
            Self.layers(prompts), Array(try Self.reference(0, "openai", positions: Array(0..<6)).rows.prefix(2)),
            "2 layers")
    }

    @Test("random: N(0, 0.02²) from the seed equals PyTorch's nn.init.normal_", arguments: ["seed_0", "seed_5"])
    func random(_ name: String) throws {
        let group = try PromptFixtures.group("rng.h5", "text_random", name)
        let width = Int(try group.intAttribute("width"))
        let text = TextArchitecture(
            width: width, layers: Int(try group.intAttribute("layers")), heads: 2, contextLength: 16,
            vocabSize: 100, mlpWidth: 4 * width, layerNormEps: 1e-5, activation: .quickGELU)
        let prompts = try TextPromptInitializer.random(
            path: "model.h5", text: text, tokens: Int(try group.intAttribute("tokens")),
            seed: UInt64(try group.intAttribute("seed")))
        #expect(
            PromptFixtures.bitDifferences(prompts.embeddings.floats(), try PromptFixtures.floats(group, "embeddings"))
                == 0)
        #expect(prompts.initialization.scale == 0.02)
    }

    @Test("random for CLIP ViT-B's text tower (12 × 6 × 512) hashes to PyTorch's")
    func randomViTB() throws {
        let group = try PromptFixtures.group("rng.h5", "text_random", "vit_b16_seed_0")
        let text = TextArchitecture(
            width: 512, layers: 12, heads: 8, contextLength: 77, vocabSize: 49408, mlpWidth: 2048,
            layerNormEps: 1e-5, activation: .quickGELU)
        let prompts = try TextPromptInitializer.random(path: "model.h5", text: text, tokens: 6, seed: 0)
        #expect(PromptFixtures.sha256(prompts.embeddings.floats()) == (try group.stringAttribute("sha256:embeddings")))
    }

    @Test("bad requests are refused with the file named and the cause")
    func refusals() throws {
        let model = try FullVocabularyModel()
        let reader = model.reader, path = model.path
        #expect(throws: PromptsError.emptyTemplate(path: path)) {
            try TextPromptInitializer.pretrain(reader: reader, template: "  ", tokens: 6)
        }
        let long = Array(repeating: "photo", count: 80).joined(separator: " ")
        #expect(throws: PromptsError.templateTooLong(path: path, template: long, tokens: 82, context: 77)) {
            try TextPromptInitializer.pretrain(reader: reader, template: long, tokens: 6)
        }
        #expect { try TextPromptInitializer.pretrain(reader: reader, template: "a photo of a", tokens: 76) } throws: {
            error in
            guard case .promptCount(_, let reason) = error as? PromptsError else { return false }
            return reason.contains("76 language prompt tokens do not fit")
        }
        #expect {
            try TextPromptInitializer.pretrain(reader: reader, template: "a photo of a", tokens: 6, layers: 4)
        } throws: { error in
            (error as? PromptsError).map { "\($0)".contains("4 prompted text layers; the text encoder has 3") } ?? false
        }
        #expect {
            try TextPromptInitializer.pretrain(
                reader: reader, template: "a photo of a", tokens: 6, positions: [0, 1, 2, 3, 4, 77])
        } throws: { error in
            (error as? PromptsError).map { "\($0)".contains("position 77 is outside the context of 77") } ?? false
        }
    }

    @Test("a model whose vocabulary is not CLIP's cannot take template ids")
    func smallVocabulary() throws {
        let folder = TemporaryFolder("ldvc-prompts")
        let path = folder.file("tiny.h5")
        _ = try Converter.convert(
            input: FixturePath.fixture("torch/openai_fp32.pt"), output: path, options: ConversionOptions())
        #expect {
            try TextPromptInitializer.pretrain(
                reader: try LayoutReader(path: path), template: "a photo of a", tokens: 6)
        } throws: { error in
            (error as? PromptsError).map { "\($0)".contains("outside the model's vocabulary of 1000") } ?? false
        }
    }
}

@Suite("Models that cannot take the prompts")
struct PromptTowerTests {
    @Test(
        "a model without a text encoder refuses language prompts, one without a vision encoder visual prompts; nothing is written"
    )
    func missingTowers() throws {
        let model = try FullVocabularyModel()
        for (tower, prefix) in [("text", "text."), ("vision", "vision.")] {
            // A one-tower copy: export the other tower's tensors only, convert that back.
            let checkpoint = model.folder.file("no-\(tower).pt")
            _ = try Exporter.export(
                input: model.path, output: checkpoint, naming: ExportNaming(.openAI), dtype: .source, format: nil,
                overwrite: false,
                include: { !$0.hasPrefix(prefix) }, what: "")
            let oneTower = model.folder.file("no-\(tower).h5")
            _ = try Converter.convert(input: checkpoint, output: oneTower, options: FullVocabularyModel.options)
            var request = PromptRequest()
            request.textInitialization = tower == "text" ? .template("a photo of a") : .random
            if tower == "text" { request.visualTokens = 0 } else { request.textTokens = 0 }
            let output = model.folder.file("out-\(tower).h5")
            #expect(throws: PromptsError.missingTower(path: oneTower, tower: tower)) {
                try PromptInjector.inject(
                    input: oneTower, output: output, request: request, overwrite: false, producer: "test")
            }
            #expect(!FileManager.default.fileExists(atPath: output))
        }
    }
}
