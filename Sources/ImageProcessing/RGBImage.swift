/// An 8-bit RGB image: rows top to bottom, pixels left to right, three bytes (R, G, B) each, no padding.
/// The byte count always matches the size (only this module writes the pixels).
///
/// This is what `PIL.Image.open(path).convert("RGB")` gives as `numpy.asarray(image)`, and what
/// `cv2.imread` gives after BGR→RGB: the common currency between decoding and preprocessing.
public struct RGBImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public internal(set) var pixels: [UInt8]

    /// An image over `pixels`, which must hold `width × height × 3` bytes.
    public init(width: Int, height: Int, pixels: [UInt8]) throws(ImageProcessingError) {
        let count = try Self.byteCount(width: width, height: height, what: "image")
        guard pixels.count == count else { throw .pixelCount(what: "image", expected: count, actual: pixels.count) }
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// An image filled with one colour.
    public init(width: Int, height: Int, filledWith color: RGBColor) throws(ImageProcessingError) {
        let count = try Self.byteCount(width: width, height: height, what: "image")
        var pixels = [UInt8](repeating: 0, count: count)
        for offset in stride(from: 0, to: count, by: 3) {
            pixels[offset] = color.red
            pixels[offset + 1] = color.green
            pixels[offset + 2] = color.blue
        }
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// For code that built `pixels` with the right count by construction.
    package init(unchecked width: Int, _ height: Int, _ pixels: [UInt8]) {
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// The colour at column `x`, row `y` (which must lie inside the image).
    public subscript(x: Int, y: Int) -> RGBColor {
        let offset = (y * width + x) * 3
        return RGBColor(red: pixels[offset], green: pixels[offset + 1], blue: pixels[offset + 2])
    }

    /// The `[top, top + height) × [left, left + width)` window, which must lie inside the image.
    public func cropped(top: Int, left: Int, width cropWidth: Int, height cropHeight: Int) throws(ImageProcessingError)
        -> RGBImage
    {
        guard cropWidth > 0, cropHeight > 0, top >= 0, left >= 0, left <= width - cropWidth,
            top <= height - cropHeight
        else {
            throw .invalidSetting(
                what: "crop",
                reason: "window \(cropWidth)×\(cropHeight) at (\(left), \(top)) is outside \(width)×\(height)")
        }
        var result = [UInt8]()
        result.reserveCapacity(cropWidth * cropHeight * 3)
        for y in top..<(top + cropHeight) {
            let start = (y * width + left) * 3
            result += pixels[start..<(start + cropWidth * 3)]
        }
        return RGBImage(unchecked: cropWidth, cropHeight, result)
    }

    /// `width × height × 3`, refusing sizes that are not positive or whose byte count overflows.
    static func byteCount(width: Int, height: Int, what: String) throws(ImageProcessingError) -> Int {
        guard width > 0, height > 0 else { throw .invalidSize(what: what, width: width, height: height) }
        let (pixels, overflow) = width.multipliedReportingOverflow(by: height)
        let (bytes, overflow3) = pixels.multipliedReportingOverflow(by: 3)
        guard !overflow, !overflow3 else { throw .invalidSize(what: what, width: width, height: height) }
        return bytes
    }
}
