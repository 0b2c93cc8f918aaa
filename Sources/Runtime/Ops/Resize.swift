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
    /// Planes are independent, so they are spread over the workers (same bits for any worker count).
    static func bilinear(_ input: [Float], planes: Int, inHeight: Int, inWidth: Int, outHeight: Int, outWidth: Int)
        -> [Float]
    {
        if inHeight == outHeight && inWidth == outWidth { return input }
        let rows = Axis(input: inHeight, output: outHeight), columns = Axis(input: inWidth, output: outWidth)
        let outputCount = planes * outHeight * outWidth
        return [Float](unsafeUninitializedCapacity: outputCount) { target, initialized in
            input.withUnsafeBufferPointer { source in
                columns.lower.withUnsafeBufferPointer { lefts in
                    columns.upper.withUnsafeBufferPointer { rights in
                        columns.upperWeight.withUnsafeBufferPointer { rightWeights in
                            guard let sourceBase = source.baseAddress, let targetBase = target.baseAddress,
                                let leftBase = lefts.baseAddress, let rightBase = rights.baseAddress,
                                let weightBase = rightWeights.baseAddress
                            else { return }
                            let from = Parallel.Pointer(base: UnsafeMutablePointer(mutating: sourceBase))
                            let to = Parallel.Pointer(base: targetBase)
                            let left = Parallel.Pointer(base: UnsafeMutablePointer(mutating: leftBase))
                            let right = Parallel.Pointer(base: UnsafeMutablePointer(mutating: rightBase))
                            let rightWeight = Parallel.Pointer(base: UnsafeMutablePointer(mutating: weightBase))
                            Parallel.forEachChunk(planes, cost: outHeight * outWidth) { planeRange in
                                for plane in planeRange {
                                    let sourcePlane = from.base + plane * inHeight * inWidth
                                    let targetPlane = to.base + plane * outHeight * outWidth
                                    for y in 0..<outHeight {
                                        let h1 = rows.upperWeight[y], h0 = 1 - h1
                                        let top = sourcePlane + rows.lower[y] * inWidth
                                        let bottom = sourcePlane + rows.upper[y] * inWidth
                                        let line = targetPlane + y * outWidth
                                        for x in 0..<outWidth {
                                            let w1 = rightWeight.base[x], w0 = 1 - w1
                                            let l = left.base[x], r = right.base[x]
                                            line[x] =
                                                h0 * (w0 * top[l] + w1 * top[r]) + h1
                                                * (w0 * bottom[l] + w1 * bottom[r])
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            initialized = outputCount
        }
    }
}
