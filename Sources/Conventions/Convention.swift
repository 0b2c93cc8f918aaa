/// A naming convention of checkpoints: how its keys spell every canonical tensor, and what a
/// converter must know about checkpoints written in it that their shapes cannot tell.
///
/// Adding a convention is one table file (a `static let` of this type, like
/// `Tables/HuggingFaceCLIPNames.swift`) and one line in `ConventionRegistry.builtIn`; detection,
/// conversion, `inspect`, export and ONNX name recovery all read it from the registry.
public struct Convention: Sendable, CustomStringConvertible {
    /// What a checkpoint of this convention holds.
    public enum Kind: String, Sendable {
        /// A CLIP model (`ldvc-convert FILE`).
        case clip
        /// A ZegCLIP/LDVC segmentor training checkpoint (`ldvc-convert import FILE`).
        case segmentor
    }

    /// The model configuration file that checkpoints of a convention ship with.
    public enum ConfigFormat: String, Sendable, CaseIterable {
        /// HuggingFace transformers' `config.json` (`CLIPConfig`).
        case huggingFace = "config.json"
        /// open_clip's `open_clip_config.json` (`model_cfg` with `vision_cfg`/`text_cfg`).
        case openCLIP = "open_clip_config.json"
    }

    /// The name on the command line and in layout files (`source_convention`).
    public let name: String
    /// Which code writes checkpoints like this (for messages and `--help`).
    public let summary: String
    public let kind: Kind
    public let table: NameTable
    /// The table applied in both directions.
    public let map: NameMap
    /// The configuration file its checkpoints come with, read for what shapes cannot tell.
    public let config: ConfigFormat?
    /// Conventions that spell every key alike (OpenAI and open_clip) are told apart by their config:
    /// a convention with this flag is detected only when its config file is found.
    public let detectedByConfig: Bool
    /// The MLP activation of its models when no config states it.
    public let defaultActivation: Activation

    public init(
        name: String, summary: String, kind: Kind = .clip, table: NameTable, config: ConfigFormat? = nil,
        detectedByConfig: Bool = false, defaultActivation: Activation
    ) {
        self.name = name
        self.summary = summary
        self.kind = kind
        self.table = table
        self.map = NameMap(table)
        self.config = config
        self.detectedByConfig = detectedByConfig
        self.defaultActivation = defaultActivation
    }

    public var description: String { name }

    /// The first key components under which the convention keeps one tower's tensors and not the
    /// other's (`visual` for OpenAI's vision tower; `vision_model` and `visual_projection` for HF's),
    /// so a checkpoint's tensors of that tower are known even where no rule maps them.
    public func roots(ofTower tower: String) -> Set<String> {
        func roots(_ prefix: String) -> Set<String> {
            Set(
                table.rules.filter { $0.canonical.hasPrefix(prefix + ".") }.compactMap {
                    $0.source.split(separator: ".").first.map(String.init)
                })
        }
        let other = tower == "vision" ? "text" : "vision"
        return roots(tower).subtracting(roots(other))
    }
}

extension Convention: Equatable, Hashable {
    public static func == (lhs: Convention, rhs: Convention) -> Bool { lhs.name == rhs.name }
    public func hash(into hasher: inout Hasher) { hasher.combine(name) }
}

/// The activation inside an MLP. OpenAI's CLIP weights need QuickGELU; open_clip's own configs
/// (without `-quickgelu`) use the exact GELU; shapes cannot tell them apart. ZegCLIP's decoder
/// layers use ReLU.
public enum Activation: String, Sendable, Codable, CaseIterable {
    /// `x · σ(1.702 x)`.
    case quickGELU = "quick_gelu"
    /// The exact, erf-based GELU.
    case gelu
    case relu
}
