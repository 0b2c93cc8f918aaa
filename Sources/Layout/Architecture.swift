/// The shape-defining settings of a CLIP model, as stored in the layout's group attributes.
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

    /// Value of a schema symbol such as `vision.width` or `embed_dim`, or nil if this model has no such value.
    public func value(ofSymbol symbol: String) -> Int? {
        if symbol == "embed_dim" { return embedDim }
        let parts = symbol.split(separator: ".", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return nil }
        switch parts[0] {
        case "vision": return vision?.integerAttributes[parts[1]]
        case "text": return text?.integerAttributes[parts[1]]
        default: return ldvc?.value(ofSymbol: symbol)
        }
    }
}

/// The activation inside the MLP of every block. OpenAI's CLIP weights need QuickGELU; open_clip's
/// own configs (without `-quickgelu`) use the exact GELU. Shapes cannot tell them apart.
public enum Activation: String, Sendable, Codable, CaseIterable {
    case quickGELU = "quick_gelu"
    case gelu = "gelu"
}

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

    /// Integer attributes by their layout attribute name.
    public var integerAttributes: [String: Int] {
        [
            "width": width, "layers": layers, "heads": heads, "patch_size": patchSize, "image_size": imageSize,
            "grid_size": gridSize, "mlp_width": mlpWidth,
        ]
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

    public var integerAttributes: [String: Int] {
        [
            "width": width, "layers": layers, "heads": heads, "context_length": contextLength,
            "vocab_size": vocabSize, "mlp_width": mlpWidth,
        ]
    }
}
