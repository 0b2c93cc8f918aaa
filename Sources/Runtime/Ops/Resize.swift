/// Bilinear resizing with `align_corners=False`, PyTorch `F.interpolate(mode='bilinear')` semantics.
enum Resize {
    /// Source indices and weights along one axis, as `upsample_bilinear2d` computes them in fp32:
    /// `src = max((dst + 0.5) · in/out − 0.5, 0)`, neighbours `floor(src)` and the next one clamped.
    struct Axis {
        var lower: [Int]
        var upper: [Int]
        var upperWeight: [Float]

        init(input: Int, output: Int) {
            let scale = Float(input) / Float(output)
            lower = []; upper = []; upperWeight = []
            for index in 0..<output {
                let source = max(scale * (Float(index) + 0.5) - 0.5, 0)
                let low = min(Int(source), input - 1)
                lower.append(low)
                upper.append(low < input - 1 ? low + 1 : low)
                upperWeight.append(source - Float(low))
            }
        }
    }

    /// Resizes each of `planes` planes `[inHeight, inWidth]` (planes contiguous, CHW) to `[outHeight, outWidth]`.
    static func bilinear(_ input: [Float], planes: Int, inHeight: Int, inWidth: Int, outHeight: Int, outWidth: Int)
        -> [Float]
    {
        if inHeight == outHeight && inWidth == outWidth { return input }
        let rows = Axis(input: inHeight, output: outHeight), columns = Axis(input: inWidth, output: outWidth)
        var output = [Float](repeating: 0, count: planes * outHeight * outWidth)
        input.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                for plane in 0..<planes {
                    let sourcePlane = plane * inHeight * inWidth, targetPlane = plane * outHeight * outWidth
                    for y in 0..<outHeight {
                        let h1 = rows.upperWeight[y], h0 = 1 - h1
                        let top = sourcePlane + rows.lower[y] * inWidth, bottom = sourcePlane + rows.upper[y] * inWidth
                        for x in 0..<outWidth {
                            let w1 = columns.upperWeight[x], w0 = 1 - w1
                            let left = columns.lower[x], right = columns.upper[x]
                            target[targetPlane + y * outWidth + x] =
                                h0 * (w0 * source[top + left] + w1 * source[top + right])
                                + h1 * (w0 * source[bottom + left] + w1 * source[bottom + right])
                        }
                    }
                }
            }
        }
        return output
    }
}
