/// LayerNorm over the last axis, `(x − mean) / sqrt(var + eps) · γ + β` with the biased variance,
/// computed in fp32 as CLIP's `LayerNorm` subclass does.
enum LayerNormOp {
    static func apply(_ x: Matrix, weight: [Float], bias: [Float], eps: Float) -> Matrix {
        precondition(weight.count == x.columns && bias.count == x.columns)
        let columns = x.columns, rows = x.rows
        // Every element is written below, so the output starts uninitialised rather than as a copy of x.
        let values = [Float](unsafeUninitializedCapacity: x.values.count) { target, initialized in
            x.values.withUnsafeBufferPointer { source in
                weight.withUnsafeBufferPointer { gamma in
                    bias.withUnsafeBufferPointer { beta in
                        guard let sourceBase = source.baseAddress, let targetBase = target.baseAddress,
                            let gammaBase = gamma.baseAddress, let betaBase = beta.baseAddress
                        else { return }
                        let input = Parallel.Pointer(base: UnsafeMutablePointer(mutating: sourceBase))
                        let output = Parallel.Pointer(base: targetBase)
                        let gammaPointer = Parallel.Pointer(base: UnsafeMutablePointer(mutating: gammaBase))
                        let betaPointer = Parallel.Pointer(base: UnsafeMutablePointer(mutating: betaBase))
                        Parallel.forEachChunk(rows, cost: columns) { range in
                            for row in range {
                                normalize(
                                    input.base + row * columns, into: output.base + row * columns, count: columns,
                                    gamma: gammaPointer.base, beta: betaPointer.base, eps: eps)
                            }
                        }
                    }
                }
            }
            initialized = x.values.count
        }
        return Matrix(rows: rows, columns: columns, values: values)
    }

    @inline(__always)
    static func normalize(
        _ row: UnsafePointer<Float>, into target: UnsafeMutablePointer<Float>, count: Int,
        gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, eps: Float
    ) {
        // Two passes in fp32 with eight partial sums, close to PyTorch's vectorised reduction; the
        // row (3 KB for ViT-B) is still in L1 for the second pass and the output.
        var partial = SIMD8<Float>(repeating: 0)
        var index = 0
        while index + 8 <= count {
            partial += UnsafeRawPointer(row + index).loadUnaligned(as: SIMD8<Float>.self)
            index += 8
        }
        var sum = partial.sum()
        while index < count { sum += row[index]; index += 1 }
        let mean = sum / Float(count)
        partial = SIMD8<Float>(repeating: 0)
        index = 0
        let meanVector = SIMD8<Float>(repeating: mean)
        while index + 8 <= count {
            let centered = UnsafeRawPointer(row + index).loadUnaligned(as: SIMD8<Float>.self) - meanVector
            partial += centered * centered
            index += 8
        }
        var squares = partial.sum()
        while index < count { squares += (row[index] - mean) * (row[index] - mean); index += 1 }
        let inverse = 1 / (squares / Float(count) + eps).squareRoot()
        index = 0
        while index + 8 <= count {
            let value = UnsafeRawPointer(row + index).loadUnaligned(as: SIMD8<Float>.self)
            let scale = UnsafeRawPointer(gamma + index).loadUnaligned(as: SIMD8<Float>.self)
            let shift = UnsafeRawPointer(beta + index).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(target + index).storeBytes(
                of: (value - meanVector) * inverse * scale + shift, as: SIMD8<Float>.self)
            index += 8
        }
        while index < count {
            target[index] = (row[index] - mean) * inverse * gamma[index] + beta[index]
            index += 1
        }
    }
}
