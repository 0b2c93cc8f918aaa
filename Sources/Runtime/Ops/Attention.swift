import BLAS

/// Scaled dot-product attention over already projected queries, keys and values, head by head.
///
/// Each head is `softmax(scale · Q_h K_hᵀ) V_h` with Q_h the columns `h·d ..< (h+1)·d` of the query
/// matrix (PyTorch's `reshape(…, heads, d)` channel order). Both products go through sgemm with the
/// head's columns addressed in place by leading dimension, so no per-head copies are made.
enum AttentionOp {
    /// The operands: row-major matrices whose head `h` occupies columns `offset + h·headWidth`.
    struct Operand {
        var values: [Float]
        var rows: Int
        var stride: Int
        var offset: Int
    }

    /// Returns the `[queries, heads·headWidth]` context. When `logitMeans` is given it receives the
    /// pre-softmax logits averaged over heads, `[queries, keys]` (ZegCLIP's `attn_save.sum(1) / heads`).
    static func attend(query: Operand, key: Operand, value: Operand, heads: Int, headWidth: Int, scale: Float,
                       causal: Bool = false, logitMeans: UnsafeMutablePointer<Float>? = nil) -> Matrix {
        let queries = query.rows, keys = key.rows
        let width = heads * headWidth
        var context = [Float](repeating: 0, count: queries * width)
        var scores = [Float](repeating: 0, count: queries * keys)
        if let logitMeans { logitMeans.update(repeating: 0, count: queries * keys) }
        query.values.withUnsafeBufferPointer { q in
            key.values.withUnsafeBufferPointer { k in
                value.values.withUnsafeBufferPointer { v in
                    context.withUnsafeMutableBufferPointer { out in
                        scores.withUnsafeMutableBufferPointer { s in
                            guard let qBase = q.baseAddress, let kBase = k.baseAddress, let vBase = v.baseAddress,
                                  let outBase = out.baseAddress, let sBase = s.baseAddress else { return }
                            for head in 0..<heads {
                                let column = head * headWidth
                                GEMM.multiplyUnchecked(m: queries, n: keys, k: headWidth, alpha: scale,
                                                  a: qBase + query.offset + column, lda: query.stride, transposeA: false,
                                                  b: kBase + key.offset + column, ldb: key.stride, transposeB: true,
                                                  beta: 0, c: sBase, ldc: keys)
                                if let logitMeans {
                                    let weight = 1 / Float(heads)
                                    for index in 0..<(queries * keys) { logitMeans[index] += sBase[index] * weight }
                                }
                                Softmax.rows(sBase, rows: queries, columns: keys, stride: keys, causal: causal)
                                GEMM.multiplyUnchecked(m: queries, n: headWidth, k: keys, alpha: 1,
                                                  a: sBase, lda: keys, transposeA: false,
                                                  b: vBase + value.offset + column, ldb: value.stride, transposeB: false,
                                                  beta: 0, c: outBase + column, ldc: width)
                            }
                        }
                    }
                }
            }
        }
        return Matrix(rows: queries, columns: width, values: context)
    }
}
