public import Conventions
public import HDF5

/// The model: the CLIP towers a file holds, their joint embedding width, and what ZegCLIP/LDVC add.
///
/// Stored as attributes (`AttributeEncoder`): `embed_dim` on `/`, each tower's settings on `/vision`
/// and `/text`, the LDVC parts on `/prompts/vision`, `/prompts/text` and `/head`.
public struct CLIPArchitecture: Sendable, Equatable, Codable {
    /// Width of the joint image-text embedding.
    public var embedDim: Int
    public var vision: VisionArchitecture?
    public var text: TextArchitecture?
    /// Prompts and segmentation head (ZegCLIP, LDVC); nil for a plain CLIP model.
    public var ldvc: LDVCArchitecture?

    public init(embedDim: Int, vision: VisionArchitecture?, text: TextArchitecture?, ldvc: LDVCArchitecture? = nil) {
        self.embedDim = embedDim
        self.vision = vision
        self.text = text
        self.ldvc = ldvc
    }

    enum CodingKeys: String, CodingKey {
        case embedDim = "embed_dim"
        case vision, text
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(embedDim, forKey: .embedDim)
        try container.encodeIfPresent(vision, forKey: .vision)
        try container.encodeIfPresent(text, forKey: .text)
        // The LDVC groups sit beside the towers, not under a group of their own.
        try ldvc?.encode(to: encoder)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        embedDim = try container.decode(Int.self, forKey: .embedDim)
        vision = try container.decodeIfPresent(VisionArchitecture.self, forKey: .vision)
        text = try container.decodeIfPresent(TextArchitecture.self, forKey: .text)
        let ldvc = try LDVCArchitecture(from: decoder)
        self.ldvc = ldvc == LDVCArchitecture() ? nil : ldvc
    }

    /// Every setting by its dotted attribute name (`vision.width`, `head.kind`): the symbols the
    /// layout schema's shapes and conditions are written in.
    public func symbols() throws(LayoutError) -> [String: HDF5AttributeValue] {
        try AttributeEncoder().encode(self)
    }
}

extension Activation: AttributeChoice {}

public struct VisionArchitecture: Sendable, Equatable, Codable {
    public var width: Int
    public var layers: Int
    public var heads: Int
    public var patchSize: Int
    public var imageSize: Int
    public var gridSize: Int
    public var mlpWidth: Int
    public var layerNormEps: Double
    public var activation: Activation

    public init(
        width: Int, layers: Int, heads: Int, patchSize: Int, imageSize: Int, gridSize: Int,
        mlpWidth: Int, layerNormEps: Double, activation: Activation
    ) {
        self.width = width
        self.layers = layers
        self.heads = heads
        self.patchSize = patchSize
        self.imageSize = imageSize
        self.gridSize = gridSize
        self.mlpWidth = mlpWidth
        self.layerNormEps = layerNormEps
        self.activation = activation
    }

    enum CodingKeys: String, CodingKey {
        case width, layers, heads, activation
        case patchSize = "patch_size"
        case imageSize = "image_size"
        case gridSize = "grid_size"
        case mlpWidth = "mlp_width"
        case layerNormEps = "layer_norm_eps"
    }
}

public struct TextArchitecture: Sendable, Equatable, Codable {
    public var width: Int
    public var layers: Int
    public var heads: Int
    public var contextLength: Int
    public var vocabSize: Int
    public var mlpWidth: Int
    public var layerNormEps: Double
    public var activation: Activation

    public init(
        width: Int, layers: Int, heads: Int, contextLength: Int, vocabSize: Int, mlpWidth: Int,
        layerNormEps: Double, activation: Activation
    ) {
        self.width = width
        self.layers = layers
        self.heads = heads
        self.contextLength = contextLength
        self.vocabSize = vocabSize
        self.mlpWidth = mlpWidth
        self.layerNormEps = layerNormEps
        self.activation = activation
    }

    enum CodingKeys: String, CodingKey {
        case width, layers, heads, activation
        case contextLength = "context_length"
        case vocabSize = "vocab_size"
        case mlpWidth = "mlp_width"
        case layerNormEps = "layer_norm_eps"
    }
}
