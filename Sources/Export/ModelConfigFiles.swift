import Foundation
import Layout

/// The configuration files of model folders, written from a layout file's architecture so the
/// library builds exactly the model the weights are for.
enum ModelConfigFiles {
    /// CLIP's initial `logit_scale`, ln(1 / 0.07): what transformers (`logit_scale_init_value`) and
    /// open_clip (`init_logit_scale`) create when a checkpoint has none.
    static let initialLogitScale = 2.6592

    /// transformers' `CLIPConfig` (`config.json`) for `CLIPModel.from_pretrained`.
    static func huggingFace(_ architecture: CLIPArchitecture, path: String) throws(ExportError) -> [UInt8] {
        let (vision, text) = try towers(architecture, path: path, library: "transformers' CLIPModel")
        let config = HFCLIPConfig(
            projectionDim: architecture.embedDim,
            textConfig: .init(
                hiddenSize: text.width, intermediateSize: text.mlpWidth, numAttentionHeads: text.heads,
                numHiddenLayers: text.layers, maxPositionEmbeddings: text.contextLength, vocabSize: text.vocabSize,
                hiddenAct: text.activation.rawValue, layerNormEps: text.layerNormEps,
                projectionDim: architecture.embedDim),
            visionConfig: .init(
                hiddenSize: vision.width, intermediateSize: vision.mlpWidth, numAttentionHeads: vision.heads,
                numHiddenLayers: vision.layers, imageSize: vision.imageSize, patchSize: vision.patchSize,
                hiddenAct: vision.activation.rawValue, layerNormEps: vision.layerNormEps,
                projectionDim: architecture.embedDim))
        return try json(config, path: path)
    }

    /// open_clip's `open_clip_config.json` (`model_cfg`) for `create_model("local-dir:…")`. open_clip has
    /// one activation flag for both towers and LayerNorm's default epsilon; what it cannot express is
    /// returned as warnings.
    static func openCLIP(_ architecture: CLIPArchitecture, path: String) throws(ExportError) -> (
        bytes: [UInt8], warnings: [String]
    ) {
        let (vision, text) = try towers(architecture, path: path, library: "open_clip's CLIP")
        var warnings: [String] = []
        if vision.activation != text.activation {
            warnings.append(
                "\(path): open_clip has one activation for both towers (quick_gelu); the vision tower uses "
                    + "\(vision.activation.rawValue), the text tower \(text.activation.rawValue): quick_gelu is set from the vision tower"
            )
        }
        for (tower, eps) in [("vision", vision.layerNormEps), ("text", text.layerNormEps)] where eps != 1e-5 {
            warnings.append(
                "\(path): open_clip's LayerNorm uses eps 1e-5; the \(tower) tower's is \(eps), which its config cannot state"
            )
        }
        let config = OpenCLIPConfigFile(
            modelConfig: .init(
                embedDim: architecture.embedDim, quickGELU: vision.activation == .quickGELU,
                visionConfig: .init(
                    imageSize: vision.imageSize, layers: vision.layers, width: vision.width,
                    patchSize: vision.patchSize, headWidth: vision.width / max(vision.heads, 1),
                    mlpRatio: Double(vision.mlpWidth) / Double(max(vision.width, 1))),
                textConfig: .init(
                    contextLength: text.contextLength, vocabSize: text.vocabSize, width: text.width, heads: text.heads,
                    layers: text.layers, mlpRatio: Double(text.mlpWidth) / Double(max(text.width, 1)))))
        return (try json(config, path: path), warnings)
    }

    private static func towers(_ architecture: CLIPArchitecture, path: String, library: String) throws(ExportError)
        -> (VisionArchitecture, TextArchitecture)
    {
        guard let vision = architecture.vision, let text = architecture.text else {
            throw .unsupported(
                path: path,
                reason:
                    "\(library) needs both towers, and this model has only the \(architecture.vision == nil ? "text" : "vision") tower"
            )
        }
        return (vision, text)
    }

    private static func json<T: Encodable>(_ value: T, path: String) throws(ExportError) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do { return Array(try encoder.encode(value)) + [0x0A] } catch {
            throw .write(path: path, reason: "cannot encode the configuration: \(error)")
        }
    }
}

/// `transformers.CLIPConfig` as `config.json` spells it.
struct HFCLIPConfig: Encodable {
    struct TextConfig: Encodable {
        let hiddenSize, intermediateSize, numAttentionHeads, numHiddenLayers, maxPositionEmbeddings, vocabSize: Int
        let hiddenAct: String
        let layerNormEps: Double
        let projectionDim: Int
        let modelType = "clip_text_model"
        // Token ids as OpenAI's converted configs state them: eos_token_id 2 makes CLIPTextTransformer
        // pool at the argmax of the ids (OpenAI's rule: EOT is the largest id), whatever the vocabulary.
        let bosTokenID = 0
        let eosTokenID = 2
        let padTokenID = 1

        enum CodingKeys: String, CodingKey {
            case hiddenSize = "hidden_size", intermediateSize = "intermediate_size"
            case numAttentionHeads = "num_attention_heads", numHiddenLayers = "num_hidden_layers"
            case maxPositionEmbeddings = "max_position_embeddings", vocabSize = "vocab_size"
            case hiddenAct = "hidden_act", layerNormEps = "layer_norm_eps", projectionDim = "projection_dim"
            case modelType = "model_type", bosTokenID = "bos_token_id", eosTokenID = "eos_token_id"
            case padTokenID = "pad_token_id"
        }
    }

    struct VisionConfig: Encodable {
        let hiddenSize, intermediateSize, numAttentionHeads, numHiddenLayers, imageSize, patchSize: Int
        let hiddenAct: String
        let layerNormEps: Double
        let projectionDim: Int
        let numChannels = 3
        let modelType = "clip_vision_model"

        enum CodingKeys: String, CodingKey {
            case hiddenSize = "hidden_size", intermediateSize = "intermediate_size"
            case numAttentionHeads = "num_attention_heads", numHiddenLayers = "num_hidden_layers"
            case imageSize = "image_size", patchSize = "patch_size", hiddenAct = "hidden_act"
            case layerNormEps = "layer_norm_eps", projectionDim = "projection_dim", numChannels = "num_channels"
            case modelType = "model_type"
        }
    }

    let architectures = ["CLIPModel"]
    let modelType = "clip"
    let projectionDim: Int
    let logitScaleInitValue = ModelConfigFiles.initialLogitScale
    let textConfig: TextConfig
    let visionConfig: VisionConfig

    enum CodingKeys: String, CodingKey {
        case architectures, modelType = "model_type", projectionDim = "projection_dim"
        case logitScaleInitValue = "logit_scale_init_value", textConfig = "text_config"
        case visionConfig = "vision_config"
    }
}

/// open_clip's `open_clip_config.json`: `model_cfg` as `open_clip.CLIP(**model_cfg)` takes it.
struct OpenCLIPConfigFile: Encodable {
    struct ModelConfig: Encodable {
        let embedDim: Int
        let quickGELU: Bool
        let visionConfig: VisionConfig
        let textConfig: TextConfig

        enum CodingKeys: String, CodingKey {
            case embedDim = "embed_dim", quickGELU = "quick_gelu", visionConfig = "vision_cfg"
            case textConfig = "text_cfg"
        }
    }

    struct VisionConfig: Encodable {
        let imageSize, layers, width, patchSize, headWidth: Int
        let mlpRatio: Double

        enum CodingKeys: String, CodingKey {
            case imageSize = "image_size", layers, width, patchSize = "patch_size", headWidth = "head_width"
            case mlpRatio = "mlp_ratio"
        }
    }

    struct TextConfig: Encodable {
        let contextLength, vocabSize, width, heads, layers: Int
        let mlpRatio: Double

        enum CodingKeys: String, CodingKey {
            case contextLength = "context_length", vocabSize = "vocab_size", width, heads, layers
            case mlpRatio = "mlp_ratio"
        }
    }

    let modelConfig: ModelConfig

    enum CodingKeys: String, CodingKey { case modelConfig = "model_cfg" }
}
