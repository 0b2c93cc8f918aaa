/// Bounds checked before anything read from a file is allocated or indexed.
public struct EvaluationLimits: Sendable, Equatable {
    /// Largest shard file read. JSONDecoder holds the whole parsed document, so this also bounds its memory.
    /// A 171-class shard of 5,000 images is about 0.6 MB.
    public var maximumFileBytes: Int
    /// Largest class count (the confusion matrix has (C + 1)² cells).
    public var maximumClassCount: Int
    /// Largest dataset (image list) size.
    public var maximumImageCount: Int
    /// Largest N of a `K/N` shard split.
    public var maximumShardCount: Int

    public init(
        maximumFileBytes: Int = 32 << 20, maximumClassCount: Int = 1024, maximumImageCount: Int = 1_000_000,
        maximumShardCount: Int = 10_000
    ) {
        self.maximumFileBytes = maximumFileBytes
        self.maximumClassCount = maximumClassCount
        self.maximumImageCount = maximumImageCount
        self.maximumShardCount = maximumShardCount
    }

    /// The defaults above.
    public static let standard = EvaluationLimits()
}
