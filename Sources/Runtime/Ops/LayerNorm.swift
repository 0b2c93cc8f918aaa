/// LayerNorm over the last axis, `(x − mean) / sqrt(var + eps) · γ + β` with the biased variance,
/// computed in fp32 as CLIP's `LayerNorm` subclass does.
enum LayerNormOp {
    static func apply(_ x: Matrix, weight: [Float], bias: [Float], eps: Float) -> Matrix {
        precondition(weight.count == x.columns && bias.count == x.columns)
        var output = x
        let columns = x.columns
        output.values.withUnsafeMutableBufferPointer { buffer in
            weight.withUnsafeBufferPointer { gamma in
                bias.withUnsafeBufferPointer { beta in
                    guard let base = buffer.baseAddress, let gammaBase = gamma.baseAddress,
                        let betaBase = beta.baseAddress
                    else { return }
                    let pointer = Parallel.Pointer(base: base)
                    let gammaPointer = Parallel.Pointer(base: UnsafeMutablePointer(mutating: gammaBase))
                    let betaPointer = Parallel.Pointer(base: UnsafeMutablePointer(mutating: betaBase))
                    Parallel.forEachChunk(x.rows, cost: columns) { range in
                        for row in range {
                            normalize(
                                pointer.base + row * columns, count: columns, gamma: gammaPointer.base,
                                beta: betaPointer.base, eps: eps)
                        }
                    }
                }
            }
        }
        return output
    }

    @inline(__always)
    static func normalize(
        _ row: UnsafeMutablePointer<Float>, count: Int, gamma: UnsafePointer<Float>,
        beta: UnsafePointer<Float>, eps: Float
    ) {
        // Two passes in fp32 with eight partial sums, close to PyTorch's vectorised reduction.
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
        for column in 0..<count {
            row[column] = (row[column] - mean) * inverse * gamma[column] + beta[column]
        }
    }
}
