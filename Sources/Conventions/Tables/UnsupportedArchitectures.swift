/// Families refused by name, most specific first (an EVA trunk is also a timm trunk). Key
/// spellings are the families' own code's (module attribute names), verbatim.
extension UnsupportedArchitecture {
    public static let builtIn: [UnsupportedArchitecture] = [
        UnsupportedArchitecture(
            name: "SigLIP (transformers SiglipModel)", part: .model,
            hints: [.init("vision_model.head.probe"), .init("vision_model.head.attention.")],
            reason:
                "an attention-pooling image head, last-token text pooling without a causal mask, and a sigmoid loss with logit_bias"
        ),
        UnsupportedArchitecture(
            name: "SigLIP (open_clip, timm ViT trunk with attention pooling)", part: .model,
            hints: [.init("visual.trunk.attn_pool.")],
            reason:
                "a timm ViT image trunk with attention pooling and a text tower without a causal mask (open_clip CustomTextCLIP)"
        ),
        UnsupportedArchitecture(
            name: "CoCa (open_clip)", part: .model,
            hints: [.init("text_decoder."), .init("visual.attn_pool.")],
            reason: "an attention-pooled image tower and a multimodal text decoder for captioning"),
        UnsupportedArchitecture(
            name: "EVA vision tower (EVA-CLIP, open_clip timm EVA)", part: .vision,
            hints: [
                .init("visual.trunk.", contains: ".attn.q_bias"), .init("visual.blocks.", contains: ".attn.q_bias"),
                .init("visual.rope."),
            ],
            reason: "rotary position embeddings, separate q/v biases and SwiGLU MLPs"),
        UnsupportedArchitecture(
            name: "ConvNeXt vision tower (open_clip timm trunk)", part: .vision,
            hints: [.init("visual.trunk.stages."), .init("visual.trunk.stem.")],
            reason: "a convolutional image tower"),
        UnsupportedArchitecture(
            name: "timm vision trunk (open_clip)", part: .vision, hints: [.init("visual.trunk.")],
            reason: "a timm image model in place of CLIP's ViT"),
        UnsupportedArchitecture(
            name: "ModifiedResNet vision tower (OpenAI/open_clip RN50, RN101, RN50x4, …)", part: .vision,
            hints: [.init("visual.layer1."), .init("visual.attnpool.")],
            reason: "a convolutional ResNet image tower with attention pooling"),
    ]
}
