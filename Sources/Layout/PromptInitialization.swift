/// How a prompt group's values were made, stored as the `init_*` attributes of `/prompts/vision` or
/// `/prompts/text` (optional: files written by other tools may lack them).
public struct PromptInitialization: Sendable, Equatable, Codable {
    public enum Method: String, Sendable, CaseIterable, AttributeChoice {
        /// Language prompts from the pretrained text encoder's hidden states for a template (LDVC §3.3).
        case pretrain
        /// Language prompts ~ N(0, std²) from a seeded torch generator (the paper's "Random").
        case random
        /// Visual prompts as ZegCLIP's `_init_prompt` (VPT uniform bound, Kaiming-normal projection).
        case vptUniform = "vpt_uniform"
        /// Trained values taken from a checkpoint.
        case imported
    }

    public var method: Method
    /// `torch.manual_seed` value (random, vpt_uniform). Stored as an int64 attribute: seeds of 2^63
    /// and above are stored as their two's-complement bit pattern (negative).
    public var seed: UInt64?
    /// Template text (pretrain).
    public var template: String?
    /// The template's token ids, SOT to EOT (pretrain).
    public var tokenIDs: [Int]?
    /// Sequence positions whose hidden states became the prompt rows, in row order (pretrain).
    public var positions: [Int]?
    /// Uniform bound (vpt_uniform) or standard deviation (random).
    public var scale: Double?
    /// File the values came from (imported).
    public var source: String?

    public init(
        method: Method, seed: UInt64? = nil, template: String? = nil, tokenIDs: [Int]? = nil, positions: [Int]? = nil,
        scale: Double? = nil, source: String? = nil
    ) {
        self.method = method
        self.seed = seed
        self.template = template
        self.tokenIDs = tokenIDs
        self.positions = positions
        self.scale = scale
        self.source = source
    }

    enum CodingKeys: String, CodingKey {
        case method = "init_method"
        case seed = "init_seed"
        case template = "init_template"
        case tokenIDs = "init_token_ids"
        case positions = "init_positions"
        case source = "init_source"
        /// The scale's name says what it is: a standard deviation or a uniform bound.
        case std = "init_std"
        case bound = "init_bound"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(method, forKey: .method)
        try container.encodeIfPresent(seed, forKey: .seed)
        try container.encodeIfPresent(template, forKey: .template)
        try container.encodeIfPresent(tokenIDs, forKey: .tokenIDs)
        try container.encodeIfPresent(positions, forKey: .positions)
        try container.encodeIfPresent(scale, forKey: method == .random ? .std : .bound)
        try container.encodeIfPresent(source, forKey: .source)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        method = try container.decode(Method.self, forKey: .method)
        seed = try container.decodeIfPresent(UInt64.self, forKey: .seed)
        template = try container.decodeIfPresent(String.self, forKey: .template)
        tokenIDs = try container.decodeIfPresent([Int].self, forKey: .tokenIDs)
        positions = try container.decodeIfPresent([Int].self, forKey: .positions)
        scale = try container.decodeIfPresent(Double.self, forKey: method == .random ? .std : .bound)
        source = try container.decodeIfPresent(String.self, forKey: .source)
    }
}
