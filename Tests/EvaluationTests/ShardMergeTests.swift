import Foundation
import Testing

@testable import Evaluation

/// Splitting a dataset into shards and merging them gives one pass's result, bit for bit.
@Suite("Shards merge into exactly the one-pass result")
struct ShardMergeTests {
    static func model() throws -> ModelIdentity {
        try ModelIdentity(path: "models/ldvc.h5", sha256: String(repeating: "ab", count: 32))
    }

    /// One pass over every image of a fixture case.
    static func onePass(_ input: EvaluationFixtures.Case) throws -> EvaluationShard {
        var shard = try EvaluationShard(
            settings: try input.settings(), model: try model(), runSettings: ["template": "a photo of a"],
            datasetImages: input.images.map(\.name))
        for image in input.images {
            try shard.add(image: image.name, predictions: image.predictions, labels: image.labels)
        }
        return shard
    }

    /// Shard K of N of a fixture case, written to JSON and read back as `--merge` would.
    static func shard(_ input: EvaluationFixtures.Case, _ index: Int, of count: Int) throws -> EvaluationShard {
        let selector = try ShardSelector(index: index, count: count)
        var shard = try EvaluationShard(
            settings: try input.settings(), model: try model(), runSettings: ["template": "a photo of a"],
            datasetImages: input.images.map(\.name), shard: selector)
        // Images in reverse order: the order of evaluation must not matter.
        for image in input.images.reversed() where selector.images(of: input.images.map(\.name)).contains(image.name) {
            try shard.add(image: image.name, predictions: image.predictions, labels: image.labels)
        }
        #expect(shard.pendingImages.isEmpty)
        let data = try shard.jsonData()
        let decoded = try EvaluationShard.decode(data, source: "shard-\(index).json")
        #expect(decoded == shard)
        #expect(try decoded.jsonData() == data)
        return decoded
    }

    @Test(
        "Any split into 1 to 6 shards, merged in any order or grouping, equals one pass",
        arguments: try EvaluationFixtures.caseNames())
    func splitAndMerge(_ name: String) throws {
        let input = try EvaluationFixtures.pair(name).0
        let whole = try Self.onePass(input)
        let wholeMetrics = try MetricsDocument(shard: whole, source: "one pass").jsonData()
        for count in 1...6 {
            let shards = try (1...count).map { try Self.shard(input, $0, of: count) }
            let labelled = shards.enumerated().map { (source: "shard-\($0.offset + 1).json", shard: $0.element) }
            let forward = try EvaluationShard.merge(labelled)
            let backward = try EvaluationShard.merge(labelled.reversed())
            #expect(forward == backward)
            #expect(try forward.jsonData() == backward.jsonData())
            #expect(forward.isComplete)
            #expect(forward.shardIndices == Array(1...count))
            #expect(forward.matrix == whole.matrix)
            #expect(forward.images == whole.images)
            #expect(try MetricsDocument(shard: forward, source: "merged").jsonData() == wholeMetrics)
            if count >= 3 {
                // ((1, 2), (3...)) and (1, (2, 3...)) as separately written partial merges.
                let left = try EvaluationShard.merge([
                    (source: "left.json", shard: try EvaluationShard.merge(Array(labelled[0..<2]))),
                    (source: "rest.json", shard: try EvaluationShard.merge(Array(labelled[2...]))),
                ])
                let partial = try EvaluationShard.merge(Array(labelled[1...]))
                #expect(!partial.isComplete)
                let roundTripped = try EvaluationShard.decode(try partial.jsonData(), source: "partial.json")
                let right = try EvaluationShard.merge([labelled[0], (source: "partial.json", shard: roundTripped)])
                #expect(left == forward)
                #expect(right == forward)
                #expect(try right.jsonData() == forward.jsonData())
            }
        }
    }

    @Test("A shard file round-trips to equal bytes and keeps everything the merge checks")
    func shardFileContents() throws {
        let input = try EvaluationFixtures.pair("basic").0
        let shard = try Self.shard(input, 2, of: 3)
        let data = try shard.jsonData()
        struct Header: Decodable {
            let format: String
            let formatVersion: Int
            let shardCount: Int
            let shardIndices: [Int]
            let images: [String]
            let datasetImages: [String]
            let seenClassIndices: [Int]?
            let confusionMatrix: [[UInt64]]
            let model: [String: String]
            enum CodingKeys: String, CodingKey {
                case format, images, model
                case formatVersion = "format_version"
                case shardCount = "shard_count"
                case shardIndices = "shard_indices"
                case datasetImages = "dataset_images"
                case seenClassIndices = "seen_class_indices"
                case confusionMatrix = "confusion_matrix"
            }
        }
        let header = try JSONDecoder().decode(Header.self, from: data)
        #expect(header.format == "ldvc-evaluation-shard" && header.formatVersion == 1)
        #expect(header.shardCount == 3 && header.shardIndices == [2])
        // Round robin: positions 1 and 4 of basic_0...basic_4.
        #expect(header.images == ["basic_1", "basic_4"])
        #expect(header.datasetImages == input.images.map(\.name))
        #expect(header.seenClassIndices == [0, 1, 2, 4])
        #expect(header.confusionMatrix.count == 8 && header.confusionMatrix.allSatisfy { $0.count == 8 })
        #expect(header.model["sha256"] == String(repeating: "ab", count: 32))
    }

    @Test("Digests decide model identity when both shards have one, paths otherwise")
    func modelIdentity() throws {
        let input = try EvaluationFixtures.pair("basic").0
        let settings = try input.settings()
        let names = input.images.map(\.name)
        func shard(_ model: ModelIdentity, _ index: Int) throws -> EvaluationShard {
            try EvaluationShard(
                settings: settings, model: model, datasetImages: names, shard: try ShardSelector(index: index, count: 2)
            )
        }
        let digest = String(repeating: "0f", count: 32)
        let merged = try EvaluationShard.merge([
            (source: "a.json", shard: try shard(ModelIdentity(path: "/a/model.h5", sha256: digest), 1)),
            (source: "b.json", shard: try shard(ModelIdentity(path: "/b/model.h5", sha256: digest.uppercased()), 2)),
        ])
        #expect(merged.model.path == "/a/model.h5")
        _ = try EvaluationShard.merge([
            (source: "a.json", shard: try shard(ModelIdentity(path: "model.h5"), 1)),
            (source: "b.json", shard: try shard(ModelIdentity(path: "model.h5", sha256: digest), 2)),
        ])
    }
}
