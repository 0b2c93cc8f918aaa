import Checkpoint
public import Conventions
import Foundation

/// Architecture facts from a model configuration: HF's `config.json` (`CLIPConfig`) or open_clip's
/// config, in its hub form (`open_clip_config.json`: `{"model_cfg": …}`) or as in open_clip's
/// `model_configs/*.json` (`{"embed_dim", "vision_cfg", "text_cfg"}`). The format is recognised by
/// the content, whatever the file's name. What shapes cannot tell (heads, activation, LayerNorm eps)
/// is taken from it; what shapes do tell is cross-checked, so a config of another model is refused;
/// and open_clip settings the runtime does not implement are listed in `unsupported`.
public struct SidecarConfig: Sendable, Equatable {
    public let format: Convention.ConfigFormat
    public let path: String
    /// How `architecture_sources` names it: the file's name when found beside the input, or
    /// `--config <path>`.
    public let origin: String
    public var visionHeads: Int?
    /// open_clip's `head_width` (vision heads = width / head_width; 64 when the config omits it).
    public var visionHeadWidth: Int?
    public var textHeads: Int?
    public var visionActivation: Activation?
    public var textActivation: Activation?
    public var visionLayerNormEps: Double?
    public var textLayerNormEps: Double?
    /// Settings the shapes also give (`vision.width`, `text.layers`, `embed_dim`, …), for the cross-check.
    public var statedShapes: [String: Int] = [:]
    /// Settings the runtime does not implement, each with the tower it concerns (`vision`, `text`,
    /// or `model`) and what it is (`text pool_type 'last'`).
    public var unsupported: [(tower: String, feature: String)] = []
    /// open_clip's `preprocess_cfg` (`mean`, `std`, `size`, `interpolation`, `resize_mode`) and the vision
    /// tower's `image_size`: the preprocessing the model was published with.
    public var preprocessMean: [Double]?
    public var preprocessStd: [Double]?
    public var preprocessSize: Int?
    public var preprocessInterpolation: String?
    public var preprocessResizeMode: String?

    /// Bytes of a config read into memory.
    static let maxBytes = 16 << 20
    /// Nesting of a config's JSON (real ones are 3 deep).
    static let maxNestingDepth = 128

    public static func == (lhs: SidecarConfig, rhs: SidecarConfig) -> Bool {
        lhs.format == rhs.format && lhs.path == rhs.path && lhs.origin == rhs.origin
    }

    /// The configs a checkpoint at `checkpointPath` comes with: `explicit` (given with `--config`)
    /// alone, else the CLIP configs in the checkpoint's folder (`config.json` of a CLIP model,
    /// `open_clip_config.json`).
    public static func discover(besides checkpointPath: String, explicit: String?) throws(ConversionError)
        -> [SidecarConfig]
    {
        if let explicit {
            guard let config = try load(path: explicit, origin: "--config \(explicit)", required: true) else {
                throw .sidecar(path: explicit, reason: "not a CLIP model configuration")
            }
            return [config]
        }
        var found: [SidecarConfig] = []
        for format in Convention.ConfigFormat.allCases {
            let candidate = besides(checkpointPath, format.rawValue)
            guard FileManager.default.fileExists(atPath: candidate) else { continue }
            if let config = try load(path: candidate, origin: format.rawValue, required: false) { found.append(config) }
        }
        return found
    }

    /// The config files `discover` would read for a checkpoint at `checkpointPath` (so an output can
    /// never replace one), whether or not they turn out to describe a CLIP model.
    public static func candidates(besides checkpointPath: String, explicit: String?) -> [String] {
        if let explicit { return [explicit] }
        return Convention.ConfigFormat.allCases.map { besides(checkpointPath, $0.rawValue) }
            .filter { FileManager.default.fileExists(atPath: $0) }
    }

    /// `name` in the folder of `path`, spelled as `path` is.
    static func besides(_ path: String, _ name: String) -> String {
        ((path as NSString).deletingLastPathComponent as NSString).appendingPathComponent(name)
    }

    /// Reads the config at `path`, recognising its format by content. A config of another model
    /// family is refused when `required`, else ignored (nil): a `config.json` beside the weights
    /// may describe something else.
    static func load(path: String, origin: String, required: Bool) throws(ConversionError) -> SidecarConfig? {
        guard let data = FileManager.default.contents(atPath: path) else {
            if !FileManager.default.fileExists(atPath: path) {
                throw .checkpoint(.unreadable(path: path, reason: "no such file"))
            }
            throw .checkpoint(.unreadable(path: path, reason: "cannot read the file"))
        }
        guard data.count <= maxBytes else { throw .sidecar(path: path, reason: "larger than \(maxBytes) bytes") }
        let shape = JSONShape(measuring: [UInt8](data))
        guard shape.depth <= maxNestingDepth else {
            throw .sidecar(path: path, reason: "JSON nested \(shape.depth) deep (at most \(maxNestingDepth))")
        }
        guard let root = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw .sidecar(path: path, reason: "not a JSON object")
        }
        if let model = root["model_cfg"] as? [String: Any] {
            return try openCLIP(model, root: root, path: path, origin: origin)
        }
        if root["vision_cfg"] != nil || root["text_cfg"] != nil {
            return try openCLIP(root, root: root, path: path, origin: origin)
        }
        if root["model_type"] != nil || root["vision_config"] != nil || root["text_config"] != nil {
            return try huggingFace(root, path: path, origin: origin, required: required)
        }
        if required {
            throw .sidecar(
                path: path,
                reason:
                    "neither a HuggingFace CLIPConfig (model_type, vision_config) nor an open_clip model config (model_cfg, vision_cfg)"
            )
        }
        return nil
    }

    private static func huggingFace(_ root: [String: Any], path: String, origin: String, required: Bool)
        throws(ConversionError) -> SidecarConfig?
    {
        let modelType = root["model_type"] as? String
        if let modelType, !modelType.hasPrefix("clip") {
            // A config.json of another model family is not ours to interpret.
            guard required else { return nil }
            throw .sidecar(path: path, reason: "describes a '\(modelType)' model, not CLIP (model_type clip)")
        }
        var config = SidecarConfig(format: .huggingFace, path: path, origin: origin)
        let vision = root["vision_config"] as? [String: Any] ?? (modelType == "clip_vision_model" ? root : nil)
        let text = root["text_config"] as? [String: Any] ?? (modelType == "clip_text_model" ? root : nil)
        config.visionHeads = int(vision?["num_attention_heads"])
        config.textHeads = int(text?["num_attention_heads"])
        config.visionActivation = try activation(vision?["hidden_act"], path: path)
        config.textActivation = try activation(text?["hidden_act"], path: path)
        config.visionLayerNormEps = (vision?["layer_norm_eps"] as? NSNumber)?.doubleValue
        config.textLayerNormEps = (text?["layer_norm_eps"] as? NSNumber)?.doubleValue
        let stated: [(String, Any?)] = [
            ("vision.width", vision?["hidden_size"]), ("vision.layers", vision?["num_hidden_layers"]),
            ("vision.mlp_width", vision?["intermediate_size"]), ("vision.patch_size", vision?["patch_size"]),
            ("vision.image_size", vision?["image_size"]), ("text.width", text?["hidden_size"]),
            ("text.layers", text?["num_hidden_layers"]), ("text.mlp_width", text?["intermediate_size"]),
            ("text.vocab_size", text?["vocab_size"]), ("text.context_length", text?["max_position_embeddings"]),
            ("embed_dim", root["projection_dim"] ?? vision?["projection_dim"] ?? text?["projection_dim"]),
        ]
        for (name, value) in stated { if let number = int(value) { config.statedShapes[name] = number } }
        return config
    }

    private static func openCLIP(_ model: [String: Any], root: [String: Any], path: String, origin: String)
        throws(ConversionError) -> SidecarConfig
    {
        var config = SidecarConfig(format: .openCLIP, path: path, origin: origin)
        // open_clip's defaults (open_clip/model.py: CLIPVisionCfg, CLIPTextCfg, CLIP(quick_gelu=False)).
        let quick = (model["quick_gelu"] as? Bool) ?? false
        let vision = model["vision_cfg"] as? [String: Any]
        let text = model["text_cfg"] as? [String: Any]
        if let vision {
            config.visionActivation = quick ? .quickGELU : .gelu
            config.visionHeadWidth = int(vision["head_width"]) ?? 64
            config.visionLayerNormEps = eps(vision["norm_kwargs"])
            for (name, key) in [
                ("vision.width", "width"), ("vision.patch_size", "patch_size"), ("vision.image_size", "image_size"),
            ] {
                if let number = int(vision[key]) { config.statedShapes[name] = number }
            }
            if let layers = int(vision["layers"]) { config.statedShapes["vision.layers"] = layers }
        }
        if let text {
            config.textActivation = quick ? .quickGELU : .gelu
            config.textHeads = int(text["heads"]) ?? 8
            config.textLayerNormEps = eps(text["norm_kwargs"])
            for (name, key) in [
                ("text.width", "width"), ("text.layers", "layers"), ("text.context_length", "context_length"),
                ("text.vocab_size", "vocab_size"),
            ] {
                if let number = int(text[key]) { config.statedShapes[name] = number }
            }
        }
        // The hub form keeps `preprocess_cfg` beside `model_cfg`; open_clip's model_configs have none.
        let preprocess = root["preprocess_cfg"] as? [String: Any]
        config.preprocessMean = numbers(preprocess?["mean"])
        config.preprocessStd = numbers(preprocess?["std"])
        config.preprocessSize = size(preprocess?["size"]) ?? size(vision?["image_size"])
        config.preprocessInterpolation = preprocess?["interpolation"] as? String
        config.preprocessResizeMode = preprocess?["resize_mode"] as? String
        if let embed = int(model["embed_dim"]) { config.statedShapes["embed_dim"] = embed }
        config.unsupported = unsupportedFeatures(model: model, vision: vision, text: text)
        return config
    }

    /// Three numbers (a mean or deviation triple), else nil.
    static func numbers(_ value: Any?) -> [Double]? {
        guard let items = value as? [Any], items.count == 3 else { return nil }
        let numbers = items.compactMap { ($0 as? NSNumber)?.doubleValue }
        return numbers.count == 3 ? numbers : nil
    }

    /// A square size: an integer, or a pair of equal integers.
    static func size(_ value: Any?) -> Int? {
        if let number = int(value) { return number }
        if let pair = value as? [Any], pair.count == 2, let first = int(pair[0]), first == int(pair[1]) {
            return first
        }
        return nil
    }

    /// open_clip settings that change what a tower computes and that the runtime does not implement
    /// (open_clip/model.py, transformer.py); each would otherwise convert into a model that runs
    /// differently. Data: (section, key, the value that is supported, what a different value means).
    private static let openCLIPFeatures: [(section: String, key: String, supported: String?, meaning: String)] = [
        ("vision", "timm_model_name", nil, "a timm image trunk"),
        ("vision", "hf_model_name", nil, "a HuggingFace image tower"),
        ("vision", "attentional_pool", "false", "attentional pooling"),
        ("vision", "pool_type", "tok", "pool_type"),
        ("vision", "final_ln_after_pool", "false", "final_ln_after_pool"),
        ("vision", "no_ln_pre", "false", "no ln_pre"),
        ("vision", "pos_embed_type", "learnable", "pos_embed_type"),
        ("vision", "ls_init_value", nil, "layer scale"),
        ("vision", "qk_norm", "false", "q/k normalisation"),
        ("vision", "scaled_cosine_attn", "false", "scaled cosine attention"),
        ("vision", "scale_heads", "false", "head scaling"),
        ("vision", "scale_attn_inner", "false", "inner attention scaling"),
        ("vision", "scale_attn", "false", "attention LayerNorm"),
        ("vision", "scale_fc", "false", "MLP LayerNorm"),
        ("text", "hf_model_name", nil, "a HuggingFace text tower"),
        ("text", "pool_type", "argmax", "pool_type"),
        ("text", "no_causal_mask", "false", "no causal mask"),
        ("text", "embed_cls", "false", "a class token"),
        ("text", "proj_bias", "false", "a projection bias"),
        ("text", "final_ln_after_pool", "false", "final_ln_after_pool"),
        ("text", "ls_init_value", nil, "layer scale"),
    ]

    private static func unsupportedFeatures(
        model: [String: Any], vision: [String: Any]?, text: [String: Any]?
    ) -> [(tower: String, feature: String)] {
        var found: [(tower: String, feature: String)] = []
        if model["multimodal_cfg"] != nil { found.append(("model", "a multimodal text decoder (CoCa)")) }
        if let layers = vision?["layers"], layers is [Any] {
            found.append(("vision", "a ModifiedResNet image tower (layers is a list)"))
        }
        for entry in openCLIPFeatures {
            guard let section = entry.section == "vision" ? vision : text, let value = section[entry.key],
                !(value is NSNull)
            else { continue }
            let spelled = spelling(value)
            if let supported = entry.supported, spelled == supported { continue }
            found.append((entry.section, "\(entry.section)_cfg.\(entry.key) = \(spelled) (\(entry.meaning))"))
        }
        return found
    }

    private static func spelling(_ value: Any) -> String {
        if let number = value as? NSNumber {
            if isBoolean(number) { return number.boolValue ? "true" : "false" }
            return number.stringValue
        }
        if let text = value as? String { return text }
        return "\(value)"
    }

    private static func int(_ value: Any?) -> Int? {
        guard let number = value as? NSNumber, !isBoolean(number) else { return nil }
        let double = number.doubleValue
        guard double.rounded() == double, abs(double) < 1e15 else { return nil }
        return Int(double)
    }

    /// JSON booleans arrive as NSNumbers of C type `char` (`c`); JSON numbers never do.
    private static func isBoolean(_ number: NSNumber) -> Bool { String(cString: number.objCType) == "c" }

    private static func eps(_ value: Any?) -> Double? {
        ((value as? [String: Any])?["eps"] as? NSNumber)?.doubleValue
    }

    private static func activation(_ value: Any?, path: String) throws(ConversionError) -> Activation? {
        guard let name = value as? String else { return nil }
        switch name {
        case "quick_gelu": return .quickGELU
        case "gelu": return .gelu
        default:
            throw .sidecar(path: path, reason: "hidden_act '\(name)' is not a CLIP activation (quick_gelu or gelu)")
        }
    }

    init(format: Convention.ConfigFormat, path: String, origin: String) {
        self.format = format
        self.path = path
        self.origin = origin
    }
}
