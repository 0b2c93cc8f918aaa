/// ZegCLIP/LDVC training checkpoints as MMSegmentation saves them (`{"meta", "state_dict", …}`):
/// the CLIP towers under `backbone.` and `text_encoder.` with OpenAI's module names, the prompts
/// beside them, and the segmentation head under `decode_head.`.
///
/// ZegCLIP's names are its code's; LDVC's decoder names are hypothesised (no LDVC code is public),
/// as `Fixtures/scripts/ldvc_reference.py` spells them. The CLIP modules inside use OpenAI's names.
extension NameTable {
    /// Per LDVC decoder block, the 1-based `input_proj_{l+1}` / `proj_norm_{l+1}` of ZegCLIP's
    /// multi-stage path cannot be a `{i}` template, so rules are spelled out for this many blocks.
    static let mmsegTapProjectionBlocks = 8

    public static let mmseg: NameTable = {
        var rules: [NameRule] = []
        // CLIP towers: OpenAI's names under the MMSeg module prefixes (no logit_scale in these models).
        for rule in NameTable.openAI.rules {
            if rule.source.hasPrefix("visual.") {
                rules.append(
                    NameRule(rule.canonical, "backbone." + rule.source.dropFirst("visual.".count), rule.transform))
            } else if rule.canonical.hasPrefix("text.") {
                rules.append(NameRule(rule.canonical, "text_encoder." + rule.source, rule.transform))
            }
        }
        rules += [
            // VPT-deep visual prompts (ZegCLIP img_encoder.py::VPTCLIPVisionTransformer).
            NameRule("prompts.vision.embeddings", "backbone.prompt_embeddings"),
            NameRule("prompts.vision.deep_embeddings", "backbone.deep_prompt_embeddings"),
            NameRule("prompts.vision.proj.weight", "backbone.prompt_proj.weight"),
            NameRule("prompts.vision.proj.bias", "backbone.prompt_proj.bias"),
            NameRule("prompts.vision.norm.weight", "backbone.prompt_norm.weight"),
            NameRule("prompts.vision.norm.bias", "backbone.prompt_norm.bias"),
            // Deep language prompts, one [layers, tokens, width] tensor (LDVC, reconstructed).
            NameRule("prompts.text.embeddings", "text_encoder.prompt_embeddings"),
            // Text adapter / relationship descriptor (decode_seg.py::ATMSingleHeadSeg.q_proj).
            NameRule("head.adapter.weight", "decode_head.q_proj.weight"),
            NameRule("head.adapter.bias", "decode_head.q_proj.bias"),
        ]
        // ZegCLIP's ATM decoder (decode_seg.py::TPN_DecoderLayer; self_attn and norm1 unused but saved).
        let atm = "decode_head.decoder_1.layers.{i}."
        for suffix in ["weight", "bias"] {
            for (projection, source) in [("q_proj", "q"), ("k_proj", "k"), ("v_proj", "v"), ("out_proj", "proj")] {
                rules.append(
                    NameRule(
                        "head.layers.{i}.cross_attn.\(projection).\(suffix)", atm + "multihead_attn.\(source).\(suffix)"
                    ))
            }
            for norm in ["norm1", "norm2", "norm3"] {
                rules.append(NameRule("head.layers.{i}.\(norm).\(suffix)", atm + "\(norm).\(suffix)"))
            }
            rules.append(NameRule("head.layers.{i}.mlp.fc1.\(suffix)", atm + "linear1.\(suffix)"))
            rules.append(NameRule("head.layers.{i}.mlp.fc2.\(suffix)", atm + "linear2.\(suffix)"))
            for (part, projection) in ["q_proj", "k_proj", "v_proj"].enumerated() {
                rules.append(
                    NameRule(
                        "head.layers.{i}.self_attn.\(projection).\(suffix)", atm + "self_attn.in_proj_\(suffix)",
                        .splitRows(part: part, parts: 3)))
            }
            rules.append(NameRule("head.layers.{i}.self_attn.out_proj.\(suffix)", atm + "self_attn.out_proj.\(suffix)"))
        }
        // LDVC's local consensus decoder, BiFormer names inside each block (as ldvc_reference.py spells them).
        let block = "decode_head.decoder.{i}."
        for suffix in ["weight", "bias"] {
            for index in 0..<mmsegTapProjectionBlocks {
                rules.append(
                    NameRule("head.tap_proj.\(index).\(suffix)", "decode_head.input_proj_\(index + 1).\(suffix)"))
                rules.append(
                    NameRule("head.tap_norm.\(index).\(suffix)", "decode_head.proj_norm_\(index + 1).\(suffix)"))
            }
            for (canonical, source) in [
                ("conv", "conv"), ("norm1", "norm1"), ("norm2", "norm2"), ("norm3", "norm3"),
                ("route_attn.qkv", "attn.qkv.qkv"), ("route_attn.out_proj", "attn.wo"),
                ("route_attn.lepe", "attn.lepe"), ("class_norm", "class_norm"),
                ("cross_attn.q_proj", "cross_attn.q"), ("cross_attn.k_proj", "cross_attn.k"),
                ("cross_attn.v_proj", "cross_attn.v"), ("cross_attn.out_proj", "cross_attn.proj"),
                ("mlp.fc1", "mlp.0"), ("mlp.fc2", "mlp.3"),
            ] {
                rules.append(NameRule("head.blocks.{i}.\(canonical).\(suffix)", block + "\(source).\(suffix)"))
            }
            rules.append(NameRule("head.final_norm.\(suffix)", "decode_head.final_norm.\(suffix)"))
        }
        let dropped = [
            DropRule(
                "decode_head.loss_decode.criterion.empty_weight", reason: "ZegCLIP's loss class weights (training only)"
            )
        ]
        // ZegCLIP's SegPlusCriterion (models/losses/criterion.py): ones(num_classes + 1), the last = eos_coef 0.1.
        let buffers = [
            BufferRule(
                "decode_head.loss_decode.criterion.empty_weight", value: .classWeights(noObjectWeight: 0.1),
                requiredPrefix: "head.")
        ]
        return NameTable(rules: rules, dropped: dropped, buffers: buffers)
    }()
}

extension Convention {
    /// A ZegCLIP/LDVC segmentor as MMSegmentation saves it; imported, not converted.
    public static let mmseg = Convention(
        name: "mmseg", summary: "ZegCLIP/LDVC MMSegmentation checkpoint", kind: .segmentor, table: .mmseg,
        defaultActivation: .quickGELU)
}
