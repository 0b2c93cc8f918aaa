public import Foundation
import TensorCore

/// The JSON form of a shard file (`Schemas/evaluation/ldvc-evaluation-v1.md`).
struct ShardFile: Codable {
    var format: String
    var formatVersion: Int
    var model: ModelFile
    var runSettings: [String: String]
    var classNames: [String]
    var ignoreIndex: Int
    var reduceZeroLabel: Bool
    var seenClassIndices: [Int]?
    var shardCount: Int
    var shardIndices: [Int]
    var datasetImages: [String]
    var images: [String]
    var ignoredPixelCount: UInt64
    var confusionMatrix: [[UInt64]]

    enum CodingKeys: String, CodingKey {
        case format
        case formatVersion = "format_version"
        case model
        case runSettings = "run_settings"
        case classNames = "class_names"
        case ignoreIndex = "ignore_index"
        case reduceZeroLabel = "reduce_zero_label"
        case seenClassIndices = "seen_class_indices"
        case shardCount = "shard_count"
        case shardIndices = "shard_indices"
        case datasetImages = "dataset_images"
        case images
        case ignoredPixelCount = "ignored_pixel_count"
        case confusionMatrix = "confusion_matrix"
    }
}

/// The `model` object of shard and metrics files.
struct ModelFile: Codable {
    var path: String
    var sha256: String?
}

/// The two fields read first, so that another format or version is reported as such.
private struct FormatHeader: Decodable {
    var format: String
    var formatVersion: Int

    enum CodingKeys: String, CodingKey {
        case format
        case formatVersion = "format_version"
    }
}

extension EvaluationShard {
    /// The shard file: pretty-printed JSON with sorted keys (equal shards give equal bytes).
    public func jsonData() throws(EvaluationError) -> Data {
        try JSONCoding.encode(
            ShardFile(
                format: Self.formatName, formatVersion: Self.formatVersion,
                model: ModelFile(path: model.path, sha256: model.sha256), runSettings: runSettings,
                classNames: settings.classNames, ignoreIndex: settings.ignoreIndex,
                reduceZeroLabel: settings.reduceZeroLabel, seenClassIndices: settings.seenClassIndices,
                shardCount: shardCount, shardIndices: shardIndices, datasetImages: datasetImages, images: images,
                ignoredPixelCount: matrix.ignoredPixelCount, confusionMatrix: matrix.rows))
    }

    /// Reads a shard file, refusing files over `limits.maximumFileBytes` before reading them whole.
    public static func read(path: String, limits: EvaluationLimits = .standard) throws(EvaluationError)
        -> EvaluationShard
    {
        try decode(JSONCoding.read(path: path, limit: limits.maximumFileBytes), source: path, limits: limits)
    }

    /// Decodes and checks a shard file's bytes (`source` names it in errors). Everything is checked against
    /// everything else: the matrix shape against the class count (bounded by the limits before the matrix is
    /// built), shard indices against the shard count, images against the dataset list and their shards, and the
    /// counts' total against 64 bits.
    public static func decode(_ data: Data, source: String, limits: EvaluationLimits = .standard)
        throws(EvaluationError) -> EvaluationShard
    {
        guard data.count <= limits.maximumFileBytes else {
            throw .fileTooLarge(path: source, limit: limits.maximumFileBytes)
        }
        let header = try JSONCoding.decode(FormatHeader.self, from: data, source: source)
        guard header.format == formatName, header.formatVersion == formatVersion else {
            throw .unsupportedFormat(path: source, format: header.format, version: header.formatVersion)
        }
        let file = try JSONCoding.decode(ShardFile.self, from: data, source: source)
        func malformed(_ reason: String) -> EvaluationError { .malformed(path: source, reason: reason) }

        if let reason = EvaluationSettings.problem(
            classCount: file.classNames.count, seenClassIndices: file.seenClassIndices, limits: limits)
        {
            throw malformed(reason)
        }
        let settings = try EvaluationSettings(
            classNames: file.classNames, ignoreIndex: file.ignoreIndex, reduceZeroLabel: file.reduceZeroLabel,
            seenClassIndices: file.seenClassIndices, limits: limits)
        if let seen = file.seenClassIndices, seen != seen.sorted() {
            throw malformed("seen_class_indices are not ascending")
        }
        if let reason = ModelIdentity.problem(sha256: file.model.sha256) { throw malformed(reason) }
        let model = ModelIdentity(validPath: file.model.path, sha256: file.model.sha256)

        if let reason = ShardSelector.problem(index: 1, count: file.shardCount, limits: limits) {
            throw malformed("shard_count: \(reason)")
        }
        guard !file.shardIndices.isEmpty else { throw malformed("shard_indices is empty") }
        for (offset, index) in file.shardIndices.enumerated() {
            guard (1...file.shardCount).contains(index) else {
                throw malformed("shard index \(index) is outside 1...\(file.shardCount)")
            }
            guard offset == 0 || file.shardIndices[offset - 1] < index else {
                throw malformed("shard_indices are not strictly ascending")
            }
        }

        let positionOfImage = try indexImages(file.datasetImages, limits: limits, failure: malformed)
        let shards = Set(file.shardIndices)
        var evaluated = Set<Int>()
        var previous = -1
        for image in file.images {
            guard let position = positionOfImage[image] else {
                throw malformed("image \(image.quotedForMessage()) is not in dataset_images")
            }
            guard position > previous else {
                throw malformed("image \(image.quotedForMessage()) is repeated or out of dataset order")
            }
            let owner = ShardSelector.shardIndex(ofPosition: position, count: file.shardCount)
            guard shards.contains(owner) else {
                throw malformed(
                    "image \(image.quotedForMessage()) belongs to shard \(owner)/\(file.shardCount), "
                        + "which this file does not cover")
            }
            evaluated.insert(position)
            previous = position
        }

        let width = settings.classCount + 1
        guard file.confusionMatrix.count == width else {
            throw malformed("confusion_matrix has \(file.confusionMatrix.count) rows, expected \(width)")
        }
        if let row = file.confusionMatrix.firstIndex(where: { $0.count != width }) {
            throw malformed(
                "confusion_matrix row \(row) has \(file.confusionMatrix[row].count) counts, expected \(width)")
        }
        let matrix = try ConfusionMatrix(
            classCount: settings.classCount, rows: file.confusionMatrix, ignored: file.ignoredPixelCount,
            source: source)
        return EvaluationShard(
            settings: settings, model: model, runSettings: file.runSettings, datasetImages: file.datasetImages,
            positionOfImage: positionOfImage, shardCount: file.shardCount, shardIndices: file.shardIndices,
            matrix: matrix, evaluatedPositions: evaluated)
    }
}
