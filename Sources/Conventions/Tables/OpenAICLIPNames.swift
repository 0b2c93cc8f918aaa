/// OpenAI `clip/model.py` key names, shared by open_clip's `CLIP`. Source spellings are verbatim.
extension NameTable {
    static let openAIBlock = BlockSpelling(
        norm1: "ln_1", attention: "attn", norm2: "ln_2", fc1: "mlp.c_fc", fc2: "mlp.c_proj")

    /// OpenAI's and open_clip's `CLIP` state dicts (and OpenAI's TorchScript releases such as `ViT-B-16.pt`).
    public static let openAI: NameTable = {
        var rules: [NameRule] = [
            NameRule("vision.patch_embed.weight", "visual.conv1.weight"),  // Conv2d, no bias
            NameRule("vision.class_embedding", "visual.class_embedding"),
            NameRule("vision.position_embedding", "visual.positional_embedding"),
            NameRule("vision.ln_pre.weight", "visual.ln_pre.weight"),
            NameRule("vision.ln_pre.bias", "visual.ln_pre.bias"),
        ]
        rules += blockRules(
            canonicalPrefix: "vision.blocks", sourcePrefix: "visual.transformer.resblocks",
            fusedAttention: true, names: openAIBlock)
        rules += [
            NameRule("vision.ln_post.weight", "visual.ln_post.weight"),
            NameRule("vision.ln_post.bias", "visual.ln_post.bias"),
            NameRule("vision.proj.weight", "visual.proj", .transpose),  // used as x @ proj: [W, E]
            NameRule("text.token_embedding", "token_embedding.weight"),
            NameRule("text.position_embedding", "positional_embedding"),
        ]
        rules += blockRules(
            canonicalPrefix: "text.blocks", sourcePrefix: "transformer.resblocks",
            fusedAttention: true, names: openAIBlock)
        rules += [
            NameRule("text.ln_final.weight", "ln_final.weight"),
            NameRule("text.ln_final.bias", "ln_final.bias"),
            NameRule("text.proj.weight", "text_projection", .transpose),  // used as x @ text_projection
            NameRule("logit_scale", "logit_scale"),
        ]
        let dropped = [
            DropRule(
                "input_resolution", reason: "OpenAI TorchScript metadata; the image size is stored as vision.image_size"
            ),
            DropRule("context_length", reason: "OpenAI TorchScript metadata; stored as text.context_length"),
            DropRule("vocab_size", reason: "OpenAI TorchScript metadata; stored as text.vocab_size"),
            DropRule("attn_mask", reason: "causal attention mask; the runtime rebuilds it from text.context_length"),
            DropRule(
                "transformer.resblocks.{i}.attn_mask",
                reason: "causal attention mask; the runtime rebuilds it from text.context_length"),
        ]
        return NameTable(rules: rules, dropped: dropped)
    }()
}

extension Convention {
    /// OpenAI's `clip.model.CLIP` (and its TorchScript releases such as `ViT-B-16.pt`).
    public static let openAI = Convention(
        name: "openai", summary: "OpenAI CLIP (clip.model.CLIP, TorchScript releases)", table: .openAI,
        defaultActivation: .quickGELU)

    /// open_clip's `CLIP`: OpenAI's key names, told apart by `open_clip_config.json`. Its own configs
    /// use the exact GELU unless their name ends in `-quickgelu`.
    public static let openCLIP = Convention(
        name: "open_clip", summary: "open_clip (open_clip.CLIP)", table: .openAI, config: .openCLIP,
        detectedByConfig: true, defaultActivation: .gelu)
}
