/// Pixel counts of (label, prediction) pairs over C classes, with one extra row and column for values outside
/// 0..<C. Integer counts make sums exact: the matrices of N shards add up to the matrix of one pass, bit for bit.
///
/// MMSeg's `IoUMetric.intersect_and_union` drops pixels whose label is `ignore_index`, then bins labels and
/// predictions with `torch.histc(bins=C, min=0, max=C-1)`, which skips values outside [0, C−1]. So a pixel whose
/// label is ≥ C (and not ignored) still counts in `area_pred_label` of its prediction, and a prediction outside
/// 0..<C counts nowhere but its label still counts in `area_label`. Row C and column C keep those pixels, so
/// `areas()` gives MMSeg's four histograms exactly.
public struct ConfusionMatrix: Sendable, Equatable {
    /// C, the number of classes.
    public let classCount: Int
    /// Row-major (C + 1) × (C + 1) counts: row = label, column = prediction; index C stands for "outside 0..<C".
    public private(set) var counts: [UInt64]
    /// Pixels whose label was the ignore index (not in `counts`).
    public private(set) var ignoredPixelCount: UInt64
    /// Every pixel seen: the sum of `counts` and `ignoredPixelCount`. Keeping it ≤ UInt64.max proves that no
    /// single count can overflow.
    public private(set) var pixelCount: UInt64

    /// An all-zero matrix; 1 ≤ C ≤ `limits.maximumClassCount`.
    public init(classCount: Int, limits: EvaluationLimits = .standard) throws(EvaluationError) {
        guard classCount >= 1, classCount <= limits.maximumClassCount, classCount < Int.max else {
            throw .invalidSettings(reason: "\(classCount) classes outside 1...\(limits.maximumClassCount)")
        }
        let (cellCount, overflow) = (classCount + 1).multipliedReportingOverflow(by: classCount + 1)
        guard !overflow else { throw .invalidSettings(reason: "\(classCount) classes are too many to count") }
        self.classCount = classCount
        counts = [UInt64](repeating: 0, count: cellCount)
        ignoredPixelCount = 0
        pixelCount = 0
    }

    /// A matrix from counts read from a file. `rows` must be (C + 1) rows of C + 1 counts, already checked by the
    /// caller against its class count; the total must fit 64 bits.
    init(classCount: Int, rows: [[UInt64]], ignored: UInt64, source: String)
        throws(EvaluationError)
    {
        var total = ignored
        var flat: [UInt64] = []
        flat.reserveCapacity((classCount + 1) * (classCount + 1))
        for row in rows {
            for count in row {
                let (sum, overflow) = total.addingReportingOverflow(count)
                guard !overflow else { throw .countOverflow(path: source) }
                total = sum
            }
            flat += row
        }
        self.classCount = classCount
        counts = flat
        ignoredPixelCount = ignored
        pixelCount = total
    }

    /// Pixels with label `label` and prediction `prediction` (each 0..<C, or C for "outside").
    public subscript(label label: Int, prediction prediction: Int) -> UInt64 {
        counts[label * (classCount + 1) + prediction]
    }

    /// The matrix as C + 1 rows (the JSON form).
    public var rows: [[UInt64]] {
        let width = classCount + 1
        return (0..<width).map { Array(counts[($0 * width)..<(($0 + 1) * width)]) }
    }

    /// Adds one image: `labels` are the annotation's 8-bit values as stored (before `reduceZeroLabel`), and
    /// `predictions` the predicted class index of each pixel, in the same order.
    public mutating func add(
        predictions: [Int], labels: [UInt8], ignoreIndex: Int, reduceZeroLabel: Bool, image: String = "label map"
    ) throws(EvaluationError) {
        guard predictions.count == labels.count else {
            throw .invalidInput(
                subject: image, reason: "\(predictions.count) predictions for \(labels.count) label pixels")
        }
        let (newTotal, overflow) = pixelCount.addingReportingOverflow(UInt64(labels.count))
        guard !overflow else { throw .countOverflow(path: image) }
        // Row of every possible 8-bit label, after reduction: -1 = ignored, C = outside 0..<C.
        let rowOfLabel: [Int] = (0...255).map { raw in
            let label = reduceZeroLabel ? Int(LabelReduction.reducedLabel(UInt8(raw))) : raw
            return label == ignoreIndex ? -1 : min(label, classCount)
        }
        let width = classCount + 1
        let outside = classCount
        var ignored: UInt64 = 0
        counts.withUnsafeMutableBufferPointer { cells in
            predictions.withUnsafeBufferPointer { predicted in
                labels.withUnsafeBufferPointer { labelled in
                    rowOfLabel.withUnsafeBufferPointer { rowOf in
                        for pixel in 0..<labelled.count {
                            let row = rowOf[Int(labelled[pixel])]
                            if row < 0 {
                                ignored &+= 1
                                continue
                            }
                            let prediction = predicted[pixel]
                            let column = prediction >= 0 && prediction < outside ? prediction : outside
                            // Cannot overflow: every count is at most pixelCount + labels.count, checked above.
                            cells[row * width + column] &+= 1
                        }
                    }
                }
            }
        }
        ignoredPixelCount &+= ignored
        pixelCount = newTotal
    }

    /// Adds another matrix of the same class count (`source` names it in errors).
    public mutating func add(_ other: ConfusionMatrix, source: String = "confusion matrix") throws(EvaluationError) {
        guard other.classCount == classCount else {
            throw .invalidInput(subject: source, reason: "\(other.classCount) classes, expected \(classCount)")
        }
        let (newTotal, overflow) = pixelCount.addingReportingOverflow(other.pixelCount)
        guard !overflow else { throw .countOverflow(path: source) }
        // Each cell sum is at most newTotal, so none can overflow.
        for index in counts.indices { counts[index] &+= other.counts[index] }
        ignoredPixelCount &+= other.ignoredPixelCount
        pixelCount = newTotal
    }

    /// MMSeg's four per-class histograms (`area_intersect`, `area_union`, `area_pred_label`, `area_label`).
    public func areas() -> ClassAreas {
        let width = classCount + 1
        var labelled = [UInt64](repeating: 0, count: classCount)
        var predicted = [UInt64](repeating: 0, count: classCount)
        var intersection = [UInt64](repeating: 0, count: classCount)
        // No sum below can overflow: each is a sum of distinct cells, and all cells add up to at most pixelCount.
        for row in 0..<width {
            for column in 0..<width {
                let count = counts[row * width + column]
                if row < classCount { labelled[row] += count }
                if column < classCount { predicted[column] += count }
                if row == column && row < classCount { intersection[row] = count }
            }
        }
        // union = label + pred − intersect, summed as (label − intersect) + pred: the cells of row c or column c.
        let union = (0..<classCount).map { (labelled[$0] - intersection[$0]) + predicted[$0] }
        return ClassAreas(intersection: intersection, union: union, predicted: predicted, labelled: labelled)
    }
}
