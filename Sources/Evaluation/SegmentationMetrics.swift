/// Everything MMSeg reports for one confusion matrix, three ways: full precision (float64 from the exact counts),
/// MMSeg's own float32 values, and the rounded percentages MMSeg prints.
///
/// Which to compare with what: papers and MMSeg logs show `printedSummary` (×100, 2 decimals); they equal MMSeg's
/// output bit for bit while every per-class count (and the aAcc totals) is ≤ 2²⁴ = 16,777,216 pixels, where
/// MMSeg's float32 sums are still exact. Past that, MMSeg's float32 sums round in an order that depends on its image
/// order and GPU count, so no fixed answer exists; ours round the exact count once. `summary` is the number itself.
public struct SegmentationMetrics: Sendable {
    /// The settings the matrix was made with.
    public let settings: EvaluationSettings
    /// The exact per-class histograms.
    public let areas: ClassAreas
    /// Full precision: MMSeg's formulas in float64 on the exact counts.
    public let perClass: ClassMetrics<Double>
    /// Full precision: aAcc and nanmeans of `perClass`.
    public let summary: MetricSummary<Double>
    /// MMSeg's float32 per-class values (`total_area_to_metrics` on its float32 histograms).
    public let float32PerClass: ClassMetrics<Float>
    /// MMSeg's float32 `np.nanmean` of each metric, before ×100 and rounding.
    public let float32Summary: MetricSummary<Float>
    /// The per-class table MMSeg logs: `np.round(value * 100, 2)` of the float32 values, as printed decimals.
    public let printedPerClass: ClassMetrics<Double>
    /// The summary `IoUMetric.compute_metrics` returns: `np.round(np.nanmean(value) * 100, 2)`, as printed decimals.
    public let printedSummary: MetricSummary<Double>
    /// Seen/unseen/harmonic numbers when the settings have a zero-shot split.
    public let zeroShot: ZeroShotMetrics?

    /// Computes the metrics of `matrix`, whose class count must be the settings'.
    public init(matrix: ConfusionMatrix, settings: EvaluationSettings) throws(EvaluationError) {
        guard matrix.classCount == settings.classCount else {
            throw .invalidSettings(
                reason: "confusion matrix has \(matrix.classCount) classes, the settings \(settings.classCount)")
        }
        self.settings = settings
        areas = matrix.areas()
        perClass = ClassMetrics<Double>(areas: areas)
        summary = perClass.summary()
        float32PerClass = ClassMetrics<Float>(areas: areas)
        float32Summary = float32PerClass.summary()
        printedPerClass = float32PerClass.map { PrintedNumber.decimal(NumpyReduction.percentRounded($0)) }
        printedSummary = float32Summary.map { PrintedNumber.decimal(NumpyReduction.percentRounded($0)) }
        if let seen = settings.seenClassIndices, let unseen = settings.unseenClassIndices {
            zeroShot = ZeroShotMetrics(seen: seen, unseen: unseen, exact: perClass, float32: float32PerClass)
        } else {
            zeroShot = nil
        }
    }
}
