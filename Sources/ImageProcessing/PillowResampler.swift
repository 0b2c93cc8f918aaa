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

/// Pillow's `precompute_coeffs` + `normalize_coeffs_8bpc` for the bicubic filter over the whole
/// input (`box` = (0, 0, w, h)): for each output sample, the first input sample, how many follow,
/// and their fixed-point weights (`taps` slots per output sample).
struct ResampleKernel {
    let inputSize: Int
    let outputSize: Int
    let taps: Int
    var starts: [Int]
    var counts: [Int]
    var weights: [Int32]

    init(inputSize: Int, outputSize: Int) {
        self.inputSize = inputSize
        self.outputSize = outputSize
        let scale = Double(inputSize) / Double(outputSize)
        let filterScale = max(scale, 1.0)
        let support = 2.0 * filterScale
        taps = Int(support.rounded(.up)) * 2 + 1
        starts = [Int](repeating: 0, count: outputSize)
        counts = [Int](repeating: 0, count: outputSize)
        weights = [Int32](repeating: 0, count: outputSize * taps)
        let inverseFilterScale = 1.0 / filterScale
        var raw = [Double](repeating: 0, count: taps)
        let unit = Double(1 << PillowResampler.precisionBits)
        for output in 0..<outputSize {
            let center = (Double(output) + 0.5) * scale
            // C casts truncate toward zero, as Int(_: Double) does.
            let first = max(Int(center - support + 0.5), 0)
            let count = min(Int(center + support + 0.5), inputSize) - first
            var total = 0.0
            for tap in 0..<count {
                let weight = Self.bicubic((Double(tap + first) - center + 0.5) * inverseFilterScale)
                raw[tap] = weight
                total += weight
            }
            for tap in 0..<max(count, 0) {
                let normalised = total != 0 ? raw[tap] / total : raw[tap]
                weights[output * taps + tap] =
                    normalised < 0 ? Int32(-0.5 + normalised * unit) : Int32(0.5 + normalised * unit)
            }
            starts[output] = first
            counts[output] = max(count, 0)
        }
    }

    /// The bicubic convolution kernel with a = −0.5, in the same operation order as Pillow.
    static func bicubic(_ value: Double) -> Double {
        let a = -0.5
        let x = value < 0 ? -value : value
        if x < 1.0 { return ((a + 2.0) * x - (a + 3.0)) * x * x + 1 }
        if x < 2.0 { return (((x - 5) * x + 8) * x - 4) * a }
        return 0.0
    }
}
