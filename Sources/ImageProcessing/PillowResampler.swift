/// Pillow's `Image.resize((width, height), Image.BICUBIC)` of an 8-bit RGB image, bit for bit.
///
/// The algorithm of Pillow's `libImaging/Resample.c`: a separable two-pass convolution with the
/// bicubic kernel (a = −0.5, support 2), widened by the scale factor when shrinking (antialiasing);
/// per output sample, weights in double precision normalised to sum 1, then rounded to 22-bit fixed
/// point (`PRECISION_BITS` = 32 − 8 − 2); accumulation in 32-bit integers from ½ and clipping of
/// `sum >> 22` to 0–255 after each pass.
public struct PillowResampler: Sendable, Equatable {
    /// Which pass runs first when both run; the two orders round differently.
    public enum PassOrder: String, Sendable {
        /// Pillow 13 onwards: the vertical pass first when the height loses more than twice as many
        /// pixels as the width (`(h − H) > 0 && (h − H) > (w − W) × 2`), else the horizontal pass first.
        case pillow13
        /// Pillow up to 12.x: always the horizontal pass first.
        case horizontalFirst
    }

    public var passOrder: PassOrder

    public init(passOrder: PassOrder = .pillow13) {
        self.passOrder = passOrder
    }

    static let precisionBits = 22

    /// The image resized to `width × height`.
    public func resize(_ image: RGBImage, width: Int, height: Int) throws(ImageProcessingError) -> RGBImage {
        _ = try RGBImage.byteCount(width: width, height: height, what: "resize target")
        if width == image.width && height == image.height { return image }
        let needsHorizontal = width != image.width
        let needsVertical = height != image.height
        let shrink = image.height - height
        let verticalFirst = passOrder == .pillow13 && shrink > 0 && shrink > (image.width - width) * 2
        let vertical = ResampleKernel(inputSize: image.height, outputSize: height)
        let horizontal = ResampleKernel(inputSize: image.width, outputSize: width)
        if verticalFirst {
            var current = image
            if needsVertical { current = Self.verticalPass(current, kernel: vertical, firstRow: 0) }
            if needsHorizontal { current = Self.horizontalPass(current, kernel: horizontal, rows: 0..<current.height) }
            return current
        }
        var current = image
        var rowOffset = 0
        if needsHorizontal {
            // Only the source rows the vertical pass reads are resampled horizontally.
            let first = vertical.starts[0]
            let last = vertical.starts[height - 1] + vertical.counts[height - 1]
            current = Self.horizontalPass(current, kernel: horizontal, rows: first..<last)
            rowOffset = first
        }
        if needsVertical { current = Self.verticalPass(current, kernel: vertical, firstRow: rowOffset) }
        return current
    }

    /// Rows `rows` of `image`, each resampled to `kernel.outputSize` pixels.
    static func horizontalPass(_ image: RGBImage, kernel: ResampleKernel, rows: Range<Int>) -> RGBImage {
        let inputRowBytes = image.width * 3
        let outputWidth = kernel.outputSize
        var output = [UInt8](repeating: 0, count: rows.count * outputWidth * 3)
        let taps = kernel.taps
        let half = Int32(1) << Int32(precisionBits - 1)
        image.pixels.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                kernel.weights.withUnsafeBufferPointer { weights in
                    kernel.starts.withUnsafeBufferPointer { starts in
                        kernel.counts.withUnsafeBufferPointer { counts in
                            var out = 0
                            for y in rows {
                                let line = y * inputRowBytes
                                for x in 0..<outputWidth {
                                    var red = half, green = half, blue = half
                                    var sample = line + starts[x] * 3
                                    let base = x * taps
                                    for tap in 0..<counts[x] {
                                        let weight = weights[base + tap]
                                        red &+= Int32(source[sample]) &* weight
                                        green &+= Int32(source[sample + 1]) &* weight
                                        blue &+= Int32(source[sample + 2]) &* weight
                                        sample += 3
                                    }
                                    target[out] = clip8(red)
                                    target[out + 1] = clip8(green)
                                    target[out + 2] = clip8(blue)
                                    out += 3
                                }
                            }
                        }
                    }
                }
            }
        }
        return RGBImage(unchecked: outputWidth, rows.count, output)
    }

    /// `image` resampled to `kernel.outputSize` rows; the kernel's row numbers are relative to
    /// source row `firstRow` of the image the kernel was made for.
    static func verticalPass(_ image: RGBImage, kernel: ResampleKernel, firstRow: Int) -> RGBImage {
        let rowBytes = image.width * 3
        let outputHeight = kernel.outputSize
        var output = [UInt8](repeating: 0, count: outputHeight * rowBytes)
        var accumulator = [Int32](repeating: 0, count: rowBytes)
        let taps = kernel.taps
        let half = Int32(1) << Int32(precisionBits - 1)
        image.pixels.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                accumulator.withUnsafeMutableBufferPointer { sums in
                    for y in 0..<outputHeight {
                        for index in 0..<rowBytes { sums[index] = half }
                        let start = kernel.starts[y] - firstRow
                        for tap in 0..<kernel.counts[y] {
                            let weight = kernel.weights[y * taps + tap]
                            let line = (start + tap) * rowBytes
                            for index in 0..<rowBytes { sums[index] &+= Int32(source[line + index]) &* weight }
                        }
                        let out = y * rowBytes
                        for index in 0..<rowBytes { target[out + index] = clip8(sums[index]) }
                    }
                }
            }
        }
        return RGBImage(unchecked: image.width, outputHeight, output)
    }

    /// `sum >> 22` clipped to 0–255 (Pillow's `clip8` table covers the same range).
    @inline(__always)
    static func clip8(_ sum: Int32) -> UInt8 {
        let value = sum >> Int32(precisionBits)
        return value < 0 ? 0 : value > 255 ? 255 : UInt8(value)
    }
}
