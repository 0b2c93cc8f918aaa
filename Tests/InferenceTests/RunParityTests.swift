import Foundation
import Inference
import Layout
import Runtime
import Testing
import _TestSupport

/// The goldens `scripts/make_golden.py` made from the scene picture with the real libraries are reproduced by
/// our own pipeline from the image file: embeddings, zero-shot probabilities and segmentation.
@Suite("Run parity with the reference libraries")
struct RunParityTests {
    typealias F = InferenceFixtures

    @Test("embed of scene.jpg and scene.png with the converted OpenAI model equals the golden's vision.embeds")
    func embed() throws {
        let folder = TemporaryFolder()
        let model = try InferenceModel(
            path: try F.convert(FixturePath.fixture("torch/openai_fp32.pt"), into: folder), threads: 1)
        let result = try Embedder.embed(model: model, images: [F.scene, F.scenePNG], texts: [])
        let golden = try GoldenFile(path: F.openAIGolden)
        let reference = try #require(golden.taps.first { $0.name == "vision.embeds" })
        let produced = result.images.flatMap(\.raw)
        #expect(reference.shape == [2, 32])
        let worst = F.maxAbsDifference(produced, reference.values) / F.maxAbs(reference.values)
        #expect(worst <= 1e-5, "relative error \(worst)")
        for row in result.images {
            let norm = row.normalized.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
            #expect(abs(norm - 1) < 1e-6)
        }
    }

    @Test("text embeddings of token ids equal the golden's text.embeds")
    func texts() throws {
        let folder = TemporaryFolder()
        let model = try InferenceModel(
            path: try F.convert(FixturePath.fixture("torch/openai_fp32.pt"), into: folder), threads: 1)
        let result = try Embedder.embed(
            model: model, images: [], texts: ["a", "b", "c"], tokenIDs: F.clipTokenIDs)
        let reference = try #require(try GoldenFile(path: F.openAIGolden).taps.first { $0.name == "text.embeds" })
        let worst = F.maxAbsDifference(result.texts.flatMap(\.raw), reference.values) / F.maxAbs(reference.values)
        #expect(worst <= 1e-5, "relative error \(worst)")
    }

    struct ReferenceModel: Decodable {
        let model: String
        let images: [String]
        let tokenIDs: [[Int]]
        let logitScale: Double
        let probabilities: [[Double]]
        enum CodingKeys: String, CodingKey {
            case model, images, probabilities
            case tokenIDs = "token_ids", logitScale = "logit_scale"
        }
    }

    struct ReferenceDocument: Decodable { let models: [ReferenceModel] }

    @Test(
        "classify probabilities equal openai-clip's and open_clip's on the scene pictures",
        arguments: ["torch/openai_fp32.pt", "torch/open_clip/open_clip_model.pt"])
    func classify(checkpoint: String) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: F.classifyReference))
        let document = try JSONDecoder().decode(ReferenceDocument.self, from: data)
        let reference = try #require(document.models.first { $0.model == checkpoint })
        let folder = TemporaryFolder()
        let model = try InferenceModel(path: try F.convert(FixturePath.fixture(checkpoint), into: folder), threads: 1)
        let images = reference.images.map { FixturePath.fixture("images/" + $0) }
        let result = try ZeroShotClassifier.classify(
            model: model, images: images, labels: ["a", "b", "c"], tokenIDs: reference.tokenIDs, topK: 3)
        #expect(abs(Double(result.logitScale) - reference.logitScale) <= 1e-6 * reference.logitScale)
        var worst = 0.0
        for (image, expected) in zip(result.images, reference.probabilities) {
            for (ours, theirs) in zip(image.probabilities, expected) { worst = max(worst, abs(Double(ours) - theirs)) }
            #expect(image.top.first?.index == expected.indices.max { expected[$0] < expected[$1] })
        }
        #expect(worst <= 2e-6, "max probability difference \(worst)")
    }

    @Test("segment of scene.jpg with zegclip_tiny.h5 equals the golden's sliding-window taps")
    func segment() throws {
        let model = try InferenceModel(path: F.zegclipModel, threads: 1)
        let golden = try GoldenFile(path: F.zegclipGolden)
        let classes = try Segmenter.classEmbeddings(
            model: model, classNames: F.zegclipClasses, tokenIDs: F.zegclipTokenIDs)
        let prepared = try model.pipeline.prepare(path: F.scene)
        let result = try Segmenter.segment(
            model: model, image: prepared, classes: classes, classNames: F.zegclipClasses, seen: golden.seenClasses)
        let labels = try #require(golden.taps.first { $0.name == "slide.segmentation" })
        let scores = try #require(golden.taps.first { $0.name == "slide.output_scores" })
        #expect(labels.shape == [1, result.labels.height, result.labels.width])
        #expect(F.differing(result.labels.labels.map(Float.init), labels.values) == 0)
        let worst = F.maxAbsDifference(result.scores, scores.values) / F.maxAbs(scores.values)
        #expect(worst <= 1e-5, "relative error \(worst)")
        #expect(result.classes.map(\.pixels).reduce(0, +) == 160 * 120)
    }

    @Test("an imported model supplies its classes, split and palette; segment then equals the golden")
    func storedDataset() throws {
        let folder = TemporaryFolder()
        let model = try InferenceModel(path: try F.importZegCLIP(into: folder), threads: 1)
        let names = try Segmenter.classNames(given: nil, model: model)
        #expect(names == ["cat", "grass", "sky", "road"])
        let seen = try Segmenter.seenClasses(given: nil, classNames: names, model: model)
        #expect(seen == [0, 1])
        #expect(try Segmenter.seenClasses(given: "none", classNames: names, model: model).isEmpty)
        #expect(try Segmenter.seenClasses(given: nil, classNames: ["a", "b", "c", "d"], model: model).isEmpty)
        let summaries = try Segmenter.run(
            model: model, images: [F.scene], classNames: names, seen: seen, tokenIDs: F.zegclipTokenIDs,
            folder: folder.path, writeScores: false, overwrite: false)
        let golden = try GoldenFile(path: F.zegclipGolden)
        let labels = try #require(golden.taps.first { $0.name == "slide.segmentation" })
        let counts = Dictionary(grouping: labels.values, by: { Int($0) }).mapValues(\.count)
        #expect(summaries.first?.present.map(\.index) == counts.keys.sorted())
        #expect(summaries.first?.present.map(\.pixels) == counts.keys.sorted().map { counts[$0] ?? 0 })
    }
}
