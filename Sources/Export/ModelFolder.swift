public import Conventions

/// What a model folder of a convention holds: the configuration its library reads and the weights
/// file its loader looks for first (transformers' `from_pretrained`, open_clip's `local-dir:`).
public struct ModelFolder: Sendable, Equatable {
    public let config: Convention.ConfigFormat
    public let weightsFile: String

    /// The folder of `convention`, or nil when its library has none (OpenAI's `clip` loads one file).
    public static func of(_ convention: Convention) -> ModelFolder? {
        switch convention.config {
        case .huggingFace?: return ModelFolder(config: .huggingFace, weightsFile: "model.safetensors")
        case .openCLIP?: return ModelFolder(config: .openCLIP, weightsFile: "open_clip_model.safetensors")
        case nil: return nil
        }
    }

    /// The weights files of every model folder, in the order a reader of a folder looks for them.
    public static let weightsFiles = ["open_clip_model.safetensors", "model.safetensors"]

    /// Every name a folder export writes (a folder holding only these may be replaced with --force).
    public static let fileNames: Set<String> = [
        Convention.ConfigFormat.huggingFace.rawValue, "model.safetensors",
        Convention.ConfigFormat.openCLIP.rawValue, "open_clip_model.safetensors",
    ]
}
