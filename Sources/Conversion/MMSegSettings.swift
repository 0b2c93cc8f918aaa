/// Where a ZegCLIP/LDVC training config states each setting the layout records. Data only: the
/// importer looks the paths up in order and takes the first present.
///
/// - `model.*` paths are MMSegmentation config names: ZegCLIP's real ones for what ZegCLIP has
///   (`configs/_base_/models/zegclip.py`, `configs/voc12/vpt_seg_zero_vit-b_512x512_20k_12_10.py`),
///   BiFormer's for route attention (`n_win`, `topk`, `side_dwconv`), and for LDVC's other
///   reconstructed choices the layout's own attribute names under `model.decode_head` (reconstructed).
/// - Top-level `visual_prompts.*`, `text_prompts.*`, `head.*`, `decoder.*`, `clip.*` are the JSON
///   configuration `Fixtures/scripts/make_goldens.py` stores in its tiny checkpoints.
enum MMSegSettings {
    struct Setting {
        /// Layout attribute (`head.heads`) the value is for.
        let attribute: String
        let paths: [String]
    }

    static let table: [Setting] = [
        // CLIP towers: what shapes cannot tell.
        Setting(attribute: "vision.heads", paths: ["model.backbone.heads", "vision_heads"]),
        Setting(attribute: "text.heads", paths: ["model.text_encoder.transformer_heads", "clip.transformer_heads"]),
        // Visual prompts (shapes give them; the config is cross-checked).
        Setting(attribute: "prompts.vision.tokens", paths: ["model.backbone.num_tokens", "visual_prompts.num_tokens"]),
        Setting(
            attribute: "prompts.vision.deep_layers",
            paths: ["model.backbone.total_d_layer", "visual_prompts.total_d_layer"]),
        // Language prompts' layout (reconstructed).
        Setting(attribute: "prompts.text.tokens", paths: ["model.text_encoder.num_tokens", "text_prompts.tokens"]),
        Setting(attribute: "prompts.text.layers", paths: ["model.text_encoder.prompt_layers", "text_prompts.layers"]),
        Setting(attribute: "prompts.text.start", paths: ["model.text_encoder.prompt_start", "text_prompts.start"]),
        Setting(
            attribute: "prompts.text.add_position_at_first_layer",
            paths: ["model.text_encoder.prompt_add_position", "text_prompts.add_position_at_first_layer"]),
        Setting(
            attribute: "prompts.text.template", paths: ["model.text_encoder.prompt_template", "text_prompts.template"]),
        // The head's shared settings.
        Setting(attribute: "head.heads", paths: ["model.decode_head.num_heads", "head.heads"]),
        Setting(attribute: "head.image_size", paths: ["model.decode_head.img_size", "head.image_size"]),
        Setting(
            attribute: "head.crop_size", paths: ["model.test_cfg.crop_size", "test_cfg.crop_size", "head.crop_size"]),
        Setting(attribute: "head.stride", paths: ["model.test_cfg.stride", "test_cfg.stride", "head.stride"]),
        Setting(attribute: "head.seen_offset", paths: ["model.decode_head.seen_offset", "head.seen_offset"]),
        Setting(
            attribute: "head.pixel_mean",
            paths: ["img_norm_cfg.mean", "model.data_preprocessor.mean", "head.pixel_mean"]),
        Setting(
            attribute: "head.pixel_std", paths: ["img_norm_cfg.std", "model.data_preprocessor.std", "head.pixel_std"]),
        // ZegCLIP's decoder depth (shapes give it; cross-checked).
        Setting(attribute: "head.layers", paths: ["model.decode_head.num_layers"]),
        // LDVC's decoder (reconstructed): shapes give blocks, conv, kernels, widths and which optional parts exist.
        Setting(attribute: "head.blocks", paths: ["model.decode_head.num_layers", "decoder.blocks"]),
        Setting(attribute: "head.tap_layers", paths: ["model.decode_head.tap_layers", "decoder.tap_layers"]),
        Setting(
            attribute: "head.tap_projection", paths: ["model.decode_head.tap_projection", "decoder.tap_projection"]),
        Setting(attribute: "head.tap_norm_eps", paths: ["model.decode_head.tap_norm_eps", "decoder.tap_norm_eps"]),
        Setting(attribute: "head.conv", paths: ["model.decode_head.conv", "decoder.conv"]),
        Setting(attribute: "head.conv_kernel", paths: ["model.decode_head.conv_kernel", "decoder.conv_kernel"]),
        Setting(attribute: "head.fusion", paths: ["model.decode_head.fusion", "decoder.fusion"]),
        Setting(attribute: "head.norm_position", paths: ["model.decode_head.norm_position", "decoder.norm_position"]),
        Setting(attribute: "head.norm_eps", paths: ["model.decode_head.norm_eps", "decoder.norm_eps"]),
        Setting(attribute: "head.mlp_width", paths: ["model.decode_head.mlp_width", "decoder.mlp_width"]),
        Setting(attribute: "head.activation", paths: ["model.decode_head.activation", "decoder.activation"]),
        Setting(
            attribute: "head.route_windows",
            paths: ["model.decode_head.n_win", "model.decode_head.route_windows", "decoder.route_windows"]),
        Setting(
            attribute: "head.route_topk",
            paths: ["model.decode_head.topk", "model.decode_head.route_topk", "decoder.route_topk"]),
        Setting(attribute: "head.route_scale", paths: ["model.decode_head.route_scale", "decoder.route_scale"]),
        Setting(
            attribute: "head.route_lepe_kernel",
            paths: [
                "model.decode_head.side_dwconv", "model.decode_head.route_lepe_kernel", "decoder.route_lepe_kernel",
            ]),
        Setting(
            attribute: "head.route_output_projection",
            paths: ["model.decode_head.route_output_projection", "decoder.route_output_projection"]),
        Setting(attribute: "head.class_norm", paths: ["model.decode_head.class_norm", "decoder.class_norm"]),
        Setting(attribute: "head.final_norm", paths: ["model.decode_head.final_norm", "decoder.final_norm"]),
        // The test pipeline (`/preprocessing`): inference mode, channel order; the Resize step is found by
        // walking the pipelines at `testPipelinePaths`.
        Setting(attribute: "preprocessing.mode", paths: ["model.test_cfg.mode", "test_cfg.mode"]),
        Setting(
            attribute: "preprocessing.rgb",
            paths: ["img_norm_cfg.to_rgb", "model.data_preprocessor.bgr_to_rgb", "preprocessing.rgb"]),
    ]

    /// MMSeg 0.x (`data.test.pipeline`, `test_pipeline`) and 1.x (`test_dataloader.dataset.pipeline`) test
    /// pipelines; the keep-ratio `Resize` (inside `MultiScaleFlipAug` in 0.x) gives `img_scale`/`scale` and
    /// ZegCLIP's `min_size`.
    static let testPipelinePaths = ["data.test.pipeline", "test_pipeline", "test_dataloader.dataset.pipeline"]
    /// Present only in MMSeg 1.x configs, whose `SegDataPreProcessor` normalises in float32.
    static let dataPreprocessorPath = "model.data_preprocessor"
    /// Where a config lists the classes seen in training (zero-shot split), in order of preference:
    /// ZegCLIP's head argument `seen_idx`, its segmentor's `base_class` (both in `pretty_text`), the
    /// top-level `base_class` of ZegCLIP's own config files, and the fixtures' JSON `seen_idx`.
    static let seenClassPaths = ["model.decode_head.seen_idx", "model.base_class", "base_class", "seen_idx"]
    /// Where it lists the held-out classes, if it states them (else: every class not seen).
    static let unseenClassPaths = [
        "model.decode_head.unseen_idx", "model.novel_class", "novel_class", "unseen_idx",
    ]
    /// Where it lists every class the head scores (ZegCLIP's `all_idx`, `both_class`), from which
    /// ZegCLIP derives the unseen classes as `all_idx − seen_idx`.
    static let allClassPaths = ["model.decode_head.all_idx", "model.both_class", "both_class", "all_idx"]

    /// When no tap layers are configured, the tail of the backbone's `out_indices` (ZegCLIP's
    /// multi-stage outputs), if it has one index per decoder block.
    static let tapLayerFallbackPath = "model.backbone.out_indices"
}
