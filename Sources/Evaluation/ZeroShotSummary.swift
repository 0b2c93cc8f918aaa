/// The five numbers of a zero-shot split. NaN when a side has no class with a defined value, and hIoU is NaN
/// when s + u = 0 (0/0, as the formula gives).
public struct ZeroShotSummary: Sendable {
    public let seenMeanIoU: Double
    public let unseenMeanIoU: Double
    /// hIoU = 2·s·u / (s + u).
    public let harmonicMeanIoU: Double
    public let seenMeanAccuracy: Double
    public let unseenMeanAccuracy: Double
}
