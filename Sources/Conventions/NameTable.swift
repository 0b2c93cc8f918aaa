/// Every rule of one naming convention. Tables are data: the code that applies them is `NameMap`.
public struct NameTable: Sendable {
    public let rules: [NameRule]
    public let dropped: [DropRule]
    /// Dropped buffers that an export writes back (computed), so the convention's loader finds them.
    public let buffers: [BufferRule]

    public init(rules: [NameRule], dropped: [DropRule] = [], buffers: [BufferRule] = []) {
        self.rules = rules
        self.dropped = dropped
        self.buffers = buffers
    }

    /// True when the attention's q, k and v projections are one fused source tensor (OpenAI's
    /// `in_proj_weight`), which an ONNX export of such a model keeps fused too.
    public var fusesAttention: Bool {
        rules.contains { rule in
            if case .splitRows = rule.transform, rule.canonical.contains(".attn.q_proj.") { return true }
            return false
        }
    }

    /// The spellings of one transformer block's modules, for `blockRules`.
    public struct BlockSpelling: Sendable {
        let norm1: String
        let attention: String
        let norm2: String
        let fc1: String
        let fc2: String

        public init(norm1: String, attention: String, norm2: String, fc1: String, fc2: String) {
            self.norm1 = norm1
            self.attention = attention
            self.norm2 = norm2
            self.fc1 = fc1
            self.fc2 = fc2
        }
    }

    /// Rules for one transformer block, written once for both towers. With `fusedAttention` the
    /// source has one `in_proj` tensor that holds q, k and v as row thirds.
    public static func blockRules(
        canonicalPrefix: String, sourcePrefix: String, fusedAttention: Bool, names: BlockSpelling
    ) -> [NameRule] {
        let c = canonicalPrefix + ".{i}."
        let s = sourcePrefix + ".{i}."
        var rules: [NameRule] = []
        for suffix in ["weight", "bias"] {
            rules.append(NameRule(c + "ln_1." + suffix, s + names.norm1 + "." + suffix))
            for (part, projection) in ["q_proj", "k_proj", "v_proj"].enumerated() {
                let canonical = c + "attn.\(projection)." + suffix
                rules.append(
                    fusedAttention
                        ? NameRule(
                            canonical, s + names.attention + ".in_proj_" + suffix, .splitRows(part: part, parts: 3))
                        : NameRule(canonical, s + names.attention + ".\(projection)." + suffix))
            }
            rules.append(NameRule(c + "attn.out_proj." + suffix, s + names.attention + ".out_proj." + suffix))
            rules.append(NameRule(c + "ln_2." + suffix, s + names.norm2 + "." + suffix))
            rules.append(NameRule(c + "mlp.fc1." + suffix, s + names.fc1 + "." + suffix))
            rules.append(NameRule(c + "mlp.fc2." + suffix, s + names.fc2 + "." + suffix))
        }
        return rules
    }
}
