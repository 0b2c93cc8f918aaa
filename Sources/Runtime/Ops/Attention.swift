import BLAS

/// Scaled dot-product attention over already projected queries, keys and values, head by head.
///
/// Each head is `softmax(scale · Q_h K_hᵀ) V_h` with Q_h the columns `h·d ..< (h+1)·d` of the query
/// matrix (PyTorch's `reshape(…, heads, d)` channel order). Both products go through sgemm with the
/// head's columns addressed in place by leading dimension, so no per-head copies are made. Heads are
/// spread over the workers, each with its own score buffer.
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
    static func attend(
        query: Operand, key: Operand, value: Operand, heads: Int, headWidth: Int, scale: Float,
        causal: Bool = false, logitMeans: UnsafeMutablePointer<Float>? = nil, parallel: Bool = true
    ) -> Matrix {
        let width = heads * headWidth
        var context = [Float](repeating: 0, count: query.rows * width)
        query.values.withUnsafeBufferPointer { q in
            key.values.withUnsafeBufferPointer { k in
                value.values.withUnsafeBufferPointer { v in
                    context.withUnsafeMutableBufferPointer { out in
                        guard let qBase = q.baseAddress, let kBase = k.baseAddress, let vBase = v.baseAddress,
                            let outBase = out.baseAddress
                        else { return }
                        attend(
                            query: qBase + query.offset, queryStride: query.stride, queries: query.rows,
                            key: kBase + key.offset, keyStride: key.stride, keys: key.rows,
                            value: vBase + value.offset, valueStride: value.stride,
                            heads: heads, headWidth: headWidth, scale: scale, causal: causal,
                            output: outBase, outputStride: width, logitMeans: logitMeans, parallel: parallel)
                    }
                }
            }
        }
        return Matrix(rows: query.rows, columns: width, values: context)
    }

    /// Pointer form: writes head h's context into `output` columns `h·headWidth`.
    static func attend(
        query: UnsafePointer<Float>, queryStride: Int, queries: Int,
        key: UnsafePointer<Float>, keyStride: Int, keys: Int,
        value: UnsafePointer<Float>, valueStride: Int,
        heads: Int, headWidth: Int, scale: Float, causal: Bool,
        output: UnsafeMutablePointer<Float>, outputStride: Int,
        logitMeans: UnsafeMutablePointer<Float>?, parallel: Bool
    ) {
        let q = Parallel.Pointer(base: UnsafeMutablePointer(mutating: query))
        let k = Parallel.Pointer(base: UnsafeMutablePointer(mutating: key))
        let v = Parallel.Pointer(base: UnsafeMutablePointer(mutating: value))
        let out = Parallel.Pointer(base: output)
        // Head-averaged logits are a sum over heads, so that (small, ZegCLIP-only) case stays serial.
        let means = logitMeans.map { Parallel.Pointer(base: $0) }
        if let means { means.base.update(repeating: 0, count: queries * keys) }
        let body: @Sendable (Range<Int>) -> Void = { headRange in
            let scores = UnsafeMutablePointer<Float>.allocate(capacity: max(1, queries * keys))
            defer { scores.deallocate() }
            for head in headRange {
                let column = head * headWidth
                GEMM.multiplyUnchecked(
                    m: queries, n: keys, k: headWidth, alpha: scale,
                    a: q.base + column, lda: queryStride,
                    b: k.base + column, ldb: keyStride, transposeB: true,
                    beta: 0, c: scores, ldc: keys)
                if let means {
                    let weight = 1 / Float(heads)
                    for index in 0..<(queries * keys) { means.base[index] += scores[index] * weight }
                }
                for row in 0..<queries {
                    let start = scores + row * keys
                    let length = causal ? min(keys, row + 1) : keys
                    Softmax.normalize(start, count: length)
                    if length < keys { (start + length).update(repeating: 0, count: keys - length) }
                }
                GEMM.multiplyUnchecked(
                    m: queries, n: headWidth, k: keys, alpha: 1,
                    a: scores, lda: keys,
                    b: v.base + column, ldb: valueStride,
                    beta: 0, c: out.base + column, ldc: outputStride)
            }
        }
        if parallel && means == nil {
            Parallel.forEachChunk(heads, cost: queries * keys * headWidth) { body($0) }
        } else {
            body(0..<heads)
        }
    }
}
