import Layout

/// ZegCLIP's decoder (`decode_seg.py::ATMSingleHeadSeg` with `TPN_DecoderLayer`), released config
/// `use_stages=1`, `use_proj=False` (ZegCLIP's code).
///
/// Each layer is post-norm and skips its self-attention (whose weights exist but are unused):
/// `Q = norm2(Q + CA(Q, M)); Q = norm3(Q + linear2(ReLU(linear1(Q))))`. The mask is the head-averaged
/// pre-softmax cross-attention logits of the queries entering the last layer.
struct ATMDecoder: Sendable {
    struct Layer: Sendable {
        let attention: CrossAttention
        let norm2: LayerNorm
        let norm3: LayerNorm
        let mlp: MLP
    }

    let layers: [Layer]

    init(_ weights: WeightScope, head: HeadArchitecture, atm: ATMDecoderArchitecture) throws(RuntimeError) {
        var layers: [Layer] = []
        for index in 0..<atm.layers {
            let scope = weights.scoped("layers.\(index)")
            layers.append(
                Layer(
                    attention: try CrossAttention(scope.scoped("cross_attn"), width: head.width, heads: head.heads),
                    norm2: try LayerNorm(scope.scoped("norm2"), width: head.width, eps: atm.normEps),
                    norm3: try LayerNorm(scope.scoped("norm3"), width: head.width, eps: atm.normEps),
                    mlp: try MLP(scope.scoped("mlp"), width: head.width, hidden: atm.mlpWidth, activation: .relu)))
        }
        self.layers = layers
    }

    /// Mask logits `[C, h·w]` for class queries `[C, D]` over the normalised dense features `[h·w, D]`.
    func callAsFunction(queries: Matrix, memory: Matrix, gridHeight: Int, gridWidth: Int, taps: TapRecorder?) -> Matrix
    {
        var q = queries
        var mask = Matrix(rows: queries.rows, columns: memory.rows)
        for (index, layer) in layers.enumerated() {
            let (attended, means) = layer.attention(q, over: memory, wantLogitMeans: true)
            if let means {
                mask = means
                taps?.record(
                    "head.layers.\(index).attention", itemShape: [q.rows, gridHeight, gridWidth], values: means.values)
            }
            q = layer.norm2(q + attended)
            q = layer.norm3(q + layer.mlp(q))
            taps?.record("head.layers.\(index).queries", q)
        }
        return mask
    }
}
