/// HuggingFace transformers `modeling_clip.py` key names. `pre_layrnorm` is HF's own spelling.
extension NameTable {
    static let hfBlock = BlockSpelling(
        norm1: "layer_norm1", attention: "self_attn", norm2: "layer_norm2", fc1: "mlp.fc1", fc2: "mlp.fc2")

    public static let huggingFace: NameTable = {
        var rules: [NameRule] = [
            NameRule("vision.patch_embed.weight", "vision_model.embeddings.patch_embedding.weight"),
            NameRule("vision.class_embedding", "vision_model.embeddings.class_embedding"),
            NameRule("vision.position_embedding", "vision_model.embeddings.position_embedding.weight"),
            NameRule("vision.ln_pre.weight", "vision_model.pre_layrnorm.weight"),
            NameRule("vision.ln_pre.bias", "vision_model.pre_layrnorm.bias"),
        ]
        rules += blockRules(
            canonicalPrefix: "vision.blocks", sourcePrefix: "vision_model.encoder.layers",
            fusedAttention: false, names: hfBlock)
        rules += [
            NameRule("vision.ln_post.weight", "vision_model.post_layernorm.weight"),
            NameRule("vision.ln_post.bias", "vision_model.post_layernorm.bias"),
            NameRule("vision.proj.weight", "visual_projection.weight"),  // nn.Linear, no bias: already [E, W]
            NameRule("text.token_embedding", "text_model.embeddings.token_embedding.weight"),
            NameRule("text.position_embedding", "text_model.embeddings.position_embedding.weight"),
        ]
        rules += blockRules(
            canonicalPrefix: "text.blocks", sourcePrefix: "text_model.encoder.layers",
            fusedAttention: false, names: hfBlock)
        rules += [
            NameRule("text.ln_final.weight", "text_model.final_layer_norm.weight"),
            NameRule("text.ln_final.bias", "text_model.final_layer_norm.bias"),
            NameRule("text.proj.weight", "text_projection.weight"),
            NameRule("logit_scale", "logit_scale"),
        ]
        let dropped = [
            DropRule("vision_model.embeddings.position_ids", reason: "index buffer 0..<tokens; recomputed"),
            DropRule("text_model.embeddings.position_ids", reason: "index buffer 0..<context; recomputed"),
        ]
        return NameTable(rules: rules, dropped: dropped)
    }()
}

extension Convention {
    /// HuggingFace transformers' `CLIPModel` / `CLIPVisionModelWithProjection` /
    /// `CLIPTextModelWithProjection`; `CLIPConfig`'s default activation is QuickGELU.
    public static let huggingFace = Convention(
        name: "hf", summary: "HuggingFace transformers (CLIPModel)", table: .huggingFace, config: .huggingFace,
        defaultActivation: .quickGELU)
}
