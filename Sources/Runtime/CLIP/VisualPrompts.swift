import Layout

/// ZegCLIP's VPT-deep prompts (`img_encoder.py::VPTCLIPVisionTransformer`): per layer a block of
/// `tokens` rows, `prompt_proj(embeddings)`, inserted after CLS before block 0 and replacing the
/// previous layer's prompt outputs before blocks 1…deepLayers; later blocks run without them.
///
/// The projection does not depend on the image, so it is computed once at load.
struct VisualPrompts: Sendable {
    /// `prompt_proj(prompt_embeddings[0])`, then `prompt_proj(deep_prompt_embeddings[i])`.
    let perLayer: [Matrix]
    let tokens: Int
    /// `prompt_norm`, applied to every row after the last block (before `ln_post`) (ZegCLIP's code).
    let norm: LayerNorm
    let classEmbeddingTwice: Bool

    init(_ weights: WeightScope, architecture: VisionPromptArchitecture, width: Int, layers: Int) throws(RuntimeError) {
        guard architecture.tokens > 0, architecture.deepLayers >= 0, architecture.deepLayers < layers else {
            throw .unsupportedArchitecture(
                path: weights.path,
                reason:
                    "visual prompts: \(architecture.tokens) tokens, \(architecture.deepLayers) deep layers for \(layers) blocks"
            )
        }
        let tokens = architecture.tokens
        let projection = try Linear(weights.scoped("proj"), inFeatures: width, outFeatures: width)
        var perLayer = [
            projection(
                Matrix(
                    rows: tokens, columns: width,
                    values: try weights.take("embeddings", shape: [1, tokens, width])))
        ]
        if architecture.deepLayers > 0 {
            let deep = try weights.take("deep_embeddings", shape: [architecture.deepLayers, tokens, width])
            for layer in 0..<architecture.deepLayers {
                let rows = Array(deep[(layer * tokens * width)..<((layer + 1) * tokens * width)])
                perLayer.append(projection(Matrix(rows: tokens, columns: width, values: rows)))
            }
        }
        self.perLayer = perLayer
        self.tokens = tokens
        norm = try LayerNorm(weights.scoped("norm"), width: width, eps: architecture.normEps)
        classEmbeddingTwice = architecture.classEmbeddingTwice
    }
}
