/// Per-class metrics and aAcc by MMSeg's formulas (`IoUMetric.total_area_to_metrics` with
/// `iou_metrics=['mIoU', 'mDice', 'mFscore']`, `beta=1`, `nan_to_num=None`), evaluated in `Value` arithmetic.
///
/// With `Value == Double` these are the full-precision values. With `Value == Float` they are MMSeg's own numbers:
/// its histograms are float32 tensors, so every division runs in float32. Each operation is one correctly rounded
/// IEEE operation in both, in MMSeg's order, so the results agree bit for bit when the counts convert exactly (in
/// float32: every count, and the total label and intersection counts of aAcc, ≤ 2²⁴).
/// A class whose denominator is 0 gets NaN, as in MMSeg (0/0).
public struct ClassMetrics<Value: BinaryFloatingPoint & Sendable>: Sendable {
    /// `IoU` = intersect / union.
    public let iou: [Value]
    /// `Acc` = intersect / label.
    public let accuracy: [Value]
    /// `Dice` = 2 · intersect / (pred + label).
    public let dice: [Value]
    /// `Fscore` = (1 + β²) · (precision · recall) / (β² · precision + recall) with β = 1, from the rounded
    /// precision and recall (NaN when both are 0, unlike Dice).
    public let fscore: [Value]
    /// `Precision` = intersect / pred.
    public let precision: [Value]
    /// `Recall` = intersect / label.
    public let recall: [Value]
    /// `aAcc` = Σ intersect / Σ label.
    public let overallAccuracy: Value

    /// The metrics of `areas`.
    public init(areas: ClassAreas) {
        let intersection = areas.intersection.map { Value($0) }
        let union = areas.union.map { Value($0) }
        let predicted = areas.predicted.map { Value($0) }
        let labelled = areas.labelled.map { Value($0) }
        let classes = intersection.indices
        iou = classes.map { intersection[$0] / union[$0] }
        accuracy = classes.map { intersection[$0] / labelled[$0] }
        dice = classes.map { 2 * intersection[$0] / (predicted[$0] + labelled[$0]) }
        let precision = classes.map { intersection[$0] / predicted[$0] }
        let recall = accuracy
        fscore = classes.map { 2 * (precision[$0] * recall[$0]) / (1 * precision[$0] + recall[$0]) }
        self.precision = precision
        self.recall = recall
        let totalIntersection = areas.intersection.reduce(0, +)
        let totalLabelled = areas.labelled.reduce(0, +)
        overallAccuracy = Value(totalIntersection) / Value(totalLabelled)
    }

    init(
        iou: [Value], accuracy: [Value], dice: [Value], fscore: [Value], precision: [Value], recall: [Value],
        overallAccuracy: Value
    ) {
        self.iou = iou
        self.accuracy = accuracy
        self.dice = dice
        self.fscore = fscore
        self.precision = precision
        self.recall = recall
        self.overallAccuracy = overallAccuracy
    }

    /// The same metrics with `transform` applied to every value.
    public func map<Other>(_ transform: (Value) -> Other) -> ClassMetrics<Other> {
        ClassMetrics<Other>(
            iou: iou.map(transform), accuracy: accuracy.map(transform), dice: dice.map(transform),
            fscore: fscore.map(transform), precision: precision.map(transform), recall: recall.map(transform),
            overallAccuracy: transform(overallAccuracy))
    }

    /// `np.nanmean` of every metric (MMSeg's summary before ×100 and rounding); aAcc is kept as it is.
    public func summary() -> MetricSummary<Value> {
        MetricSummary(
            overallAccuracy: NumpyReduction.nanmean(ArraySlice([overallAccuracy])),
            meanIoU: NumpyReduction.nanmean(iou[...]), meanAccuracy: NumpyReduction.nanmean(accuracy[...]),
            meanDice: NumpyReduction.nanmean(dice[...]), meanFscore: NumpyReduction.nanmean(fscore[...]),
            meanPrecision: NumpyReduction.nanmean(precision[...]), meanRecall: NumpyReduction.nanmean(recall[...]))
    }
}
