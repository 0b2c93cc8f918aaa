import TensorCore

extension EvaluationShard {
    /// Adds shards up: the union of their shards and images and the exact sum of their matrices. The inputs may be
    /// partial merges themselves and come in any order; the result is the same value (and the same JSON) for every
    /// grouping and order. `source` names each input in errors (its file path).
    ///
    /// Refused, naming the file and the first input it disagrees with: different class names, ignore index,
    /// reduce_zero_label, zero-shot split, model (SHA-256 when both have one, else path), run settings, shard count
    /// or dataset image list; a shard index present twice (with an image both hold); counts overflowing 64 bits.
    /// Missing shards or images are not an error here (`checkComplete`), so partial merges work.
    public static func merge(_ parts: [(source: String, shard: EvaluationShard)]) throws(EvaluationError)
        -> EvaluationShard
    {
        guard let first = parts.first else { throw .noShards }
        var result = first.shard
        var sourceOfShard: [Int: String] = [:]
        for index in first.shard.shardIndices { sourceOfShard[index] = first.source }
        for part in parts.dropFirst() {
            try part.shard.checkCompatible(with: first.shard, source: part.source, reference: first.source)
            for index in part.shard.shardIndices {
                if let earlier = sourceOfShard[index] {
                    let shared = part.shard.evaluatedPositions.intersection(result.evaluatedPositions).min()
                    throw .duplicateShard(
                        path: part.source, reference: earlier, shard: index, shardCount: result.shardCount,
                        firstSharedImage: shared.map { result.datasetImages[$0] })
                }
                sourceOfShard[index] = part.source
            }
            try result.addMatrix(part.shard.matrix, source: part.source)
            result.absorb(shardIndices: part.shard.shardIndices, evaluatedPositions: part.shard.evaluatedPositions)
        }
        return result
    }

    /// Throws `mismatch` for the first thing that makes `self` (from `source`) and `reference` incomparable.
    func checkCompatible(with reference: EvaluationShard, source: String, reference referenceSource: String)
        throws(EvaluationError)
    {
        func mismatch(_ field: String, _ detail: String) -> EvaluationError {
            .mismatch(path: source, reference: referenceSource, field: field, detail: detail)
        }
        let mine = settings, theirs = reference.settings
        if mine.classNames != theirs.classNames {
            if mine.classCount != theirs.classCount {
                throw mismatch("class names", "\(mine.classCount) classes vs \(theirs.classCount)")
            }
            let index = mine.classNames.indices.first { mine.classNames[$0] != theirs.classNames[$0] } ?? 0
            throw mismatch(
                "class names",
                "class \(index) is \(mine.classNames[index].quotedForMessage()) vs "
                    + theirs.classNames[index].quotedForMessage())
        }
        if mine.ignoreIndex != theirs.ignoreIndex {
            throw mismatch("ignore_index", "\(mine.ignoreIndex) vs \(theirs.ignoreIndex)")
        }
        if mine.reduceZeroLabel != theirs.reduceZeroLabel {
            throw mismatch("reduce_zero_label", "\(mine.reduceZeroLabel) vs \(theirs.reduceZeroLabel)")
        }
        if mine.seenClassIndices != theirs.seenClassIndices {
            throw mismatch(
                "seen classes", "\(Self.describe(mine.seenClassIndices)) vs \(Self.describe(theirs.seenClassIndices))")
        }
        if let difference = model.difference(from: reference.model) { throw mismatch("model", difference) }
        if runSettings != reference.runSettings {
            let key = Set(runSettings.keys).union(reference.runSettings.keys).sorted().first {
                runSettings[$0] != reference.runSettings[$0]
            }
            let detail = key.map {
                "\($0.quotedForMessage()): \(Self.describe(runSettings[$0])) vs \(Self.describe(reference.runSettings[$0]))"
            }
            throw mismatch("run settings", detail ?? "")
        }
        if shardCount != reference.shardCount {
            throw mismatch("shard count", "\(shardCount) vs \(reference.shardCount)")
        }
        if datasetImages != reference.datasetImages {
            if datasetImages.count != reference.datasetImages.count {
                throw mismatch("dataset images", "\(datasetImages.count) images vs \(reference.datasetImages.count)")
            }
            let position = datasetImages.indices.first { datasetImages[$0] != reference.datasetImages[$0] } ?? 0
            throw mismatch(
                "dataset images",
                "image \(position) is \(datasetImages[position].quotedForMessage()) vs "
                    + reference.datasetImages[position].quotedForMessage())
        }
    }

    private static func describe(_ indices: [Int]?) -> String {
        guard let indices else { return "none" }
        let shown = indices.prefix(12).map(String.init).joined(separator: ", ")
        return "[\(shown)\(indices.count > 12 ? ", … (\(indices.count))" : "")]"
    }

    private static func describe(_ value: String?) -> String {
        value.map { $0.quotedForMessage() } ?? "absent"
    }
}
