/// Seen, unseen and harmonic mean IoU of a zero-shot split.
///
/// ZegCLIP's dataset `evaluate` (mmseg 0.x) takes the per-class IoU and Acc arrays, indexes them with `seen_idx`
/// and `unseen_idx`, and prints `np.round(np.nanmean(metric[idx]) * 100, 2)` for each; classes with union 0 (NaN)
/// are skipped by nanmean like in mIoU. It prints no harmonic mean: papers form hIoU = 2·s·u / (s + u) from the
/// printed seen and unseen mIoU, which `printed` does too.
public struct ZeroShotMetrics: Sendable {
    /// Seen classes, ascending.
    public let seenClassIndices: [Int]
    /// Unseen classes, ascending.
    public let unseenClassIndices: [Int]
    /// Full precision: nanmeans of the float64 per-class values, hIoU from those means.
    public let exact: ZeroShotSummary
    /// As printed: ZegCLIP's rounded float32 means (percent, 2 decimals); hIoU = round(2·S·U / (S + U), 2) from the
    /// printed S and U, in float64.
    public let printed: ZeroShotSummary

    init(seen: [Int], unseen: [Int], exact perClass: ClassMetrics<Double>, float32: ClassMetrics<Float>) {
        seenClassIndices = seen
        unseenClassIndices = unseen
        func mean<Value: BinaryFloatingPoint>(_ values: [Value], _ indices: [Int]) -> Value {
            NumpyReduction.nanmean(ArraySlice(indices.map { values[$0] }))
        }
        let seenIoU = mean(perClass.iou, seen), unseenIoU = mean(perClass.iou, unseen)
        exact = ZeroShotSummary(
            seenMeanIoU: seenIoU, unseenMeanIoU: unseenIoU,
            harmonicMeanIoU: 2 * seenIoU * unseenIoU / (seenIoU + unseenIoU),
            seenMeanAccuracy: mean(perClass.accuracy, seen), unseenMeanAccuracy: mean(perClass.accuracy, unseen))
        func printedMean(_ values: [Float], _ indices: [Int]) -> Double {
            PrintedNumber.decimal(NumpyReduction.percentRounded(mean(values, indices)))
        }
        let seenPrinted = printedMean(float32.iou, seen), unseenPrinted = printedMean(float32.iou, unseen)
        printed = ZeroShotSummary(
            seenMeanIoU: seenPrinted, unseenMeanIoU: unseenPrinted,
            harmonicMeanIoU: NumpyReduction.roundedToHundredths(
                2 * seenPrinted * unseenPrinted / (seenPrinted + unseenPrinted)),
            seenMeanAccuracy: printedMean(float32.accuracy, seen),
            unseenMeanAccuracy: printedMean(float32.accuracy, unseen))
    }
}
