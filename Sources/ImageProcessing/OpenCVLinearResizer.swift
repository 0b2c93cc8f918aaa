/// OpenCV's `cv2.resize(image, (width, height), interpolation=cv2.INTER_LINEAR)` of an 8-bit
/// 3-channel image, bit for bit (what `mmcv.imresize` calls with its default cv2 backend).
///
/// The algorithm of `modules/imgproc/src/resize.cpp` as built in opencv-python 5.0.0:
/// - an exact 2× reduction on both axes takes the `INTER_AREA` fast path, `(a + b + c + d + 2) >> 2`;
/// - otherwise source coordinates `(dst + 0.5) × scale − 0.5` in float, weights `(1 − f, f)` rounded
///   to 11-bit fixed point (`INTER_RESIZE_COEF_BITS`), columns past either edge replicate the edge
///   (`xmin`/`xmax`), rows clamped; the horizontal pass keeps 32-bit sums and the vertical pass
///   rounds as `VResizeLinear<uchar>` (and its SIMD twin) do:
///   `((b0 · (S0 >> 4)) >> 16) + ((b1 · (S1 >> 4)) >> 16) + 2) >> 2`.
public struct OpenCVLinearResizer: Sendable, Equatable {
    public init() {}

    static let coefficientScale: Float = 2048  // 1 << INTER_RESIZE_COEF_BITS

    public func resize(_ image: RGBImage, width: Int, height: Int) throws(ImageProcessingError) -> RGBImage {
        _ = try RGBImage.byteCount(width: width, height: height, what: "resize target")
        let inverseScaleX = Double(width) / Double(image.width)
        let inverseScaleY = Double(height) / Double(image.height)
        let scaleX = 1.0 / inverseScaleX, scaleY = 1.0 / inverseScaleY
        let integerScaleX = Self.roundToInt(scaleX), integerScaleY = Self.roundToInt(scaleY)
        let isAreaFast =
            abs(scaleX - Double(integerScaleX)) < Double.ulpOfOne
            && abs(scaleY - Double(integerScaleY)) < Double.ulpOfOne
        if isAreaFast && integerScaleX == 2 && integerScaleY == 2 {
            return Self.halve(image, width: width, height: height)
        }
        return Self.bilinear(image, width: width, height: height, scaleX: scaleX, scaleY: scaleY)
    }

    /// `saturate_cast<int>(double)`: round half to even.
    static func roundToInt(_ value: Double) -> Int {
        guard value.isFinite, value < Double(Int32.max), value > Double(Int32.min) else {
            return value > 0 ? Int(Int32.max) : Int(Int32.min)
        }
        return Int(value.rounded(.toNearestOrEven))
    }

    /// `saturate_cast<short>(float)`.
    static func roundToShort(_ value: Float) -> Int32 {
        Int32(max(min(value.rounded(.toNearestOrEven), Float(Int16.max)), Float(Int16.min)))
    }

    /// `resizeAreaFast_` for a 2×2 cell of 3-channel bytes (`ResizeAreaFastVec`'s rounding).
    static func halve(_ image: RGBImage, width: Int, height: Int) -> RGBImage {
        let rowBytes = image.width * 3
        var output = [UInt8](repeating: 0, count: width * height * 3)
        image.pixels.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                var out = 0
                for y in 0..<height {
                    let top = 2 * y * rowBytes, bottom = top + rowBytes
                    for x in 0..<width {
                        for channel in 0..<3 {
                            let left = 6 * x + channel, right = left + 3
                            let sum =
                                Int(source[top + left]) + Int(source[top + right]) + Int(source[bottom + left])
                                + Int(source[bottom + right])
                            target[out] = UInt8((sum + 2) >> 2)
                            out += 1
                        }
                    }
                }
            }
        }
        return RGBImage(unchecked: width, height, output)
    }

    /// Source position and fixed-point weights of each output column or row.
    struct Axis {
        var offsets: [Int]
        var weights0: [Int32]
        var weights1: [Int32]
        /// First output column whose right neighbour lies past the edge (columns from here on copy
        /// the edge sample); rows use clamping instead.
        var limit: Int

        init(source: Int, destination: Int, scale: Double, clampsPosition: Bool) {
            offsets = [Int](repeating: 0, count: destination)
            weights0 = [Int32](repeating: 0, count: destination)
            weights1 = [Int32](repeating: 0, count: destination)
            limit = destination
            for index in 0..<destination {
                var fraction = Float((Double(index) + 0.5) * scale - 0.5)
                var position = Int(fraction.rounded(.down))
                fraction -= Float(position)
                if clampsPosition {
                    if position < 0 {
                        fraction = 0
                        position = 0
                    }
                    if position + 1 >= source {
                        limit = min(limit, index)
                        if position >= source - 1 {
                            fraction = 0
                            position = source - 1
                        }
                    }
                }
                offsets[index] = position
                weights0[index] = OpenCVLinearResizer.roundToShort(
                    (1 - fraction) * OpenCVLinearResizer.coefficientScale)
                weights1[index] = OpenCVLinearResizer.roundToShort(fraction * OpenCVLinearResizer.coefficientScale)
            }
        }
    }

    static func bilinear(_ image: RGBImage, width: Int, height: Int, scaleX: Double, scaleY: Double) -> RGBImage {
        let columns = Axis(source: image.width, destination: width, scale: scaleX, clampsPosition: true)
        let rows = Axis(source: image.height, destination: height, scale: scaleY, clampsPosition: false)
        let rowBytes = image.width * 3, outputRowBytes = width * 3
        var output = [UInt8](repeating: 0, count: height * outputRowBytes)
        var upper = [Int32](repeating: 0, count: outputRowBytes)
        var lower = [Int32](repeating: 0, count: outputRowBytes)
        var upperRow = -1, lowerRow = -1
        image.pixels.withUnsafeBufferPointer { source in
            // The horizontal pass of one source row into 32-bit sums (`HResizeLinear<uchar, int, short>`).
            func horizontal(_ row: Int, into sums: inout [Int32]) {
                sums.withUnsafeMutableBufferPointer { target in
                    let line = row * rowBytes
                    for x in 0..<width {
                        let sample = line + columns.offsets[x] * 3
                        for channel in 0..<3 {
                            if x < columns.limit {
                                target[x * 3 + channel] =
                                    Int32(source[sample + channel]) * columns.weights0[x]
                                    + Int32(source[sample + 3 + channel]) * columns.weights1[x]
                            } else {
                                target[x * 3 + channel] = Int32(source[sample + channel]) * 2048
                            }
                        }
                    }
                }
            }
            output.withUnsafeMutableBufferPointer { target in
                for y in 0..<height {
                    let row0 = min(max(rows.offsets[y], 0), image.height - 1)
                    let row1 = min(max(rows.offsets[y] + 1, 0), image.height - 1)
                    if row0 != upperRow {
                        if row0 == lowerRow {
                            swap(&upper, &lower)
                            swap(&upperRow, &lowerRow)
                        } else {
                            horizontal(row0, into: &upper)
                            upperRow = row0
                        }
                    }
                    if row1 != lowerRow {
                        horizontal(row1, into: &lower)
                        lowerRow = row1
                    }
                    let beta0 = rows.weights0[y], beta1 = rows.weights1[y]
                    let out = y * outputRowBytes
                    upper.withUnsafeBufferPointer { s0 in
                        lower.withUnsafeBufferPointer { s1 in
                            for index in 0..<outputRowBytes {
                                let value = ((beta0 * (s0[index] >> 4)) >> 16) + ((beta1 * (s1[index] >> 4)) >> 16) + 2
                                target[out + index] = UInt8(clamping: value >> 2)
                            }
                        }
                    }
                }
            }
        }
        return RGBImage(unchecked: width, height, output)
    }
}
