public import Foundation

/// The `metrics.json` document of a complete evaluation (`Schemas/evaluation/ldvc-evaluation-v1.md`). It holds
/// nothing about sharding, so one pass and any merge of shards give the same bytes.
public struct MetricsDocument: Sendable {
    /// The `format` value of metrics files.
    public static let formatName = "ldvc-evaluation-metrics"
    /// The `format_version` this code writes.
    public static let formatVersion = 1

    /// The metrics themselves.
    public let metrics: SegmentationMetrics
    /// The model that made the predictions.
    public let model: ModelIdentity
    /// The run settings the shards agreed on.
    public let runSettings: [String: String]
    /// Number of evaluated images.
    public let imageCount: Int
    /// The confusion matrix the metrics come from.
    public let matrix: ConfusionMatrix

    /// The metrics of `shard`, which must cover the whole dataset (`source` names it in the error if not).
    public init(shard: EvaluationShard, source: String) throws(EvaluationError) {
        try shard.checkComplete(source: source)
        metrics = try shard.metrics()
        model = shard.model
        runSettings = shard.runSettings
        imageCount = shard.images.count
        matrix = shard.matrix
    }

    /// The JSON file: pretty-printed, sorted keys, NaN as `null`.
    public func jsonData() throws(EvaluationError) -> Data {
        try JSONCoding.encode(file())
    }

    func file() -> MetricsFile {
        let settings = metrics.settings
        let classCount = settings.classCount
        let outside = classCount
        let seen = settings.seenClassIndices.map(Set.init)
        let classes = (0..<classCount).map { index in
            MetricsFile.ClassEntry(
                index: index, name: settings.classNames[index], seen: seen.map { $0.contains(index) },
                intersection: metrics.areas.intersection[index], union: metrics.areas.union[index],
                predicted: metrics.areas.predicted[index], labelled: metrics.areas.labelled[index],
                exact: .init(metrics.perClass, index), mmsegPrinted: .init(metrics.printedPerClass, index))
        }
        let labelOutside = (0...classCount).reduce(UInt64(0)) { $0 + matrix[label: outside, prediction: $1] }
        let predictionOutside = (0...classCount).reduce(UInt64(0)) { $0 + matrix[label: $1, prediction: outside] }
        let zeroShot = metrics.zeroShot.map {
            MetricsFile.ZeroShot(
                seenClassIndices: $0.seenClassIndices, unseenClassIndices: $0.unseenClassIndices,
                exact: .init($0.exact), mmsegPrinted: .init($0.printed))
        }
        return MetricsFile(
            format: Self.formatName, formatVersion: Self.formatVersion,
            model: ModelFile(path: model.path, sha256: model.sha256), runSettings: runSettings,
            ignoreIndex: settings.ignoreIndex, reduceZeroLabel: settings.reduceZeroLabel, imageCount: imageCount,
            pixelCounts: .init(
                total: matrix.pixelCount, ignored: matrix.ignoredPixelCount,
                evaluated: matrix.pixelCount - matrix.ignoredPixelCount, labelOutsideClasses: labelOutside,
                predictionOutsideClasses: predictionOutside),
            summary: .init(exact: .init(metrics.summary), mmsegPrinted: .init(metrics.printedSummary)),
            zeroShot: zeroShot, classes: classes)
    }
}
