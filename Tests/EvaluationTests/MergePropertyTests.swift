import Foundation
import PropertyBased
import Testing

@testable import Evaluation

/// Random datasets, random splits, random merge orders and groupings: always the one-pass result.
@Suite("Merging is exact, associative and commutative")
struct MergePropertyTests {
    /// One pixel from a small integer: an 8-bit label from a list that includes ≥ C values and 255, and a
    /// prediction from −1 to 6 (so some fall outside 0..<C for C ≤ 5).
    static func pixel(_ code: Int) -> (label: UInt8, prediction: Int) {
        let labels: [UInt8] = [0, 1, 2, 3, 4, 5, 9, 255]
        return (labels[code % 8], code / 8 - 1)
    }

    struct Dataset {
        let settings: EvaluationSettings
        let names: [String]
        let images: [(labels: [UInt8], predictions: [Int])]

        init(classCount: Int, reduceZeroLabel: Bool, codes: [[Int]]) throws {
            settings = try EvaluationSettings(
                classNames: (0..<classCount).map { "class \($0)" }, reduceZeroLabel: reduceZeroLabel,
                seenClassIndices: [0])
            names = codes.indices.map { "image_\($0).png" }
            images = codes.map { pixels in
                let decoded = pixels.map(MergePropertyTests.pixel)
                return (decoded.map(\.label), decoded.map(\.prediction))
            }
        }

        func shard(_ selector: ShardSelector) throws -> EvaluationShard {
            var shard = try EvaluationShard(
                settings: settings, model: try ModelIdentity(path: "m.h5"), datasetImages: names, shard: selector)
            for position in names.indices.reversed() where selector.contains(position: position) {
                try shard.add(
                    image: names[position], predictions: images[position].predictions, labels: images[position].labels)
            }
            // Through the file format, as --merge reads them.
            return try EvaluationShard.decode(try shard.jsonData(), source: "shard \(selector)")
        }
    }

    @Test("Merge of any split in any order and grouping equals one pass, down to the JSON bytes")
    func mergeEqualsOnePass() async {
        let codes = Gen.int(in: 0...63).array(of: 0...20).array(of: 1...9)
        let setup = zip(Gen.int(in: 2...5), Gen.int(in: 1...6), Gen.int(in: 0...1))
        let arrangement = zip(Gen.shuffled(Array(0..<6)), Gen.int(in: 1...5))
        await propertyCheck(count: 60, input: codes, setup, arrangement) { codes, setup, arrangement in
            let (classCount, shardCount, reduce) = setup
            let (order, split) = arrangement
            let dataset = try Dataset(classCount: classCount, reduceZeroLabel: reduce == 1, codes: codes)
            let whole = try dataset.shard(.whole)
            let shards = try (1...shardCount).map { try dataset.shard(try ShardSelector(index: $0, count: shardCount)) }
            let parts = order.filter { $0 < shardCount }.map { (source: "s\($0 + 1).json", shard: shards[$0]) }

            let flat = try EvaluationShard.merge(parts)
            #expect(flat.isComplete)
            #expect(flat.matrix == whole.matrix)
            #expect(flat.images == whole.images)
            let metrics = try MetricsDocument(shard: flat, source: "merged").jsonData()
            #expect(metrics == (try MetricsDocument(shard: whole, source: "whole").jsonData()))

            // Regroup: (first `cut` parts) merged separately from the rest, then both merged, in both orders.
            let cut = min(split, parts.count - 1)
            if cut >= 1 {
                let head = try EvaluationShard.merge(Array(parts[..<cut]))
                let tail = try EvaluationShard.merge(Array(parts[cut...]))
                let grouped = try EvaluationShard.merge([(source: "head", shard: head), (source: "tail", shard: tail)])
                let swapped = try EvaluationShard.merge([(source: "tail", shard: tail), (source: "head", shard: head)])
                #expect(grouped == flat && swapped == flat)
                #expect(try grouped.jsonData() == flat.jsonData())
            }
        }
    }
}
