/// k×k convolutions with zero padding k/2 and stride 1 on position-major (HWC) feature maps:
/// the decoder's Eq. 4 convolution and BiFormer's LePE.
enum SpatialConv {
    /// Depthwise (`groups = channels`): `weight` is `[C, 1, k, k]`. Output rows are spread over the
    /// workers; each position's channels are updated eight at a time.
    static func depthwise(_ input: Matrix, height: Int, width: Int, weight: [Float], bias: [Float], kernel: Int)
        -> Matrix
    {
        let channels = input.columns, pad = kernel / 2
        var output = Matrix(rows: input.rows, columns: channels)
        // Transpose the kernel to [k, k, C] so the inner loop runs over contiguous channels.
        var taps = [Float](repeating: 0, count: kernel * kernel * channels)
        for channel in 0..<channels {
            for tap in 0..<(kernel * kernel) {
                taps[tap * channels + channel] = weight[channel * kernel * kernel + tap]
            }
        }
        input.values.withUnsafeBufferPointer { source in
            output.values.withUnsafeMutableBufferPointer { target in
                taps.withUnsafeBufferPointer { tapValues in
                    bias.withUnsafeBufferPointer { biasValues in
                        guard let sourceBase = source.baseAddress, let targetBase = target.baseAddress,
                            let tapBase = tapValues.baseAddress, let biasBase = biasValues.baseAddress
                        else { return }
                        let from = Parallel.Pointer(base: UnsafeMutablePointer(mutating: sourceBase))
                        let to = Parallel.Pointer(base: targetBase)
                        let tap = Parallel.Pointer(base: UnsafeMutablePointer(mutating: tapBase))
                        let shift = Parallel.Pointer(base: UnsafeMutablePointer(mutating: biasBase))
                        Parallel.forEachChunk(height, cost: width * channels * kernel * kernel) { rows in
                            for y in rows {
                                for x in 0..<width {
                                    let out = to.base + (y * width + x) * channels
                                    out.update(from: shift.base, count: channels)
                                    for ky in 0..<kernel {
                                        let sy = y + ky - pad
                                        guard sy >= 0 && sy < height else { continue }
                                        for kx in 0..<kernel {
                                            let sx = x + kx - pad
                                            guard sx >= 0 && sx < width else { continue }
                                            accumulate(
                                                into: out, values: from.base + (sy * width + sx) * channels,
                                                weights: tap.base + (ky * kernel + kx) * channels, count: channels)
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return output
    }

    /// `target[c] += weights[c] · values[c]` for `count` channels.
    @inline(__always)
    private static func accumulate(
        into target: UnsafeMutablePointer<Float>, values: UnsafePointer<Float>, weights: UnsafePointer<Float>,
        count: Int
    ) {
        var channel = 0
        while channel + 8 <= count {
            let sum =
                UnsafeRawPointer(target + channel).loadUnaligned(as: SIMD8<Float>.self)
                + UnsafeRawPointer(weights + channel).loadUnaligned(as: SIMD8<Float>.self)
                * UnsafeRawPointer(values + channel).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(target + channel).storeBytes(of: sum, as: SIMD8<Float>.self)
            channel += 8
        }
        while channel < count {
            target[channel] += weights[channel] * values[channel]
            channel += 1
        }
    }

    /// Dense `C_in → C_out` convolution: `weight` is `[C_out, C_in, k, k]`; im2col + sgemm.
    static func dense(
        _ input: Matrix, height: Int, width: Int, weight: [Float], bias: [Float], kernel: Int, outChannels: Int
    ) -> Matrix {
        let channels = input.columns, pad = kernel / 2
        let patchLength = channels * kernel * kernel
        var columns = [Float](repeating: 0, count: height * width * patchLength)
        // Column order c·k² + ky·k + kx matches the flattened weight.
        for y in 0..<height {
            for x in 0..<width {
                let row = (y * width + x) * patchLength
                for ky in 0..<kernel {
                    let sy = y + ky - pad
                    guard sy >= 0 && sy < height else { continue }
                    for kx in 0..<kernel {
                        let sx = x + kx - pad
                        guard sx >= 0 && sx < width else { continue }
                        let source = (sy * width + sx) * channels
                        for channel in 0..<channels {
                            columns[row + channel * kernel * kernel + ky * kernel + kx] = input.values[source + channel]
                        }
                    }
                }
            }
        }
        let patches = Matrix(rows: height * width, columns: patchLength, values: columns)
        return MatMul.linear(patches, weight: weight, bias: bias, outFeatures: outChannels)
    }
}
