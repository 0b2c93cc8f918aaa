/// MMSeg's summary numbers: aAcc and the NaN-skipping means over classes (`np.nanmean`).
public struct MetricSummary<Value: BinaryFloatingPoint & Sendable>: Sendable {
    /// `aAcc`: Σ intersect / Σ label.
    public let overallAccuracy: Value
    /// `mIoU`.
    public let meanIoU: Value
    /// `mAcc`.
    public let meanAccuracy: Value
    /// `mDice`.
    public let meanDice: Value
    /// `mFscore`.
    public let meanFscore: Value
    /// `mPrecision`.
    public let meanPrecision: Value
    /// `mRecall`.
    public let meanRecall: Value

    /// The same summary with `transform` applied to every value.
    public func map<Other>(_ transform: (Value) -> Other) -> MetricSummary<Other> {
        MetricSummary<Other>(
            overallAccuracy: transform(overallAccuracy), meanIoU: transform(meanIoU),
            meanAccuracy: transform(meanAccuracy), meanDice: transform(meanDice), meanFscore: transform(meanFscore),
            meanPrecision: transform(meanPrecision), meanRecall: transform(meanRecall))
    }
}
