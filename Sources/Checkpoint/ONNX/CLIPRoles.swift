import Conventions

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

/// The state-dict key of each role, spelled by a registered convention's name table: roles become
/// canonical names here, and only the tables know how a checkpoint spells those.
struct CLIPKeySpelling {
    /// The convention whose checkpoints the exported model had: the first registered CLIP convention
    /// that fuses q/k/v exactly when the graph does and needs no config to be recognised.
    let convention: Convention

    init?(fusedAttention: Bool, conventions: ConventionRegistry) {
        guard
            let convention = conventions.conventions(of: .clip).first(where: {
                $0.table.fusesAttention == fusedAttention && !$0.detectedByConfig
            })
        else { return nil }
        self.convention = convention
    }

    /// The key of `role`, and whether the parameter is stored `[in, out]` and used as `x @ W` (OpenAI's
    /// `proj`, `text_projection`) rather than as a `[out, in]` Linear weight. A role the convention
    /// has no key for (a bias CLIP does not have) keeps its canonical name, which no table maps.
    func key(_ role: CLIPRole, tower: CLIPTower) -> (key: String, isInOut: Bool) {
        let canonical = role.canonicalName(tower: tower)
        guard let source = convention.map.source(ofCanonical: canonical) else { return (canonical, false) }
        return (source.key, source.transform == .transpose)
    }
}

extension CLIPRole {
    /// The layout's name for this role (the q part stands for a fused q/k/v tensor, whose rule in a
    /// fusing table is the split of `in_proj`).
    func canonicalName(tower: CLIPTower) -> String {
        let t = tower.rawValue
        let suffix = { (bias: Bool) in bias ? "bias" : "weight" }
        switch self {
        case .patchEmbedding(let bias): return "\(t).patch_embed.\(suffix(bias))"
        case .classEmbedding: return "\(t).class_embedding"
        case .positionEmbedding: return "\(t).position_embedding"
        case .tokenEmbedding: return "\(t).token_embedding"
        case .preNorm(let bias): return "\(t).ln_pre.\(suffix(bias))"
        case .finalNorm(let bias): return "\(t).\(tower == .vision ? "ln_post" : "ln_final").\(suffix(bias))"
        case .projection(let bias): return "\(t).proj.\(suffix(bias))"
        case .logitScale: return "logit_scale"
        case .block(let index, let part, let bias):
            let module: String
            switch part {
            case .norm1: module = "ln_1"
            case .qkv, .query: module = "attn.q_proj"
            case .key: module = "attn.k_proj"
            case .value: module = "attn.v_proj"
            case .output: module = "attn.out_proj"
            case .norm2: module = "ln_2"
            case .fc1: module = "mlp.fc1"
            case .fc2: module = "mlp.fc2"
            }
            return "\(t).blocks.\(index).\(module).\(suffix(bias))"
        }
    }

    /// A human description of a role, for provenance.
    func describe(tower: CLIPTower) -> String {
        let t = tower.rawValue
        let part = { (bias: Bool) in bias ? "bias" : "weight" }
        switch self {
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
