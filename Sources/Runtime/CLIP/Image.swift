/// A normalised image in CHW order (`[channels, height, width]`), the input of the vision tower.
public struct Image: Sendable, Equatable {
    public var channels: Int
    public var height: Int
    public var width: Int
    public var pixels: [Float]

    /// An image over `pixels`, which must hold `channels × height × width` values.
    public init(channels: Int = 3, height: Int, width: Int, pixels: [Float]) throws(RuntimeError) {
        guard channels > 0, height > 0, width > 0, pixels.count == channels * height * width else {
            throw .invalidInput(path: "image", reason: "\(pixels.count) values for \(channels)×\(height)×\(width)")
        }
        self.channels = channels
        self.height = height
        self.width = width
        self.pixels = pixels
    }

    /// Normalises 0–255 RGB values channel by channel: `(x − mean) / std` (mmseg `Normalize`).
    public static func normalizing(rgb: [Float], height: Int, width: Int, mean: [Double], std: [Double])
        throws(RuntimeError) -> Image
    {
        guard mean.count == 3, std.count == 3 else {
            throw .invalidInput(path: "image", reason: "normalisation needs 3 means and 3 deviations")
        }
        var image = try Image(height: height, width: width, pixels: rgb)
        let plane = height * width
        for channel in 0..<3 {
            let m = Float(mean[channel]), s = Float(std[channel])
            for index in (channel * plane)..<((channel + 1) * plane) {
                image.pixels[index] = (image.pixels[index] - m) / s
            }
        }
        return image
    }

    /// The `[top, top + height) × [left, left + width)` window.
    public func cropped(top: Int, left: Int, height cropHeight: Int, width cropWidth: Int) -> Image {
        var values = [Float]()
        values.reserveCapacity(channels * cropHeight * cropWidth)
        for channel in 0..<channels {
            for y in top..<(top + cropHeight) {
                let start = channel * height * width + y * width + left
                values += pixels[start..<(start + cropWidth)]
            }
        }
        // The window lies inside the image by construction of the callers (sliding window).
        return Image(unchecked: channels, cropHeight, cropWidth, values)
    }

    init(unchecked channels: Int, _ height: Int, _ width: Int, _ pixels: [Float]) {
        self.channels = channels
        self.height = height
        self.width = width
        self.pixels = pixels
    }
}
