public import Conventions
import Foundation

/// Architecture facts from a configuration file beside the checkpoint: HF's `config.json` or
/// open_clip's `open_clip_config.json`. Only what shapes cannot tell is taken from it.
public struct SidecarConfig: Sendable, Equatable {
    public let format: Convention.ConfigFormat
    public let path: String
    public var visionHeads: Int?
    public var textHeads: Int?
    public var visionActivation: Activation?
    public var textActivation: Activation?
    public var visionLayerNormEps: Double?
    public var textLayerNormEps: Double?
    /// open_clip's `preprocess_cfg` (`mean`, `std`, `size`, `interpolation`, `resize_mode`) and the vision
    /// tower's `image_size`: the preprocessing the model was published with.
    public var preprocessMean: [Double]?
    public var preprocessStd: [Double]?
    public var preprocessSize: Int?
    public var preprocessInterpolation: String?
    public var preprocessResizeMode: String?

    /// Loads the config of `format` from the folder of `checkpointPath`, if there is one. HF's
    /// `config.json` is used only if it describes a CLIP model.
    public static func find(_ format: Convention.ConfigFormat, besides checkpointPath: String) throws(ConversionError)
        -> SidecarConfig?
    {
        let folder = URL(fileURLWithPath: checkpointPath).deletingLastPathComponent()
        let candidate = folder.appendingPathComponent(format.rawValue).path
        guard FileManager.default.fileExists(atPath: candidate) else { return nil }
        return try load(path: candidate, format: format)
    }

    static func load(path: String, format: Convention.ConfigFormat) throws(ConversionError) -> SidecarConfig? {
        guard let data = FileManager.default.contents(atPath: path), data.count < 16 << 20 else {
            throw .sidecar(path: path, reason: "cannot read the file")
        }
        guard let root = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw .sidecar(path: path, reason: "not a JSON object")
        }
        var config = SidecarConfig(format: format, path: path)
        switch format {
        case .huggingFace:
            // A config.json of another model family is not ours to interpret.
            let modelType = root["model_type"] as? String
            guard modelType == nil || modelType!.hasPrefix("clip") else { return nil }
            let vision = root["vision_config"] as? [String: Any] ?? (modelType == "clip_vision_model" ? root : nil)
            let text = root["text_config"] as? [String: Any] ?? (modelType == "clip_text_model" ? root : nil)
            config.visionHeads = vision?["num_attention_heads"] as? Int
            config.textHeads = text?["num_attention_heads"] as? Int
            config.visionActivation = try activation(vision?["hidden_act"], path: path)
            config.textActivation = try activation(text?["hidden_act"], path: path)
            config.visionLayerNormEps = (vision?["layer_norm_eps"] as? NSNumber)?.doubleValue
            config.textLayerNormEps = (text?["layer_norm_eps"] as? NSNumber)?.doubleValue
        case .openCLIP:
            guard let model = root["model_cfg"] as? [String: Any] ?? (root["vision_cfg"] != nil ? root : nil) else {
                throw .sidecar(path: path, reason: "no model_cfg")
            }
            let quick = (model["quick_gelu"] as? Bool) ?? false
            config.visionActivation = quick ? .quickGELU : .gelu
            config.textActivation = quick ? .quickGELU : .gelu
            if let vision = model["vision_cfg"] as? [String: Any], let width = vision["width"] as? Int {
                // open_clip: heads = width // head_width (head_width defaults to 64).
                let headWidth = vision["head_width"] as? Int ?? 64
                if headWidth > 0 { config.visionHeads = width / headWidth }
            }
            if let text = model["text_cfg"] as? [String: Any] {
                config.textHeads = text["heads"] as? Int
            }
            let preprocess = root["preprocess_cfg"] as? [String: Any]
            config.preprocessMean = numbers(preprocess?["mean"])
            config.preprocessStd = numbers(preprocess?["std"])
            config.preprocessSize =
                size(preprocess?["size"]) ?? size((model["vision_cfg"] as? [String: Any])?["image_size"])
            config.preprocessInterpolation = preprocess?["interpolation"] as? String
            config.preprocessResizeMode = preprocess?["resize_mode"] as? String
        }
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
        if let number = value as? Int { return number }
        if let pair = value as? [Int], pair.count == 2, pair[0] == pair[1] { return pair[0] }
        return nil
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

    init(format: Convention.ConfigFormat, path: String) {
        self.format = format
        self.path = path
    }
}
