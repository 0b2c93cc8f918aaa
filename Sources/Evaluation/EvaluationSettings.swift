/// What makes two evaluations comparable: the classes, how labels are read, and the zero-shot split.
public struct EvaluationSettings: Sendable, Equatable {
    /// Class names in class-index order (MMSeg's `dataset_meta['classes']`); C = `classNames.count`.
    public let classNames: [String]
    /// Label value left out of every count (MMSeg `IoUMetric(ignore_index=255)`). Compared with the label after
    /// `reduceZeroLabel`; a value outside 0...255 ignores nothing, since labels are 8-bit.
    public let ignoreIndex: Int
    /// MMSeg's `LoadAnnotations(reduce_zero_label=True)`: label 0 becomes 255 and every other label but 255 drops by 1
    /// (`LabelReduction.reducingZeroLabel`). It always uses 255, whatever `ignoreIndex` is, as MMSeg does.
    public let reduceZeroLabel: Bool
    /// Seen (base) classes of a zero-shot split, ascending; `nil` when there is no split. The unseen classes are
    /// all others (ZegCLIP's `base_class` / `novel_class` partition).
    public let seenClassIndices: [Int]?

    /// Number of classes C.
    public var classCount: Int { classNames.count }

    /// The classes not in `seenClassIndices`, ascending; `nil` when there is no split.
    public var unseenClassIndices: [Int]? {
        guard let seenClassIndices else { return nil }
        let seen = Set(seenClassIndices)
        return (0..<classCount).filter { !seen.contains($0) }
    }

    /// Checks the settings: 2 ≤ C ≤ `limits.maximumClassCount`; seen indices distinct, within 0..<C, and leaving
    /// at least one class on each side. Seen indices are kept ascending whatever order they come in.
    public init(
        classNames: [String], ignoreIndex: Int = 255, reduceZeroLabel: Bool = false, seenClassIndices: [Int]? = nil,
        limits: EvaluationLimits = .standard
    ) throws(EvaluationError) {
        if let reason = Self.problem(
            classCount: classNames.count, seenClassIndices: seenClassIndices, limits: limits)
        {
            throw .invalidSettings(reason: reason)
        }
        self.classNames = classNames
        self.ignoreIndex = ignoreIndex
        self.reduceZeroLabel = reduceZeroLabel
        self.seenClassIndices = seenClassIndices?.sorted()
    }

    /// Why these values cannot be settings, or `nil` if they can (also used on values read from files).
    static func problem(classCount: Int, seenClassIndices: [Int]?, limits: EvaluationLimits) -> String? {
        // torch.histc with one bin has min == max == 0 and then bins the data's own range: C = 1 is not the metric.
        guard classCount >= 2 else { return "\(classCount) classes; at least 2 are needed" }
        guard classCount <= limits.maximumClassCount else {
            return "\(classCount) classes exceed the limit of \(limits.maximumClassCount)"
        }
        guard let seen = seenClassIndices else { return nil }
        if let outside = seen.first(where: { !(0..<classCount).contains($0) }) {
            return "seen class index \(outside) is outside 0..<\(classCount)"
        }
        guard Set(seen).count == seen.count else { return "seen class indices repeat a class" }
        guard !seen.isEmpty, seen.count < classCount else {
            return
                "a zero-shot split needs at least one seen and one unseen class (\(seen.count) of \(classCount) seen)"
        }
        return nil
    }
}
