/// The two towers of CLIP.
enum CLIPTower: String, Sendable {
    case vision, text
}

/// What a tensor is in a CLIP tower, independent of how any checkpoint spells it.
enum CLIPRole: Hashable, Sendable {
    case patchEmbedding(bias: Bool)
    case classEmbedding
    case positionEmbedding
    case tokenEmbedding
    case preNorm(bias: Bool)
    case finalNorm(bias: Bool)
    case projection(bias: Bool)
    case block(Int, BlockPart, bias: Bool)
    case logitScale

    enum BlockPart: String, Hashable, Sendable {
        case norm1, qkv, query, key, value, output, norm2, fc1, fc2
    }

    /// True for the weights of `Linear` layers and `x @ W` projections (a 2-D tensor whose stored
    /// orientation the exporter may have flipped).
    var isMatrix: Bool {
        switch self {
        case .projection(let bias): return !bias
        case .block(_, let part, let bias):
            return !bias && [.qkv, .query, .key, .value, .output, .fc1, .fc2].contains(part)
        default: return false
        }
    }
}

/// The state-dict keys of the two checkpoint families whose models are exported to ONNX. The
/// reader recovers these keys so the ordinary name tables (Layout/NameTables) then map them; this
/// is the inverse of nothing but the module structure: which parameter of which module a graph
/// position uses. Spellings are verbatim (`pre_layrnorm` is HF's).
enum CLIPSourceKeys {
    enum Family: String, Sendable {
        /// OpenAI `clip.model.CLIP` and open_clip `CLIP` (fused `in_proj` attention).
        case openAI = "OpenAI/open_clip"
        /// HuggingFace `CLIPModel`, `CLIPVisionModelWithProjection`, `CLIPTextModelWithProjection`.
        case huggingFace = "HuggingFace"
    }

    /// The key of `role`, and whether the parameter is a `[in, out]` matrix used as `x @ W`
    /// (OpenAI's `proj` and `text_projection`) rather than a `[out, in]` Linear weight.
    static func key(_ role: CLIPRole, tower: CLIPTower, family: Family) -> (key: String, isInOut: Bool) {
        let suffix = { (bias: Bool) in bias ? "bias" : "weight" }
        switch family {
        case .openAI:
            let root = tower == .vision ? "visual." : ""
            switch role {
            case .patchEmbedding(let bias): return (root + "conv1." + suffix(bias), false)
            case .classEmbedding: return (root + "class_embedding", false)
            case .positionEmbedding: return (root + "positional_embedding", false)
            case .tokenEmbedding: return ("token_embedding.weight", false)
            case .preNorm(let bias): return (root + "ln_pre." + suffix(bias), false)
            case .finalNorm(let bias):
                return (root + (tower == .vision ? "ln_post." : "ln_final.") + suffix(bias), false)
            case .projection(let bias):
                return (
                    tower == .vision
                        ? "visual.proj" + (bias ? "_bias" : "") : "text_projection" + (bias ? "_bias" : ""), !bias
                )
            case .logitScale: return ("logit_scale", false)
            case .block(let index, let part, let bias):
                let block = root + "transformer.resblocks.\(index)."
                switch part {
                case .norm1: return (block + "ln_1." + suffix(bias), false)
                case .qkv: return (block + "attn.in_proj_" + suffix(bias), false)
                case .query, .key, .value: return (block + "attn.\(part.rawValue)_proj." + suffix(bias), false)  // not produced: OpenAI fuses them
                case .output: return (block + "attn.out_proj." + suffix(bias), false)
                case .norm2: return (block + "ln_2." + suffix(bias), false)
                case .fc1: return (block + "mlp.c_fc." + suffix(bias), false)
                case .fc2: return (block + "mlp.c_proj." + suffix(bias), false)
                }
            }
        case .huggingFace:
            let root = tower == .vision ? "vision_model." : "text_model."
            switch role {
            case .patchEmbedding(let bias): return (root + "embeddings.patch_embedding." + suffix(bias), false)
            case .classEmbedding: return (root + "embeddings.class_embedding", false)
            case .positionEmbedding: return (root + "embeddings.position_embedding.weight", false)
            case .tokenEmbedding: return (root + "embeddings.token_embedding.weight", false)
            case .preNorm(let bias): return (root + "pre_layrnorm." + suffix(bias), false)
            case .finalNorm(let bias):
                return (root + (tower == .vision ? "post_layernorm." : "final_layer_norm.") + suffix(bias), false)
            case .projection(let bias):
                return ((tower == .vision ? "visual_projection." : "text_projection.") + suffix(bias), false)
            case .logitScale: return ("logit_scale", false)
            case .block(let index, let part, let bias):
                let block = root + "encoder.layers.\(index)."
                switch part {
                case .norm1: return (block + "layer_norm1." + suffix(bias), false)
                case .qkv: return (block + "self_attn.qkv_proj." + suffix(bias), false)  // not produced: HF keeps q, k, v apart
                case .query: return (block + "self_attn.q_proj." + suffix(bias), false)
                case .key: return (block + "self_attn.k_proj." + suffix(bias), false)
                case .value: return (block + "self_attn.v_proj." + suffix(bias), false)
                case .output: return (block + "self_attn.out_proj." + suffix(bias), false)
                case .norm2: return (block + "layer_norm2." + suffix(bias), false)
                case .fc1: return (block + "mlp.fc1." + suffix(bias), false)
                case .fc2: return (block + "mlp.fc2." + suffix(bias), false)
                }
            }
        }
    }

    /// A human description of a role, for provenance.
    static func describe(_ role: CLIPRole, tower: CLIPTower) -> String {
        let t = tower.rawValue
        let part = { (bias: Bool) in bias ? "bias" : "weight" }
        switch role {
        case .patchEmbedding(let bias): return "\(t) patch embedding \(part(bias)) (the Conv fed by the image input)"
        case .classEmbedding: return "\(t) class token (joined before the patch tokens)"
        case .positionEmbedding: return "\(t) position embedding (added to the token sequence)"
        case .tokenEmbedding: return "\(t) token embedding (the Gather fed by the token ids)"
        case .preNorm(let bias): return "\(t) LayerNorm before the blocks, \(bias ? "bias" : "scale")"
        case .finalNorm(let bias): return "\(t) LayerNorm after the blocks, \(bias ? "bias" : "scale")"
        case .projection(let bias): return "\(t) projection into the joint embedding, \(part(bias))"
        case .logitScale: return "logit scale (exponentiated, scales the image-text similarities)"
        case .block(let index, let blockPart, let bias):
            let what: String
            switch blockPart {
            case .norm1: what = "LayerNorm 1 \(bias ? "bias" : "scale")"
            case .qkv: what = "fused q/k/v projection \(part(bias))"
            case .query: what = "query projection \(part(bias)) (left operand of the attention-score MatMul)"
            case .key: what = "key projection \(part(bias)) (right operand of the attention-score MatMul)"
            case .value: what = "value projection \(part(bias)) (weighted by the attention probabilities)"
            case .output: what = "attention output projection \(part(bias)) (into the first residual Add)"
            case .norm2: what = "LayerNorm 2 \(bias ? "bias" : "scale")"
            case .fc1: what = "MLP fc1 \(part(bias))"
            case .fc2: what = "MLP fc2 \(part(bias)) (into the second residual Add)"
            }
            return "\(t) block \(index) \(what)"
        }
    }
}
