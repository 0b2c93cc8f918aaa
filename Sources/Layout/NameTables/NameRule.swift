/// The naming conventions a CLIP checkpoint can use.
public enum Convention: String, Sendable, Codable, CaseIterable {
    /// OpenAI's `clip.model.CLIP` (and its TorchScript releases such as `ViT-B-16.pt`).
    case openai
    /// open_clip's `CLIP`: the same key names as OpenAI; told apart by `open_clip_config.json`.
    case openClip = "open_clip"
    /// HuggingFace transformers' `CLIPModel` / `CLIPVisionModelWithProjection` / `CLIPTextModelWithProjection`.
    case hf
}

/// How a source tensor becomes a canonical one. Each case has an exact inverse, so the same
/// table maps a converted file back to the source convention.
public enum TensorTransform: Sendable, Equatable, Hashable {
    /// Same values, same shape: a rename.
    case identity
    /// Swap the two axes of a matrix (OpenAI's `proj` is `x @ proj`; canonical weights are `[out, in]`).
    case transpose
    /// Take the `part`-th of `parts` equal slices along the first axis (fused `in_proj` → q, k, v).
    case splitRows(part: Int, parts: Int)

    /// The spelling stored in the file's `transform` attribute.
    public var attributeValue: String {
        switch self {
        case .identity: return "identity"
        case .transpose: return "transpose"
        case .splitRows(let part, let parts): return parts == 3 ? "split_qkv:\(part)" : "split_rows:\(part)/\(parts)"
        }
    }

    public init?(attributeValue: String) {
        switch attributeValue {
        case "identity": self = .identity
        case "transpose": self = .transpose
        default:
            if attributeValue.hasPrefix("split_qkv:"), let part = Int(attributeValue.dropFirst("split_qkv:".count)),
                (0..<3).contains(part)
            {
                self = .splitRows(part: part, parts: 3)
            } else {
                return nil
            }
        }
    }
}

/// One row of a name table: a canonical name template, the source spelling, and the transform.
/// `{i}` in both templates stands for the block index.
public struct NameRule: Sendable, Equatable {
    public let canonical: String
    public let source: String
    public let transform: TensorTransform

    public init(_ canonical: String, _ source: String, _ transform: TensorTransform = .identity) {
        self.canonical = canonical
        self.source = source
        self.transform = transform
    }
}

/// A source key that is deliberately not stored, with the reason recorded in the file.
public struct DropRule: Sendable, Equatable {
    public let source: String
    public let reason: String

    public init(_ source: String, reason: String) {
        self.source = source
        self.reason = reason
    }
}

/// All rules of one convention. Tables are data: the code that applies them is `NameMap`.
public struct NameTable: Sendable {
    public let convention: Convention
    public let rules: [NameRule]
    public let dropped: [DropRule]

    /// Rules for one transformer block, written once for both towers.
    static func blockRules(
        canonicalPrefix: String, sourcePrefix: String, fusedAttention: Bool,
        names: BlockSpelling
    ) -> [NameRule] {
        let c = canonicalPrefix + ".{i}."
        let s = sourcePrefix + ".{i}."
        var rules: [NameRule] = []
        for suffix in ["weight", "bias"] {
            rules.append(NameRule(c + "ln_1." + suffix, s + names.norm1 + "." + suffix))
            if fusedAttention {
                for (part, projection) in ["q_proj", "k_proj", "v_proj"].enumerated() {
                    rules.append(
                        NameRule(
                            c + "attn.\(projection)." + suffix, s + "attn.in_proj_" + suffix,
                            .splitRows(part: part, parts: 3)))
                }
            } else {
                for projection in ["q_proj", "k_proj", "v_proj"] {
                    rules.append(
                        NameRule(c + "attn.\(projection)." + suffix, s + names.attention + ".\(projection)." + suffix))
                }
            }
            rules.append(NameRule(c + "attn.out_proj." + suffix, s + names.attention + ".out_proj." + suffix))
            rules.append(NameRule(c + "ln_2." + suffix, s + names.norm2 + "." + suffix))
            rules.append(NameRule(c + "mlp.fc1." + suffix, s + names.fc1 + "." + suffix))
            rules.append(NameRule(c + "mlp.fc2." + suffix, s + names.fc2 + "." + suffix))
        }
        return rules
    }

    struct BlockSpelling {
        let norm1: String
        let attention: String
        let norm2: String
        let fc1: String
        let fc2: String
    }
}
