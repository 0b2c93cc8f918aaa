import TensorCore

/// The evaluation state of one or more shards of a dataset: settings, model, which images were evaluated, and their
/// confusion matrix. One `ldvc-convert evaluate --shard K/N` run writes one (`jsonData()`); `merge` adds several up
/// exactly; a complete one gives the metrics (`MetricsDocument`).
///
/// Images are identified by name within `datasetImages`, the whole dataset's list in a fixed order (which decides
/// the shard of each image, see `ShardSelector`). Every shard file carries that list, so a merge can tell which
/// images are missing or evaluated twice.
public struct EvaluationShard: Sendable, Equatable {
    /// The `format` value of shard files.
    public static let formatName = "ldvc-evaluation-shard"
    /// The `format_version` this code writes and reads.
    public static let formatVersion = 1

    /// Classes, ignore index, reduce_zero_label, zero-shot split.
    public let settings: EvaluationSettings
    /// The model that made the predictions.
    public let model: ModelIdentity
    /// Free-form settings of the run that must agree between shards (e.g. template, crop size), chosen by the caller.
    public let runSettings: [String: String]
    /// The whole dataset's image names, in shard-assignment order.
    public let datasetImages: [String]
    /// N of the split.
    public let shardCount: Int
    /// The shards (1...N) this document covers, ascending: one for a shard run, several after a merge.
    public private(set) var shardIndices: [Int]
    /// Counts over every evaluated image.
    public private(set) var matrix: ConfusionMatrix
    /// Dataset positions of the evaluated images.
    private(set) var evaluatedPositions: Set<Int>
    /// Position of every name in `datasetImages`.
    private let positionOfImage: [String: Int]

    /// An empty shard `shard` of the dataset `datasetImages` (distinct, non-empty names, at most
    /// `limits.maximumImageCount`).
    public init(
        settings: EvaluationSettings, model: ModelIdentity, runSettings: [String: String] = [:],
        datasetImages: [String], shard: ShardSelector = .whole, limits: EvaluationLimits = .standard
    ) throws(EvaluationError) {
        let positions = try Self.indexImages(datasetImages, limits: limits) { .invalidSettings(reason: $0) }
        self.settings = settings
        self.model = model
        self.runSettings = runSettings
        self.datasetImages = datasetImages
        shardCount = shard.count
        shardIndices = [shard.index]
        matrix = try ConfusionMatrix(classCount: settings.classCount, limits: limits)
        evaluatedPositions = []
        positionOfImage = positions
    }

    /// A document whose parts were checked by the decoder.
    init(
        settings: EvaluationSettings, model: ModelIdentity, runSettings: [String: String], datasetImages: [String],
        positionOfImage: [String: Int], shardCount: Int, shardIndices: [Int], matrix: ConfusionMatrix,
        evaluatedPositions: Set<Int>
    ) {
        self.settings = settings
        self.model = model
        self.runSettings = runSettings
        self.datasetImages = datasetImages
        self.positionOfImage = positionOfImage
        self.shardCount = shardCount
        self.shardIndices = shardIndices
        self.matrix = matrix
        self.evaluatedPositions = evaluatedPositions
    }

    /// Maps names to positions, or throws `failure(reason)` when the list cannot be a dataset.
    static func indexImages(
        _ names: [String], limits: EvaluationLimits, failure: (String) -> EvaluationError
    ) throws(EvaluationError) -> [String: Int] {
        guard names.count <= limits.maximumImageCount else {
            throw failure("\(names.count) dataset images exceed the limit of \(limits.maximumImageCount)")
        }
        var positions: [String: Int] = [:]
        positions.reserveCapacity(names.count)
        for (position, name) in names.enumerated() {
            guard !name.isEmpty else { throw failure("dataset image \(position) has an empty name") }
            if let earlier = positions.updateValue(position, forKey: name) {
                throw failure("dataset image \(name.quotedForMessage()) occurs twice (\(earlier) and \(position))")
            }
        }
        return positions
    }

    /// The evaluated images, in dataset order.
    public var images: [String] { evaluatedPositions.sorted().map { datasetImages[$0] } }

    /// Images of this document's shards not evaluated yet, in dataset order.
    public var pendingImages: [String] {
        let shards = Set(shardIndices)
        return datasetImages.indices.filter {
            shards.contains(ShardSelector.shardIndex(ofPosition: $0, count: shardCount))
                && !evaluatedPositions.contains($0)
        }.map { datasetImages[$0] }
    }

    /// Whether every shard 1...N is here and every dataset image was evaluated.
    public var isComplete: Bool {
        shardIndices.count == shardCount && evaluatedPositions.count == datasetImages.count
    }

    /// Adds one image's prediction and label map (the annotation's stored 8-bit values, before reduce_zero_label,
    /// in the same pixel order). The image must belong to this document's shards and not be evaluated yet.
    public mutating func add(image: String, predictions: [Int], labels: [UInt8]) throws(EvaluationError) {
        guard let position = positionOfImage[image] else {
            throw .invalidInput(subject: image, reason: "not in the dataset's image list")
        }
        let owner = ShardSelector.shardIndex(ofPosition: position, count: shardCount)
        guard shardIndices.contains(owner) else {
            throw .invalidInput(subject: image, reason: "belongs to shard \(owner)/\(shardCount), not this one")
        }
        guard !evaluatedPositions.contains(position) else {
            throw .invalidInput(subject: image, reason: "already evaluated")
        }
        try matrix.add(
            predictions: predictions, labels: labels, ignoreIndex: settings.ignoreIndex,
            reduceZeroLabel: settings.reduceZeroLabel, image: image)
        evaluatedPositions.insert(position)
    }

    /// Throws `incomplete` (naming `source`) unless `isComplete`.
    public func checkComplete(source: String) throws(EvaluationError) {
        guard !isComplete else { return }
        let present = Set(shardIndices)
        let missingShards = (1...shardCount).filter { !present.contains($0) }
        let unevaluated = datasetImages.indices.filter {
            present.contains(ShardSelector.shardIndex(ofPosition: $0, count: shardCount))
                && !evaluatedPositions.contains($0)
        }
        throw .incomplete(
            path: source, missingShards: missingShards, shardCount: shardCount,
            missingImages: unevaluated.prefix(5).map { datasetImages[$0] }, missingImageCount: unevaluated.count)
    }

    /// The metrics of the images evaluated so far (see `MetricsDocument` for the complete, checked form).
    public func metrics() throws(EvaluationError) -> SegmentationMetrics {
        try SegmentationMetrics(matrix: matrix, settings: settings)
    }

    /// Internal access for merging.
    mutating func absorb(shardIndices more: [Int], evaluatedPositions positions: Set<Int>) {
        shardIndices = Array(Set(shardIndices).union(more)).sorted()
        evaluatedPositions.formUnion(positions)
    }

    mutating func addMatrix(_ other: ConfusionMatrix, source: String) throws(EvaluationError) {
        try matrix.add(other, source: source)
    }
}
