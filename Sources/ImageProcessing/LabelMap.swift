/// A per-pixel class index map (a segmentation result or a ground-truth annotation), row-major.
///
/// Indices are what MMSeg stores: class `k` of the dataset's class list, with an ignore value (255 in
/// MMSeg's datasets) for unlabelled pixels. Sixteen bits hold any class count a model produces.
public struct LabelMap: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public internal(set) var labels: [UInt16]

    public init(width: Int, height: Int, labels: [UInt16]) throws(ImageProcessingError) {
        guard width > 0, height > 0 else { throw .invalidSize(what: "label map", width: width, height: height) }
        let (count, overflow) = width.multipliedReportingOverflow(by: height)
        guard !overflow else { throw .invalidSize(what: "label map", width: width, height: height) }
        guard labels.count == count else {
            throw .pixelCount(what: "label map", expected: count, actual: labels.count)
        }
        self.width = width
        self.height = height
        self.labels = labels
    }

    /// The distinct labels present, in increasing order.
    public var presentLabels: [UInt16] {
        var seen = [Bool](repeating: false, count: Int(UInt16.max) + 1)
        for label in labels { seen[Int(label)] = true }
        return seen.indices.filter { seen[$0] }.map { UInt16($0) }
    }
}
