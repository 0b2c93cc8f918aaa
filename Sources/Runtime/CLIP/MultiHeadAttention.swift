/// CLIP's self-attention (`nn.MultiheadAttention` in OpenAI/open_clip, `CLIPAttention` in HF): separate
/// q/k/v projections in the file, fused here into one `[3W, W]` product; scale `1/√(W/heads)`.
struct MultiHeadSelfAttention: Sendable {
    let qkv: Linear
    let output: Linear
    let heads: Int
    let width: Int

    init(_ weights: WeightScope, width: Int, heads: Int) throws(RuntimeError) {
        let q = try Linear(weights.scoped("q_proj"), inFeatures: width, outFeatures: width)
        let k = try Linear(weights.scoped("k_proj"), inFeatures: width, outFeatures: width)
        let v = try Linear(weights.scoped("v_proj"), inFeatures: width, outFeatures: width)
        qkv = Linear(concatenating: [q, k, v])
        output = try Linear(weights.scoped("out_proj"), inFeatures: width, outFeatures: width)
        self.heads = heads
        self.width = width
    }

    /// Attention within each of `sequences` (row ranges of `x`; several text prompts packed into one
    /// matrix so the projections run as one sgemm). `causal` applies CLIP's text mask.
    func callAsFunction(_ x: Matrix, sequences: [Range<Int>], causal: Bool) -> Matrix {
        let projected = qkv(x)
        let headWidth = width / heads
        var context = Matrix(rows: x.rows, columns: width)
        for sequence in sequences {
            let base = sequence.lowerBound * 3 * width
            let query = AttentionOp.Operand(values: projected.values, rows: sequence.count, stride: 3 * width, offset: base)
            let key = AttentionOp.Operand(values: projected.values, rows: sequence.count, stride: 3 * width, offset: base + width)
            let value = AttentionOp.Operand(values: projected.values, rows: sequence.count, stride: 3 * width, offset: base + 2 * width)
            let part = AttentionOp.attend(query: query, key: key, value: value, heads: heads, headWidth: headWidth,
                                          scale: 1 / Float(headWidth).squareRoot(), causal: causal)
            context.replaceRows(startingAt: sequence.lowerBound, with: part)
        }
        return output(context)
    }
}
