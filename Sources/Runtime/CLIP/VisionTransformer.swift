import Layout

/// What the vision tower returns for one image.
public struct VisionEncoding: Sendable {
    public var gridHeight: Int
    public var gridWidth: Int
    /// Plain CLIP: `ln_post(CLS) @ projᵀ`, not normalised. Prompted (ZegCLIP) backbone: the
    /// L2-normalised global embedding g.
    public var embedding: [Float]
    /// Prompted backbone only: the L2-normalised dense features F, `[h·w, E]` position-major.
    public var dense: Matrix?
    /// Raw block outputs of the patch rows (no CLS, no prompts), `[h·w, W]`, for requested layers.
    public var intermediates: [Int: Matrix]
}

/// CLIP's ViT image tower (OpenAI `clip/model.py::VisionTransformer`), optionally with ZegCLIP's
/// VPT-deep prompts and output head (`VPTCLIPVisionTransformer.forward`).
public struct VisionTransformer: Sendable {
    let architecture: VisionArchitecture
    let embedDim: Int
    let patchWeight: [Float]
    let classEmbedding: [Float]
    let positionEmbedding: Matrix
    let preNorm: LayerNorm
    let blocks: [ResidualBlock]
    let postNorm: LayerNorm
    let projection: Linear
    let prompts: VisualPrompts?
    let path: String

    init(_ weights: WeightScope, architecture: VisionArchitecture, embedDim: Int, prompts: VisionPromptArchitecture?)
        throws(RuntimeError)
    {
        let width = architecture.width
        guard architecture.heads > 0, width % architecture.heads == 0, architecture.patchSize > 0,
            architecture.gridSize > 0
        else {
            throw .unsupportedArchitecture(
                path: weights.path,
                reason: "vision width \(width) with \(architecture.heads) heads, patch \(architecture.patchSize)")
        }
        self.architecture = architecture
        self.embedDim = embedDim
        path = weights.path
        let tower = weights.scoped("vision")
        patchWeight = try tower.take(
            "patch_embed.weight", shape: [width, 3, architecture.patchSize, architecture.patchSize])
        classEmbedding = try tower.take("class_embedding", shape: [width])
        let positions = architecture.gridSize * architecture.gridSize + 1
        positionEmbedding = Matrix(
            rows: positions, columns: width, values: try tower.take("position_embedding", shape: [positions, width]))
        preNorm = try LayerNorm(tower.scoped("ln_pre"), width: width, eps: architecture.layerNormEps)
        blocks = try ResidualBlock.stack(
            tower, layers: architecture.layers, width: width, heads: architecture.heads,
            mlpWidth: architecture.mlpWidth, eps: architecture.layerNormEps,
            activation: architecture.activation)
        postNorm = try LayerNorm(tower.scoped("ln_post"), width: width, eps: architecture.layerNormEps)
        projection = try Linear(tower.scoped("proj"), inFeatures: width, outFeatures: embedDim, bias: false)
        self.prompts = try prompts.map { (prompts) throws(RuntimeError) in
            try VisualPrompts(
                weights.scoped("prompts.vision"), architecture: prompts, width: width, layers: architecture.layers)
        }
    }

    /// Runs the tower on one normalised image. `keepLayers` names the blocks whose patch rows to return.
    public func encode(_ image: Image, keepLayers: Set<Int> = [], taps: TapRecorder? = nil) throws(RuntimeError)
        -> VisionEncoding
    {
        let width = architecture.width, patch = architecture.patchSize
        guard image.channels == 3, image.height >= patch, image.width >= patch else {
            throw .invalidInput(
                path: path, reason: "image \(image.channels)×\(image.height)×\(image.width) for patch size \(patch)")
        }
        let (patches, gridHeight, gridWidth) = PatchConv.apply(
            image: image.pixels, channels: 3, height: image.height,
            width: image.width, weight: patchWeight, outChannels: width, patch: patch)
        taps?.record("vision.patch_embed", patches)
        let patchCount = gridHeight * gridWidth

        // CLS row, then patches, plus position terms.
        var x = Matrix(rows: patchCount + 1, columns: width)
        x.values.replaceSubrange(0..<width, with: classEmbedding)
        x.values.replaceSubrange(width..<((patchCount + 1) * width), with: patches.values)
        let positions = try positionTerms(gridHeight: gridHeight, gridWidth: gridWidth)
        x.add(positions)
        taps?.record("vision.embeddings", x)
        x = preNorm(x)
        taps?.record("vision.ln_pre", x)

        if let prompts {
            // [CLS; P_0; patches] (img_encoder.py forward: cat after ln_pre).
            x = Matrix.stacking([x.slice(rows: 0..<1), prompts.perLayer[0], x.slice(rows: 1..<x.rows)])
        }
        var intermediates: [Int: Matrix] = [:]
        var hasPrompts = prompts != nil
        for (index, block) in blocks.enumerated() {
            if let prompts, index > 0 {
                if index < prompts.perLayer.count {
                    // forward_deep_prompt: fresh prompts replace the previous layer's prompt outputs.
                    x.replaceRows(startingAt: 1, with: prompts.perLayer[index])
                } else if hasPrompts {
                    // Past total_d_layer ZegCLIP keeps only CLS and the last h·w rows.
                    x = Matrix.stacking([x.slice(rows: 0..<1), x.slice(rows: (x.rows - patchCount)..<x.rows)])
                    hasPrompts = false
                }
            }
            let rows = x.rows
            x = block(consume x, sequences: [0..<rows], causal: false)
            taps?.record("vision.blocks.\(index)", x)
            if keepLayers.contains(index) { intermediates[index] = x.slice(rows: (x.rows - patchCount)..<x.rows) }
        }

        guard let prompts else {
            // Plain CLIP: ln_post on CLS, then the projection.
            let pooled = postNorm(x.slice(rows: 0..<1))
            taps?.record("vision.pooled", itemShape: [width], values: pooled.values)
            let embedding = projection(pooled)
            taps?.record("vision.embeds", itemShape: [embedDim], values: embedding.values)
            return VisionEncoding(
                gridHeight: gridHeight, gridWidth: gridWidth, embedding: embedding.values, dense: nil,
                intermediates: intermediates)
        }
        // ZegCLIP head: prompt_norm and ln_post back to back on every row, then proj (ZegCLIP's code).
        let normed = prompts.norm(x)
        taps?.record("vision.prompt_norm", normed)
        var projected = projection(postNorm(normed))
        projected.normalizeRows()
        let global = projected.row(0)
        let dense = projected.slice(rows: (projected.rows - patchCount)..<projected.rows)
        taps?.record("vision.global", itemShape: [embedDim], values: global)
        taps?.recordChannelFirst("vision.dense", dense, height: gridHeight, width: gridWidth)
        return VisionEncoding(
            gridHeight: gridHeight, gridWidth: gridWidth, embedding: global, dense: dense,
            intermediates: intermediates)
    }

    /// The position term added to `[CLS; patches]`.
    private func positionTerms(gridHeight: Int, gridWidth: Int) throws(RuntimeError) -> Matrix {
        let width = architecture.width, stored = architecture.gridSize
        var terms: Matrix
        if gridHeight == stored && gridWidth == stored {
            terms = positionEmbedding
        } else {
            guard prompts != nil else {
                throw .invalidInput(
                    path: path,
                    reason:
                        "a \(gridHeight)×\(gridWidth) patch grid needs position embeddings for it; the model stores \(stored)×\(stored)"
                )
            }
            // ZegCLIP re-interpolates pos[1:] bilinearly (align_corners=False) to the current grid.
            let spatial = positionEmbedding.slice(rows: 1..<positionEmbedding.rows).transposed()
            let resized = Resize.bilinear(
                spatial.values, planes: width, inHeight: stored, inWidth: stored,
                outHeight: gridHeight, outWidth: gridWidth)
            let patchRows = Matrix(rows: width, columns: gridHeight * gridWidth, values: resized).transposed()
            terms = Matrix.stacking([positionEmbedding.slice(rows: 0..<1), patchRows])
        }
        if prompts?.classEmbeddingTwice == true {
            // cls_pos = pos[0] + class_embedding (img_encoder.py forward), so CLS gets it twice.
            for column in 0..<width { terms.values[column] = terms.values[column] + classEmbedding[column] }
        }
        return terms
    }
}
