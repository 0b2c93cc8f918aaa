/// The text adapter / relationship descriptor, `T̂ = q_proj([T ⊙ g, T])` (ZegCLIP
/// `decode_seg.py::get_qs` + `q_proj`; LDVC Eq. 3). T̂ is per image and not re-normalised.
struct TextAdapter: Sendable {
    let projection: Linear

    init(_ weights: WeightScope, width: Int) throws(RuntimeError) {
        projection = try Linear(weights, inFeatures: 2 * width, outFeatures: width)
    }

    /// `classes` `[C, D]` (normalised text features), `global` the image's normalised g `[D]`.
    func callAsFunction(classes: Matrix, global: [Float]) -> Matrix {
        let width = classes.columns
        var joined = Matrix(rows: classes.rows, columns: 2 * width)
        for row in 0..<classes.rows {
            for column in 0..<width {
                let value = classes.values[row * width + column]
                // Concat order [T⊙g, T] along channels, as written in get_qs.
                joined.values[row * 2 * width + column] = global[column] * value
                joined.values[row * 2 * width + width + column] = value
            }
        }
        return projection(joined)
    }
}

/// ZegCLIP's `Attention` (`decode_seg.py`): q, k, v and `proj` linears, `heads` heads, scale
/// `1/√head_width`. ZegCLIP uses it with class queries over image keys; LDVC's decoder with image
/// queries over class keys and values (the paper's Eq. 6).
struct CrossAttention: Sendable {
    let query: Linear
    let key: Linear
    let value: Linear
    let output: Linear
    let heads: Int

    init(_ weights: WeightScope, width: Int, heads: Int) throws(RuntimeError) {
        query = try Linear(weights.scoped("q_proj"), inFeatures: width, outFeatures: width)
        key = try Linear(weights.scoped("k_proj"), inFeatures: width, outFeatures: width)
        value = try Linear(weights.scoped("v_proj"), inFeatures: width, outFeatures: width)
        output = try Linear(weights.scoped("out_proj"), inFeatures: width, outFeatures: width)
        self.heads = heads
    }

    /// Attention of `queries` over `keysValues`. With `logitMeans`, also returns the pre-softmax logits
    /// averaged over heads, `[queries, keys]` (ZegCLIP's `attn_save.sum(dim=1) / num_heads`).
    func callAsFunction(_ queries: Matrix, over keysValues: Matrix, wantLogitMeans: Bool = false) -> (
        output: Matrix, logitMeans: Matrix?
    ) {
        let width = query.outFeatures, headWidth = width / heads
        let q = query(queries), k = key(keysValues), v = value(keysValues)
        var means = [Float](repeating: 0, count: wantLogitMeans ? queries.rows * keysValues.rows : 0)
        let context = means.withUnsafeMutableBufferPointer { buffer in
            AttentionOp.attend(
                query: .init(values: q.values, rows: q.rows, stride: width, offset: 0),
                key: .init(values: k.values, rows: k.rows, stride: width, offset: 0),
                value: .init(values: v.values, rows: v.rows, stride: width, offset: 0),
                heads: heads, headWidth: headWidth, scale: 1 / Float(headWidth).squareRoot(),
                logitMeans: wantLogitMeans ? buffer.baseAddress : nil)
        }
        let meanMatrix = wantLogitMeans ? Matrix(rows: queries.rows, columns: keysValues.rows, values: means) : nil
        return (output(context), meanMatrix)
    }
}
