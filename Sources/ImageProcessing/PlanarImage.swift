/// A float32 image in planes: `[channels, height, width]`, each plane row-major (the layout of a
/// PyTorch `CHW` tensor and of `Runtime.Image`).
public struct PlanarImage: Sendable, Equatable {
    public let channels: Int
    public let height: Int
    public let width: Int
    public internal(set) var values: [Float]

    public init(channels: Int, height: Int, width: Int, values: [Float]) throws(ImageProcessingError) {
        guard channels > 0, height > 0, width > 0 else {
            throw .invalidSize(what: "planes", width: width, height: height)
        }
        let (plane, overflow) = height.multipliedReportingOverflow(by: width)
        let (count, overflowAll) = plane.multipliedReportingOverflow(by: channels)
        guard !overflow, !overflowAll else { throw .invalidSize(what: "planes", width: width, height: height) }
        guard values.count == count else { throw .pixelCount(what: "planes", expected: count, actual: values.count) }
        self.channels = channels
        self.height = height
        self.width = width
        self.values = values
    }

    package init(unchecked channels: Int, _ height: Int, _ width: Int, _ values: [Float]) {
        self.channels = channels
        self.height = height
        self.width = width
        self.values = values
    }
}
