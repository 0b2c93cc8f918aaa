/// Shard K of N of a dataset (`--shard K/N`, K counted from 1).
///
/// The image at position p of the dataset's image list (from 0) belongs to shard (p mod N) + 1: round robin, so
/// shards get equal shares even when the list is sorted by something that correlates with cost.
public struct ShardSelector: Sendable, Hashable, CustomStringConvertible {
    /// K, in 1...N.
    public let index: Int
    /// N.
    public let count: Int

    /// The whole dataset as one shard (1/1).
    public static let whole = ShardSelector(validIndex: 1, count: 1)

    /// Shard `index` of `count`; 1 ≤ index ≤ count ≤ `limits.maximumShardCount`.
    public init(index: Int, count: Int, limits: EvaluationLimits = .standard) throws(EvaluationError) {
        if let reason = Self.problem(index: index, count: count, limits: limits) {
            throw .invalidShardSelector(text: "\(index)/\(count)", reason: reason)
        }
        self.init(validIndex: index, count: count)
    }

    /// Parses `K/N`, e.g. `2/8`.
    public init(parsing text: String, limits: EvaluationLimits = .standard) throws(EvaluationError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]) else {
            throw .invalidShardSelector(text: text, reason: "expected K/N, two integers such as 2/8")
        }
        if let reason = Self.problem(index: index, count: count, limits: limits) {
            throw .invalidShardSelector(text: text, reason: reason)
        }
        self.init(validIndex: index, count: count)
    }

    private init(validIndex: Int, count: Int) {
        index = validIndex
        self.count = count
    }

    static func problem(index: Int, count: Int, limits: EvaluationLimits) -> String? {
        guard count >= 1, count <= limits.maximumShardCount else {
            return "N = \(count) is outside 1...\(limits.maximumShardCount)"
        }
        guard index >= 1, index <= count else { return "K = \(index) is outside 1...\(count)" }
        return nil
    }

    /// The shard (1...count) that owns dataset position `position` (from 0).
    public static func shardIndex(ofPosition position: Int, count: Int) -> Int {
        position % count + 1
    }

    /// Whether this shard owns dataset position `position` (from 0).
    public func contains(position: Int) -> Bool {
        Self.shardIndex(ofPosition: position, count: count) == index
    }

    /// The images of `datasetImages` this shard evaluates, in dataset order.
    public func images(of datasetImages: [String]) -> [String] {
        datasetImages.indices.filter(contains(position:)).map { datasetImages[$0] }
    }

    public var description: String { "\(index)/\(count)" }
}
