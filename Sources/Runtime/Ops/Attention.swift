import BLAS

/// Scaled dot-product attention over already projected queries, keys and values, head by head.
///
/// Each head is `softmax(scale · Q_h K_hᵀ) V_h` with Q_h the columns `h·d ..< (h+1)·d` of the query
/// matrix (PyTorch's `reshape(…, heads, d)` channel order). Both products go through sgemm with the
/// head's columns addressed in place by leading dimension, so no per-head copies are made. Work is
/// split into (head, block of query rows) items spread over the workers, each with its own score
/// buffer; the softmax's division by the row sum is applied to the head-width output row after the
/// second product rather than to the keys-long score row before it.
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

    /// Query rows per block of the blocked path: a block's scores (rows × keys) stay in the L2 cache
    /// between the two products and the softmax, where a whole head's (1125² floats for ViT-B/16 at
    /// 512×512 with prompts) would not.
    static let queryBlock = 96

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
        if let logitMeans {
            // Head-averaged logits are a sum over heads, so that (small, ZegCLIP-only) case stays serial
            // and keeps whole heads.
            attendKeepingLogitMeans(
                q: q, queryStride: queryStride, queries: queries, k: k, keyStride: keyStride, keys: keys,
                v: v, valueStride: valueStride, heads: heads, headWidth: headWidth, scale: scale,
                out: out, outputStride: outputStride, means: logitMeans)
            return
        }
        // Work items are (head, block of query rows), head-major so a worker's items share K_h and V_h.
        // Each item's products and softmax do not depend on which worker runs it, so any worker count
        // gives the same bits.
        let block = queryBlock
        let blocks = (queries + block - 1) / block
        let body: @Sendable (Range<Int>) -> Void = { items in
            let scores = UnsafeMutablePointer<Float>.allocate(capacity: max(1, min(block, queries) * keys))
            defer { scores.deallocate() }
            var inverseSums = [Float](repeating: 0, count: block)
            for item in items {
                let head = item / blocks, first = (item % blocks) * block
                let rows = min(block, queries - first)
                let column = head * headWidth
                GEMM.multiplyUnchecked(
                    m: rows, n: keys, k: headWidth, alpha: scale,
                    a: q.base + first * queryStride + column, lda: queryStride,
                    b: k.base + column, ldb: keyStride, transposeB: true,
                    beta: 0, c: scores, ldc: keys)
                for row in 0..<rows {
                    let start = scores + row * keys
                    let length = causal ? min(keys, first + row + 1) : keys
                    inverseSums[row] = 1 / Softmax.exponentiate(start, count: length)
                    if length < keys { (start + length).update(repeating: 0, count: keys - length) }
                }
                let target = out.base + first * outputStride + column
                GEMM.multiplyUnchecked(
                    m: rows, n: headWidth, k: keys, alpha: 1,
                    a: scores, lda: keys,
                    b: v.base + column, ldb: valueStride,
                    beta: 0, c: target, ldc: outputStride)
                for row in 0..<rows {
                    scaleRow(target + row * outputStride, count: headWidth, by: inverseSums[row])
                }
            }
        }
        if parallel {
            Parallel.forEachChunk(heads * blocks, cost: min(block, queries) * keys * headWidth) { body($0) }
        } else {
            body(0..<(heads * blocks))
        }
    }

    @inline(__always)
    private static func scaleRow(_ start: UnsafeMutablePointer<Float>, count: Int, by factor: Float) {
        var index = 0
        while index + 8 <= count {
            let raw = UnsafeMutableRawPointer(start + index)
            raw.storeBytes(of: raw.loadUnaligned(as: SIMD8<Float>.self) * factor, as: SIMD8<Float>.self)
            index += 8
        }
        while index < count {
            start[index] *= factor
            index += 1
        }
    }

    /// Whole heads one after another, accumulating each head's scaled logits into `means` before its softmax.
    private static func attendKeepingLogitMeans(
        q: Parallel.Pointer<Float>, queryStride: Int, queries: Int, k: Parallel.Pointer<Float>, keyStride: Int,
        keys: Int, v: Parallel.Pointer<Float>, valueStride: Int, heads: Int, headWidth: Int, scale: Float,
        out: Parallel.Pointer<Float>, outputStride: Int, means: UnsafeMutablePointer<Float>
    ) {
        means.update(repeating: 0, count: queries * keys)
        let scores = UnsafeMutablePointer<Float>.allocate(capacity: max(1, queries * keys))
        defer { scores.deallocate() }
        let weight = 1 / Float(heads)
        for head in 0..<heads {
            let column = head * headWidth
            GEMM.multiplyUnchecked(
                m: queries, n: keys, k: headWidth, alpha: scale,
                a: q.base + column, lda: queryStride,
                b: k.base + column, ldb: keyStride, transposeB: true,
                beta: 0, c: scores, ldc: keys)
            for index in 0..<(queries * keys) { means[index] += scores[index] * weight }
            for row in 0..<queries { Softmax.normalize(scores + row * keys, count: keys) }
            GEMM.multiplyUnchecked(
                m: queries, n: headWidth, k: keys, alpha: 1,
                a: scores, lda: keys,
                b: v.base + column, ldb: valueStride,
                beta: 0, c: out.base + column, ldc: outputStride)
        }
    }
}
