import BLAS

/// Matrix products of the runtime, all through OpenBLAS `sgemm` (BLAS/GEMM.swift).
///
/// Shapes are established when a layer loads its weights, so these entry points only assert
/// internal invariants and call the unchecked sgemm.
enum MatMul {
    /// `x · Wᵀ + b` for an `nn.Linear` weight stored `[out, in]` (the canonical layout).
    static func linear(_ x: Matrix, weight: [Float], bias: [Float]?, outFeatures: Int) -> Matrix {
        precondition(weight.count == outFeatures * x.columns, "linear: weight \(weight.count) for \(x.columns)→\(outFeatures)")
        var result = [Float](repeating: 0, count: x.rows * outFeatures)
        if let bias {
            precondition(bias.count == outFeatures)
            // sgemm accumulates into C with beta = 1, so seed every row with the bias.
            result.withUnsafeMutableBufferPointer { target in
                bias.withUnsafeBufferPointer { source in
                    guard let targetBase = target.baseAddress, let sourceBase = source.baseAddress else { return }
                    for row in 0..<x.rows { (targetBase + row * outFeatures).update(from: sourceBase, count: outFeatures) }
                }
            }
        }
        multiply(m: x.rows, n: outFeatures, k: x.columns, a: x.values, lda: x.columns, transposeA: false,
                 b: weight, ldb: x.columns, transposeB: true, beta: bias == nil ? 0 : 1, c: &result, ldc: outFeatures)
        return Matrix(rows: x.rows, columns: outFeatures, values: result)
    }

    /// `a · bᵀ` (both row-major, same column count): similarity logits such as Eq. 13's `X·T̂ᵀ`.
    static func multiplyTransposed(_ a: Matrix, _ b: Matrix) -> Matrix {
        precondition(a.columns == b.columns)
        var result = [Float](repeating: 0, count: a.rows * b.rows)
        multiply(m: a.rows, n: b.rows, k: a.columns, a: a.values, lda: a.columns, transposeA: false,
                 b: b.values, ldb: b.columns, transposeB: true, beta: 0, c: &result, ldc: b.rows)
        return Matrix(rows: a.rows, columns: b.rows, values: result)
    }

    /// Raw sgemm over whole arrays (offsets zero), for callers that computed the leading dimensions.
    static func multiply(m: Int, n: Int, k: Int, alpha: Float = 1, a: [Float], lda: Int, transposeA: Bool,
                         b: [Float], ldb: Int, transposeB: Bool, beta: Float, c: inout [Float], ldc: Int) {
        a.withUnsafeBufferPointer { aBuffer in
            b.withUnsafeBufferPointer { bBuffer in
                c.withUnsafeMutableBufferPointer { cBuffer in
                    guard let aBase = aBuffer.baseAddress, let bBase = bBuffer.baseAddress, let cBase = cBuffer.baseAddress else { return }
                    GEMM.multiplyUnchecked(m: m, n: n, k: k, alpha: alpha, a: aBase, lda: lda, transposeA: transposeA,
                                           b: bBase, ldb: ldb, transposeB: transposeB, beta: beta, c: cBase, ldc: ldc)
                }
            }
        }
    }
}
