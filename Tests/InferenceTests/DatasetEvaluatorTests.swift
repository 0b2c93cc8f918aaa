import Evaluation
import Foundation
import ImageProcessing
import Imaging
import Inference
import Testing
import _TestSupport

/// `evaluate` on a small labelled folder: pairing by stem, shards that merge into the one-pass file byte for
/// byte, and the annotations MMSeg would misread refused by name.
@Suite("Dataset evaluation")
struct DatasetEvaluatorTests {
    typealias F = InferenceFixtures

    /// Five images of three sizes, each with a label PNG of its size holding classes 0–3 and some 255.
    static func dataset(in folder: TemporaryFolder) throws -> (images: String, labels: String) {
        let images = folder.file("images"), labels = folder.file("labels")
        for path in [images, labels] {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        }
        let sources = [
            ("a_scene", F.scene), ("b_scene", F.scenePNG),
            ("c_photo", FixturePath.fixture("images/jpeg/baseline_420.jpg")),
            ("d_photo", FixturePath.fixture("images/jpeg/baseline_444.jpg")),
            ("e_photo", FixturePath.fixture("images/jpeg/progressive_420.jpg")),
        ]
        for (index, (stem, source)) in sources.enumerated() {
            let url = URL(fileURLWithPath: source)
            try FileManager.default.copyItem(atPath: source, toPath: images + "/" + stem + "." + url.pathExtension)
            let info = try ImageDecoder.info(path: source)
            let values = (0..<(info.width * info.height)).map { pixel -> UInt16 in
                pixel % 17 == 0 ? 255 : UInt16((pixel / info.width + index) % 4)
            }
            let map = try LabelMap(width: info.width, height: info.height, labels: values)
            let png = try PNGEncoder.encodeIndexed(map, palette: ClassPalette.generated(count: 4))
            _ = FileManager.default.createFile(atPath: labels + "/" + stem + ".png", contents: Data(png))
        }
        // A label without an image is left out; a hidden file is skipped.
        _ = FileManager.default.createFile(atPath: labels + "/z_orphan.png", contents: Data([1]))
        _ = FileManager.default.createFile(atPath: images + "/.hidden.jpg", contents: Data([1]))
        return (images, labels)
    }

    static func request(_ folders: (images: String, labels: String), shard: ShardSelector = .whole) throws
        -> EvaluationRequest
    {
        EvaluationRequest(
            imagesFolder: folders.images, labelsFolder: folders.labels,
            settings: try EvaluationSettings(classNames: F.zegclipClasses, seenClassIndices: [0, 1]), shard: shard,
            tokenIDs: F.zegclipTokenIDs)
    }

    @Test("images pair with labels by stem, in byte order of the stems")
    func pairing() throws {
        let folder = TemporaryFolder()
        let folders = try Self.dataset(in: folder)
        let pairs = try DatasetEvaluator.pairs(imagesFolder: folders.images, labelsFolder: folders.labels)
        #expect(pairs.map(\.name) == ["a_scene", "b_scene", "c_photo", "d_photo", "e_photo"])
        #expect(pairs.allSatisfy { URL(fileURLWithPath: $0.labels).lastPathComponent == $0.name + ".png" })
    }

    @Test("3 shards merged give the bytes of the one-pass metrics.json", arguments: [2, 3, 5])
    func shardsMergeExactly(count: Int) throws {
        let folder = TemporaryFolder()
        let folders = try Self.dataset(in: folder)
        let model = try InferenceModel(path: F.zegclipModel, threads: 1)
        let whole = try DatasetEvaluator.evaluate(model: model, request: try Self.request(folders))
        let onePass = try MetricsDocument(shard: whole, source: "whole").jsonData()
        var paths: [String] = []
        for index in 1...count {
            let shard = try DatasetEvaluator.evaluate(
                model: model, request: try Self.request(folders, shard: ShardSelector(index: index, count: count)))
            let path = folder.file("shard-\(index).json")
            _ = FileManager.default.createFile(atPath: path, contents: try shard.jsonData())
            paths.append(path)
        }
        let merged = try DatasetEvaluator.merge(paths: paths.reversed()).jsonData()
        #expect(merged == onePass)
        #expect(whole.images.count == 5)
        let metrics = try whole.metrics()
        #expect(metrics.zeroShot != nil)
        #expect(metrics.areas.labelled.reduce(0, +) > 0)
    }

    @Test("a 16-bit annotation with a value above 255 is refused by name")
    func sixteenBitLabels() throws {
        let folder = TemporaryFolder()
        let folders = try Self.dataset(in: folder)
        let info = try ImageDecoder.info(path: F.scene)
        let png = try PNGEncoder.encodeGrey16(
            width: info.width, height: info.height, samples: [UInt16](repeating: 300, count: info.width * info.height))
        _ = FileManager.default.createFile(atPath: folders.labels + "/a_scene.png", contents: Data(png))
        let model = try InferenceModel(path: F.zegclipModel, threads: 1)
        #expect {
            _ = try DatasetEvaluator.evaluate(model: model, request: try Self.request(folders))
        } throws: { error in
            guard let error = error as? InferenceError else { return false }
            return error.kind == .inputRefused && error.description.contains("16-bit label value 300 exceeds 255")
        }
    }

    @Test("an image without an annotation is refused, naming the missing file")
    func missingLabel() throws {
        let folder = TemporaryFolder()
        let folders = try Self.dataset(in: folder)
        try FileManager.default.removeItem(atPath: folders.labels + "/c_photo.png")
        #expect {
            _ = try DatasetEvaluator.pairs(imagesFolder: folders.images, labelsFolder: folders.labels)
        } throws: { error in
            (error as? InferenceError)?.description.contains("no c_photo.png for image c_photo.jpg") == true
        }
    }
}
