import Layout

/// LDVC's local consensus transformer decoder (paper Eq. 4–7, 13), reconstructed; every
/// choice the paper leaves open comes from the file's `LCTDArchitecture` options.
///
/// Block l: fuse the tap V_l into X (Eq. 4), then LCSA (Eq. 5), cross-attention with image features as
/// queries and the fused class embeddings T̂ as keys and values (Eq. 6), and an MLP (Eq. 7), each with
/// LayerNorm (pre- or post-norm). Logits S = X_L T̂ᵀ (Eq. 13).
struct LocalConsensusDecoder: Sendable {
    struct Block: Sendable {
        let conv: (weight: [Float], bias: [Float], kernel: Int, dense: Bool)?
        let norm1: LayerNorm
        let route: RouteAttention
        let norm2: LayerNorm
        let classNorm: LayerNorm?
        let cross: CrossAttention
        let norm3: LayerNorm
        let mlp: MLP
    }

    /// How the raw CLIP taps become D-wide.
    enum TapProjection: Sendable {
        case learned([(projection: Linear, norm: LayerNorm)])
        /// CLIP's own `ln_post` and `proj`, then per-position L2 normalisation.
        case clipHead(norm: LayerNorm, projection: Linear)
    }

    let architecture: LCTDArchitecture
    let tapProjection: TapProjection
    let blocks: [Block]
    let finalNorm: LayerNorm?

    init(_ weights: WeightScope, head: HeadArchitecture, lctd: LCTDArchitecture, vision: VisionTransformer)
        throws(RuntimeError)
    {
        let width = head.width
        guard lctd.tapLayers.count == lctd.blocks,
            lctd.tapLayers.allSatisfy({ (0..<vision.architecture.layers).contains($0) })
        else {
            throw .unsupportedArchitecture(
                path: weights.path,
                reason:
                    "decoder tap layers \(lctd.tapLayers) for \(lctd.blocks) blocks and \(vision.architecture.layers) vision layers"
            )
        }
        // Padding k/2 keeps the grid only for odd kernels (an even one would grow it by a row and a column).
        guard lctd.conv == .none || (lctd.convKernel > 0 && lctd.convKernel % 2 == 1),
            lctd.routeLePEKernel == 0 || lctd.routeLePEKernel % 2 == 1
        else {
            throw .unsupportedArchitecture(
                path: weights.path,
                reason: "decoder kernels must be odd (conv \(lctd.convKernel), LePE \(lctd.routeLePEKernel))")
        }
        architecture = lctd
        switch lctd.tapProjection {
        case .learned:
            var parts: [(Linear, LayerNorm)] = []
            for index in 0..<lctd.blocks {
                parts.append(
                    (
                        try Linear(
                            weights.scoped("tap_proj.\(index)"), inFeatures: vision.architecture.width,
                            outFeatures: width),
                        try LayerNorm(weights.scoped("tap_norm.\(index)"), width: width, eps: lctd.tapNormEps)
                    ))
            }
            tapProjection = .learned(parts)
        case .clipHead:
            tapProjection = .clipHead(norm: vision.postNorm, projection: vision.projection)
        }
        var blocks: [Block] = []
        for index in 0..<lctd.blocks {
            let scope = weights.scoped("blocks.\(index)")
            var conv: (weight: [Float], bias: [Float], kernel: Int, dense: Bool)?
            if lctd.conv != .none {
                let inputs = lctd.conv == .dense ? width : 1
                conv = (
                    try scope.take("conv.weight", shape: [width, inputs, lctd.convKernel, lctd.convKernel]),
                    try scope.take("conv.bias", shape: [width]), lctd.convKernel, lctd.conv == .dense
                )
            }
            let activation = lctd.activation
            blocks.append(
                Block(
                    conv: conv,
                    norm1: try LayerNorm(scope.scoped("norm1"), width: width, eps: lctd.normEps),
                    route: try RouteAttention(scope.scoped("route_attn"), width: width, heads: head.heads, lctd: lctd),
                    norm2: try LayerNorm(scope.scoped("norm2"), width: width, eps: lctd.normEps),
                    classNorm: lctd.classNorm
                        ? try LayerNorm(scope.scoped("class_norm"), width: width, eps: lctd.normEps) : nil,
                    cross: try CrossAttention(scope.scoped("cross_attn"), width: width, heads: head.heads),
                    norm3: try LayerNorm(scope.scoped("norm3"), width: width, eps: lctd.normEps),
                    mlp: try MLP(scope.scoped("mlp"), width: width, hidden: lctd.mlpWidth, activation: activation)))
        }
        self.blocks = blocks
        finalNorm = lctd.finalNorm ? try LayerNorm(weights.scoped("final_norm"), width: width, eps: lctd.normEps) : nil
    }

    /// Logits `[C, h·w]` from the dense features F `[h·w, D]`, the raw taps `[h·w, W_v]` (one per block,
    /// in `tapLayers` order) and the fused class embeddings T̂ `[C, D]`.
    func callAsFunction(
        dense: Matrix, taps rawTaps: [Matrix], classes: Matrix, gridHeight: Int, gridWidth: Int,
        recorder: TapRecorder?
    ) throws(RuntimeError) -> Matrix {
        var x = dense
        for (index, block) in blocks.enumerated() {
            let tap = project(rawTaps[index], index: index)
            recorder?.record("head.taps.\(index)", itemShape: [gridHeight, gridWidth, tap.columns], values: tap.values)
            x = try run(block, x: x, tap: tap, classes: classes, height: gridHeight, width: gridWidth)
            recorder?.record("head.blocks.\(index)", itemShape: [gridHeight, gridWidth, x.columns], values: x.values)
        }
        if let finalNorm { x = finalNorm(x) }
        // Eq. 13: S = X_L T̂ᵀ, returned class-major for the upsampling.
        return MatMul.multiplyTransposed(classes, x)
    }

    private func project(_ raw: Matrix, index: Int) -> Matrix {
        switch tapProjection {
        case .learned(let parts):
            return parts[index].norm(parts[index].projection(raw))
        case .clipHead(let norm, let projection):
            var projected = projection(norm(raw))
            projected.normalizeRows()
            return projected
        }
    }

    private func run(_ block: Block, x: Matrix, tap: Matrix, classes: Matrix, height: Int, width: Int)
        throws(RuntimeError) -> Matrix
    {
        func convolve(_ input: Matrix) -> Matrix? {
            guard let conv = block.conv else { return nil }
            return conv.dense
                ? SpatialConv.dense(
                    input, height: height, width: width, weight: conv.weight, bias: conv.bias, kernel: conv.kernel,
                    outChannels: input.columns)
                : SpatialConv.depthwise(
                    input, height: height, width: width, weight: conv.weight, bias: conv.bias, kernel: conv.kernel)
        }
        // Eq. 4.
        var z: Matrix
        switch architecture.fusion {
        case .addThenConv:
            z = x + tap
            if let convolved = convolve(z) { z.add(convolved) }
        case .convOnTap:
            z = x + (convolve(tap) ?? tap)
        }
        let keys = block.classNorm.map { $0(classes) } ?? classes
        switch architecture.normPosition {
        case .pre:
            z.add(try block.route(block.norm1(z), height: height, width: width))
            z.add(block.cross(block.norm2(z), over: keys).output)
            z.add(block.mlp(block.norm3(z)))
        case .post:
            z = block.norm1(z + (try block.route(z, height: height, width: width)))
            z = block.norm2(z + block.cross(z, over: keys).output)
            z = block.norm3(z + block.mlp(z))
        }
        return z
    }
}
