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
        let headWidth = width / heads, width = self.width, heads = self.heads
        let scale = 1 / Float(headWidth).squareRoot()
        var context = [Float](repeating: 0, count: x.rows * width)
        projected.values.withUnsafeBufferPointer { source in
            context.withUnsafeMutableBufferPointer { target in
                guard let sourceBase = source.baseAddress, let targetBase = target.baseAddress else { return }
                let input = Parallel.Pointer(base: UnsafeMutablePointer(mutating: sourceBase))
                let output = Parallel.Pointer(base: targetBase)
                let run: @Sendable (Range<Int>, Bool) -> Void = { range, parallelHeads in
                    for sequence in sequences[range] {
                        let base = input.base + sequence.lowerBound * 3 * width
                        AttentionOp.attend(
                            query: base, queryStride: 3 * width, queries: sequence.count,
                            key: base + width, keyStride: 3 * width, keys: sequence.count,
                            value: base + 2 * width, valueStride: 3 * width,
                            heads: heads, headWidth: headWidth, scale: scale, causal: causal,
                            output: output.base + sequence.lowerBound * width, outputStride: width,
                            logitMeans: nil, parallel: parallelHeads)
                    }
                }
                // One long sequence (an image): heads in parallel. Many short ones (packed prompts):
                // whole prompts in parallel, each worker running its prompts' heads in turn.
                if sequences.count == 1 {
                    run(0..<1, true)
                } else {
                    let average = x.rows / max(1, sequences.count)
                    Parallel.forEachChunk(sequences.count, cost: average * average * width) { run($0, false) }
                }
            }
        }
        return output(Matrix(rows: x.rows, columns: width, values: context))
    }
}
