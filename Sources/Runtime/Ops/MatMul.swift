import BLAS

/// Matrix products of the runtime, all through OpenBLAS `sgemm` (BLAS/GEMM.swift).
///
/// OpenBLAS runs single-threaded; the runtime splits each product's rows over its own workers
/// (`Parallel`). One thread pool for everything means OpenBLAS's idle workers never spin against the
/// element-wise loops, which cost a third of the ViT-B/16 time when both pools were active.
/// Shapes are established when a layer loads its weights, so these entry points only assert
/// internal invariants and call the unchecked sgemm.
enum MatMul {
    /// `x · Wᵀ + b` for an `nn.Linear` weight stored `[out, in]` (the canonical layout).
    static func linear(_ x: Matrix, weight: [Float], bias: [Float]?, outFeatures: Int) -> Matrix {
        precondition(
            weight.count == outFeatures * x.columns, "linear: weight \(weight.count) for \(x.columns)→\(outFeatures)")
        var result: [Float]
        if let bias, x.columns > 0 {
            precondition(bias.count == outFeatures)
            // sgemm accumulates into C with beta = 1, so seed every row with the bias (no zero fill first).
            result = [Float](unsafeUninitializedCapacity: x.rows * outFeatures) { target, initialized in
                bias.withUnsafeBufferPointer { source in
                    guard let targetBase = target.baseAddress, let sourceBase = source.baseAddress else { return }
                    for row in 0..<x.rows {
                        (targetBase + row * outFeatures).initialize(from: sourceBase, count: outFeatures)
                    }
                }
                initialized = x.rows * outFeatures
            }
        } else if x.columns > 0 {
            // beta = 0: sgemm writes every element of C.
            result = uninitialized(x.rows * outFeatures)
        } else {
            // An empty inner dimension: sgemm is not called, so the result is the bias (or zero) per row.
            result = (0..<x.rows).flatMap { _ in bias ?? [Float](repeating: 0, count: outFeatures) }
        }
        multiply(
            m: x.rows, n: outFeatures, k: x.columns, a: x.values, lda: x.columns,
            b: weight, ldb: x.columns, transposeB: true, beta: bias == nil ? 0 : 1, c: &result, ldc: outFeatures)
        return Matrix(rows: x.rows, columns: outFeatures, values: result)
    }

    /// `a · bᵀ` (both row-major, same column count): similarity logits such as Eq. 13's `X·T̂ᵀ`.
    static func multiplyTransposed(_ a: Matrix, _ b: Matrix) -> Matrix {
        precondition(a.columns == b.columns)
        var result = a.columns > 0 ? uninitialized(a.rows * b.rows) : [Float](repeating: 0, count: a.rows * b.rows)
        multiply(
            m: a.rows, n: b.rows, k: a.columns, a: a.values, lda: a.columns,
            b: b.values, ldb: b.columns, transposeB: true, beta: 0, c: &result, ldc: b.rows)
        return Matrix(rows: a.rows, columns: b.rows, values: result)
    }

    /// An array of `count` floats whose contents are unspecified, for outputs sgemm overwrites
    /// entirely (beta = 0 with a non-empty inner dimension): no zero fill before the product.
    static func uninitialized(_ count: Int) -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
    }

    /// `C = A · op(B) + beta · C` over whole arrays, rows of A and C split over the workers.
    static func multiply(
        m: Int, n: Int, k: Int, alpha: Float = 1, a: [Float], lda: Int,
        b: [Float], ldb: Int, transposeB: Bool, beta: Float, c: inout [Float], ldc: Int
    ) {
        a.withUnsafeBufferPointer { aBuffer in
            b.withUnsafeBufferPointer { bBuffer in
                c.withUnsafeMutableBufferPointer { cBuffer in
                    guard let aBase = aBuffer.baseAddress, let bBase = bBuffer.baseAddress,
                        let cBase = cBuffer.baseAddress
                    else { return }
                    splitOverWorkers(
                        m: m, n: n, k: k, alpha: alpha, a: aBase, lda: lda, b: bBase, ldb: ldb, transposeB: transposeB,
                        beta: beta, c: cBase, ldc: ldc)
                }
            }
        }
    }

    /// Pointer form of `multiply`: rows of A and C, or columns of op(B) and C, split over the workers,
    /// each a single-threaded sgemm. Every worker packs the whole of the operand that is not split, so
    /// the split goes along the larger output dimension: for a linear layer on few tokens (CLIP at
    /// 224×224: 197 rows against 768–3072 output features) splitting the weight's rows halves each
    /// worker's packing instead of doubling it.
    static func splitOverWorkers(
        m: Int, n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int, transposeB: Bool, beta: Float,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        let aPointer = Parallel.Pointer(base: UnsafeMutablePointer(mutating: a))
        let bPointer = Parallel.Pointer(base: UnsafeMutablePointer(mutating: b))
        let cPointer = Parallel.Pointer(base: c)
        if n > m {
            // Below ~1 MFLOP per worker the hand-off costs more than it saves.
            Parallel.forEachChunk(n, cost: max(1, m * k / 16), minimumRows: 16) { columns in
                // Column j of op(B) is row j of a transposed (`[n, k]`) B, or column j of a plain (`[k, n]`) one.
                let bStart = transposeB ? columns.lowerBound * ldb : columns.lowerBound
                GEMM.multiplyUnchecked(
                    m: m, n: columns.count, k: k, alpha: alpha,
                    a: aPointer.base, lda: lda,
                    b: bPointer.base + bStart, ldb: ldb, transposeB: transposeB,
                    beta: beta, c: cPointer.base + columns.lowerBound, ldc: ldc)
            }
            return
        }
        Parallel.forEachChunk(m, cost: max(1, n * k / 16), minimumRows: 16) { rows in
            GEMM.multiplyUnchecked(
                m: rows.count, n: n, k: k, alpha: alpha,
                a: aPointer.base + rows.lowerBound * lda, lda: lda,
                b: bPointer.base, ldb: ldb, transposeB: transposeB,
                beta: beta, c: cPointer.base + rows.lowerBound * ldc, ldc: ldc)
        }
    }
}
