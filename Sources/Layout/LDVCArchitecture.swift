public import Conventions
import HDF5

/// What ZegCLIP and LDVC add to a CLIP model: deep visual and language prompts and a segmentation
/// head, stored as the `/prompts/vision`, `/prompts/text` and `/head` groups.
///
/// No LDVC code or checkpoint is public, so every choice the reconstruction had to make is an
/// attribute of the file rather than a constant of the runtime. Each default below is the
/// recommended choice, and the importer reads the same defaults (`Defaults`).
public struct LDVCArchitecture: Sendable, Equatable, Codable {
    public var visionPrompts: VisionPromptArchitecture?
    public var textPrompts: TextPromptArchitecture?
    public var head: HeadArchitecture?

    public init(
        visionPrompts: VisionPromptArchitecture? = nil, textPrompts: TextPromptArchitecture? = nil,
        head: HeadArchitecture? = nil
    ) {
        self.visionPrompts = visionPrompts
        self.textPrompts = textPrompts
        self.head = head
    }

    enum CodingKeys: String, CodingKey { case prompts, head }
    enum PromptKeys: String, CodingKey { case vision, text }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        if visionPrompts != nil || textPrompts != nil {
            var prompts = container.nestedContainer(keyedBy: PromptKeys.self, forKey: .prompts)
            try prompts.encodeIfPresent(visionPrompts, forKey: .vision)
            try prompts.encodeIfPresent(textPrompts, forKey: .text)
        }
        try container.encodeIfPresent(head, forKey: .head)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if container.contains(.prompts) {
            let prompts = try container.nestedContainer(keyedBy: PromptKeys.self, forKey: .prompts)
            visionPrompts = try prompts.decodeIfPresent(VisionPromptArchitecture.self, forKey: .vision)
            textPrompts = try prompts.decodeIfPresent(TextPromptArchitecture.self, forKey: .text)
        }
        head = try container.decodeIfPresent(HeadArchitecture.self, forKey: .head)
    }
}

// MARK: - Visual prompts

/// VPT-deep visual prompts as in ZegCLIP `models/backbone/img_encoder.py::VPTCLIPVisionTransformer`.
public struct VisionPromptArchitecture: Sendable, Equatable, Codable {
    /// Prompt tokens per layer (N_v): ZegCLIP 10/100, LDVC 40/100.
    public var tokens: Int
    /// Number of layers after the first that get fresh prompts (ZegCLIP `total_d_layer`, 11 for ViT-B).
    /// Layers past it run without prompt rows, as `forward_deep_prompt` does.
    public var deepLayers: Int
    /// `prompt_norm` epsilon: 1e-6 in ZegCLIP.
    public var normEps: Double
    /// ZegCLIP adds `class_embedding` to the CLS position term too, so CLS enters as
    /// `2·class_embedding + pos[0]`; true reproduces it.
    public var classEmbeddingTwice: Bool

    public enum Defaults {
        public static let normEps = 1e-6
        public static let classEmbeddingTwice = true
    }

    public init(
        tokens: Int, deepLayers: Int, normEps: Double = Defaults.normEps,
        classEmbeddingTwice: Bool = Defaults.classEmbeddingTwice
    ) {
        self.tokens = tokens
        self.deepLayers = deepLayers
        self.normEps = normEps
        self.classEmbeddingTwice = classEmbeddingTwice
    }

    enum CodingKeys: String, CodingKey {
        case tokens
        case deepLayers = "deep_layers"
        case normEps = "norm_eps"
        case classEmbeddingTwice = "class_embedding_twice"
    }
}

// MARK: - Language prompts

/// Deep language prompts (LDVC §3.3; where they sit in the sequence is reconstructed).
public struct TextPromptArchitecture: Sendable, Equatable, Codable {
    /// Prompt tokens per layer (N_t = 6).
    public var tokens: Int
    /// Leading text layers whose rows are overwritten (all 12).
    public var layers: Int
    /// First overwritten row: 1 keeps SOT in front, `[SOT, P×N_t, name, EOT]` (0 is the alternative).
    public var start: Int
    /// Add the positional embedding to the layer-0 prompt rows (IVLP) instead of replacing
    /// token + position (recommendation: no).
    public var addPositionAtFirstLayer: Bool
    /// Text the tokenizer sees for a class, `{}` standing for the class name; its placeholders are
    /// the rows the prompts overwrite (recommendation: no trailing period).
    public var template: String

    public enum Defaults {
        public static let start = 1
        public static let addPositionAtFirstLayer = false
        /// `X X X X X X {}` for six tokens: one placeholder word per prompt row, then the name.
        public static func template(tokens: Int) -> String {
            (Array(repeating: "X", count: tokens) + ["{}"]).joined(separator: " ")
        }
    }

    public init(
        tokens: Int, layers: Int, start: Int = Defaults.start,
        addPositionAtFirstLayer: Bool = Defaults.addPositionAtFirstLayer, template: String? = nil
    ) {
        self.tokens = tokens
        self.layers = layers
        self.start = start
        self.addPositionAtFirstLayer = addPositionAtFirstLayer
        self.template = template ?? Defaults.template(tokens: tokens)
    }

    enum CodingKeys: String, CodingKey {
        case tokens, layers, start, template
        case addPositionAtFirstLayer = "add_position_at_first_layer"
    }
}

// MARK: - Segmentation head

/// The segmentation head's shared settings, then the ZegCLIP (`atm`) or LDVC (`lctd`) decoder's,
/// all stored as attributes of `/head`.
public struct HeadArchitecture: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable, AttributeChoice {
        /// ZegCLIP's attention-to-mask decoder (`decode_seg.py::ATMSingleHeadSeg`).
        case zegclip
        /// LDVC's local consensus transformer decoder (reconstructed).
        case ldvc
    }

    public var kind: Kind
    /// Decoder width D (the CLIP joint width, 512).
    public var width: Int
    /// Attention heads of the decoder's attentions (8).
    public var heads: Int
    /// ZegCLIP `img_size`: the mask is resized to it before the resize to the crop.
    public var imageSize: Int
    /// Subtracted from seen classes' sigmoid scores at test time, inductive setting (0.1 in ZegCLIP).
    public var seenOffset: Double
    /// Sliding-window crop and stride (512, 426 in ZegCLIP's `test_cfg`).
    public var cropSize: Int
    public var stride: Int
    /// Input normalisation on 0–255 RGB: ImageNet statistics in ZegCLIP, assumed for LDVC.
    public var pixelMean: [Double]
    public var pixelStd: [Double]
    public var atm: ATMDecoderArchitecture?
    public var lctd: LCTDArchitecture?

    public enum Defaults {
        /// Attention heads of the decoder (ZegCLIP's and the paper's 8).
        public static let heads = 8
        public static let seenOffset = 0.1
        public static let pixelMean = [123.675, 116.28, 103.53]
        public static let pixelStd = [58.395, 57.12, 57.375]
        /// ZegCLIP's stride 426 for a 512 crop: the same overlap fraction for other crop sizes.
        public static func stride(crop: Int) -> Int { (crop * 426 + 256) / 512 }
    }

    public init(
        kind: Kind, width: Int, heads: Int, imageSize: Int, seenOffset: Double = Defaults.seenOffset,
        cropSize: Int? = nil, stride: Int? = nil, pixelMean: [Double] = Defaults.pixelMean,
        pixelStd: [Double] = Defaults.pixelStd, atm: ATMDecoderArchitecture? = nil, lctd: LCTDArchitecture? = nil
    ) {
        self.kind = kind
        self.width = width
        self.heads = heads
        self.imageSize = imageSize
        self.seenOffset = seenOffset
        self.cropSize = cropSize ?? imageSize
        self.stride = stride ?? Defaults.stride(crop: imageSize)
        self.pixelMean = pixelMean
        self.pixelStd = pixelStd
        self.atm = atm
        self.lctd = lctd
    }

    enum CodingKeys: String, CodingKey {
        case kind, width, heads, stride
        case imageSize = "image_size"
        case seenOffset = "seen_offset"
        case cropSize = "crop_size"
        case pixelMean = "pixel_mean"
        case pixelStd = "pixel_std"
        /// Input channels per group of the Eq. 4 convolution (derived; the schema's shapes use it).
        case convInputWidth = "conv_input_width"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        try container.encode(width, forKey: .width)
        try container.encode(heads, forKey: .heads)
        try container.encode(imageSize, forKey: .imageSize)
        try container.encode(seenOffset, forKey: .seenOffset)
        try container.encode(cropSize, forKey: .cropSize)
        try container.encode(stride, forKey: .stride)
        try container.encode(pixelMean, forKey: .pixelMean)
        try container.encode(pixelStd, forKey: .pixelStd)
        // The decoder's settings share the head's group.
        try atm?.encode(to: encoder)
        if let lctd {
            try lctd.encode(to: encoder)
            try container.encode(lctd.convInputWidth(headWidth: width), forKey: .convInputWidth)
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        kind = try container.decode(Kind.self, forKey: .kind)
        width = try container.decode(Int.self, forKey: .width)
        heads = try container.decode(Int.self, forKey: .heads)
        imageSize = try container.decode(Int.self, forKey: .imageSize)
        seenOffset = try container.decode(Double.self, forKey: .seenOffset)
        cropSize = try container.decode(Int.self, forKey: .cropSize)
        stride = try container.decode(Int.self, forKey: .stride)
        pixelMean = try container.decode([Double].self, forKey: .pixelMean)
        pixelStd = try container.decode([Double].self, forKey: .pixelStd)
        for (values, key) in [(pixelMean, CodingKeys.pixelMean), (pixelStd, .pixelStd)] where values.count != 3 {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: container, debugDescription: "\(values.count) values, expected 3")
        }
        switch kind {
        case .zegclip: atm = try ATMDecoderArchitecture(from: decoder)
        case .ldvc: lctd = try LCTDArchitecture(from: decoder)
        }
    }
}

/// ZegCLIP's decoder (`TPN_DecoderLayer` ×3, post-norm, ReLU, self-attention skipped).
public struct ATMDecoderArchitecture: Sendable, Equatable, Codable {
    public var layers: Int
    public var mlpWidth: Int
    /// nn.TransformerDecoderLayer's default 1e-5.
    public var normEps: Double

    public enum Defaults {
        public static let layers = 3
        public static let normEps = 1e-5
    }

    public init(layers: Int = Defaults.layers, mlpWidth: Int, normEps: Double = Defaults.normEps) {
        self.layers = layers
        self.mlpWidth = mlpWidth
        self.normEps = normEps
    }

    enum CodingKeys: String, CodingKey {
        case layers
        case mlpWidth = "mlp_width"
        case normEps = "norm_eps"
    }
}

/// LDVC's local consensus transformer decoder; every field but `blocks` is reconstructed.
public struct LCTDArchitecture: Sendable, Equatable, Codable {
    /// How the CLIP taps V_j become D-wide.
    public enum TapProjection: String, Sendable, Codable, CaseIterable, AttributeChoice {
        /// ZegCLIP multi-stage path: Linear(W_v→D) + LayerNorm(D), `head.tap_proj/tap_norm` (recommended).
        case learned
        /// The frozen CLIP head, `ln_post(·) @ proj`, then L2-normalised per position.
        case clipHead = "clip_head"
    }

    /// Eq. 4's convolution.
    public enum Conv: String, Sendable, Codable, CaseIterable, AttributeChoice {
        /// Depthwise k×k with bias, BiFormer's `pos_embed` (recommended).
        case depthwise
        /// Dense k×k D→D with bias (1×1 is the parameter-budget alternative).
        case dense
        case none
    }

    /// Where Eq. 4 adds the tap and applies the convolution.
    public enum Fusion: String, Sendable, Codable, CaseIterable, AttributeChoice {
        /// Z = X + V; Z = Z + Conv(Z) (recommended, BiFormer conditional position encoding).
        case addThenConv = "add_then_conv"
        /// Z = X + Conv(V).
        case convOnTap = "conv_on_tap"
    }

    public enum NormPosition: String, Sendable, Codable, CaseIterable, AttributeChoice {
        /// x + f(LN(x)): the paper writes Norm inside the branches (recommended).
        case pre
        /// LN(x + f(x)): ZegCLIP's own decoder layer.
        case post
    }

    /// Scale of LCSA token attention.
    public enum RouteScale: String, Sendable, Codable, CaseIterable, AttributeChoice {
        /// BiFormer's `qk_dim ** -0.5` = D^-0.5 (recommended).
        case qkDim = "qk_dim"
        /// The textbook head_dim^-0.5.
        case headDim = "head_dim"
    }

    /// Decoder blocks L = 2 (the paper's).
    public var blocks: Int
    /// CLIP vision block whose output feeds each decoder block (default `[7, 11]`, scaled to the depth).
    public var tapLayers: [Int]
    public var tapProjection: TapProjection
    /// LayerNorm epsilon of the learned tap projection (nn.LayerNorm default 1e-5).
    public var tapNormEps: Double
    public var conv: Conv
    public var convKernel: Int
    public var fusion: Fusion
    public var normPosition: NormPosition
    /// Decoder LayerNorm epsilon: 1e-6 with the BiFormer conventions.
    public var normEps: Double
    public var mlpWidth: Int
    /// GELU (BiFormer `mlp.0/mlp.3`, recommended) or ReLU (nn.TransformerDecoderLayer).
    public var activation: Activation
    /// Windows per side of the route attention (8 → 64 windows of 4×4 on the 32×32 grid; the paper's).
    public var routeWindows: Int
    /// Routed windows per query window (16, the paper's).
    public var routeTopK: Int
    public var routeScale: RouteScale
    /// Kernel of BiFormer's LePE depthwise conv on v, 0 = none (the paper does not mention it).
    public var routeLePEKernel: Int
    /// BiFormer's `wo` output projection (`param_attention='qkvo'`).
    public var routeOutputProjection: Bool
    /// LayerNorm on the class embeddings before they become cross-attention keys/values.
    public var classNorm: Bool
    /// LayerNorm on X_L before the logits (Eq. 13).
    public var finalNorm: Bool

    /// The recommended value of every reconstructed setting.
    public enum Defaults {
        public static let blocks = 2
        public static let tapProjection = TapProjection.learned
        public static let tapNormEps = 1e-5
        public static let conv = Conv.depthwise
        public static let convKernel = 3
        public static let fusion = Fusion.addThenConv
        public static let normPosition = NormPosition.pre
        public static let normEps = 1e-6
        public static let activation = Activation.gelu
        public static let routeWindows = 8
        public static let routeTopK = 16
        public static let routeScale = RouteScale.qkDim
        public static let routeLePEKernel = 0
        public static let routeOutputProjection = true
        public static let classNorm = false
        public static let finalNorm = false
        /// MLP width: 4·D, the transformer convention.
        public static func mlpWidth(headWidth: Int) -> Int { 4 * headWidth }

        /// `[7, 11]` for 12 layers: the last block and the one 4/12 of the depth earlier.
        public static func tapLayers(visionLayers: Int) -> [Int] {
            [max(0, visionLayers - 1 - (visionLayers + 2) / 3), visionLayers - 1]
        }
    }

    public init(
        blocks: Int = Defaults.blocks, tapLayers: [Int], tapProjection: TapProjection = Defaults.tapProjection,
        tapNormEps: Double = Defaults.tapNormEps, conv: Conv = Defaults.conv, convKernel: Int = Defaults.convKernel,
        fusion: Fusion = Defaults.fusion, normPosition: NormPosition = Defaults.normPosition,
        normEps: Double = Defaults.normEps, mlpWidth: Int, activation: Activation = Defaults.activation,
        routeWindows: Int = Defaults.routeWindows, routeTopK: Int = Defaults.routeTopK,
        routeScale: RouteScale = Defaults.routeScale, routeLePEKernel: Int = Defaults.routeLePEKernel,
        routeOutputProjection: Bool = Defaults.routeOutputProjection, classNorm: Bool = Defaults.classNorm,
        finalNorm: Bool = Defaults.finalNorm
    ) {
        self.blocks = blocks
        self.tapLayers = tapLayers
        self.tapProjection = tapProjection
        self.tapNormEps = tapNormEps
        self.conv = conv
        // Without a convolution there is no kernel; 0 keeps the stored attribute and this value equal.
        self.convKernel = conv == .none ? 0 : convKernel
        self.fusion = fusion
        self.normPosition = normPosition
        self.normEps = normEps
        self.mlpWidth = mlpWidth
        self.activation = activation
        self.routeWindows = routeWindows
        self.routeTopK = routeTopK
        self.routeScale = routeScale
        self.routeLePEKernel = routeLePEKernel
        self.routeOutputProjection = routeOutputProjection
        self.classNorm = classNorm
        self.finalNorm = finalNorm
    }

    enum CodingKeys: String, CodingKey {
        case blocks, conv, fusion, activation
        case tapLayers = "tap_layers"
        case tapProjection = "tap_projection"
        case tapNormEps = "tap_norm_eps"
        case convKernel = "conv_kernel"
        case normPosition = "norm_position"
        case normEps = "norm_eps"
        case mlpWidth = "mlp_width"
        case routeWindows = "route_windows"
        case routeTopK = "route_topk"
        case routeScale = "route_scale"
        case routeLePEKernel = "route_lepe_kernel"
        case routeOutputProjection = "route_output_projection"
        case classNorm = "class_norm"
        case finalNorm = "final_norm"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let blocks = try container.decode(Int.self, forKey: .blocks)
        let tapLayers = try container.decode([Int].self, forKey: .tapLayers)
        guard tapLayers.count == blocks else {
            throw DecodingError.dataCorruptedError(
                forKey: .tapLayers, in: container,
                debugDescription: "\(tapLayers.count) tap layers for \(blocks) decoder blocks")
        }
        self.init(
            blocks: blocks, tapLayers: tapLayers,
            tapProjection: try container.decode(TapProjection.self, forKey: .tapProjection),
            tapNormEps: try container.decode(Double.self, forKey: .tapNormEps),
            conv: try container.decode(Conv.self, forKey: .conv),
            convKernel: try container.decode(Int.self, forKey: .convKernel),
            fusion: try container.decode(Fusion.self, forKey: .fusion),
            normPosition: try container.decode(NormPosition.self, forKey: .normPosition),
            normEps: try container.decode(Double.self, forKey: .normEps),
            mlpWidth: try container.decode(Int.self, forKey: .mlpWidth),
            activation: try container.decode(Activation.self, forKey: .activation),
            routeWindows: try container.decode(Int.self, forKey: .routeWindows),
            routeTopK: try container.decode(Int.self, forKey: .routeTopK),
            routeScale: try container.decode(RouteScale.self, forKey: .routeScale),
            routeLePEKernel: try container.decode(Int.self, forKey: .routeLePEKernel),
            routeOutputProjection: try container.decode(Bool.self, forKey: .routeOutputProjection),
            classNorm: try container.decode(Bool.self, forKey: .classNorm),
            finalNorm: try container.decode(Bool.self, forKey: .finalNorm))
    }

    /// Input channels per group of the Eq. 4 convolution's weight: 1 depthwise, D dense.
    func convInputWidth(headWidth: Int) -> Int { conv == .dense ? headWidth : 1 }
}

// MARK: - Schema conditions

extension CLIPArchitecture {
    /// Whether a schema `when` condition holds over `symbols`: `symbol` (a non-zero integer),
    /// `symbol=value` or `symbol!=value` (string or integer comparison). Unknown symbols make the
    /// condition false.
    static func satisfies(_ condition: String, symbols: [String: HDF5AttributeValue]) -> Bool {
        func text(_ symbol: String) -> String? {
            switch symbols[symbol] {
            case .int(let value): return String(value)
            case .string(let value): return value
            default: return nil
            }
        }
        if let range = condition.range(of: "!=") {
            guard let actual = text(String(condition[..<range.lowerBound])) else { return false }
            return actual != String(condition[range.upperBound...])
        }
        if let range = condition.range(of: "=") {
            return text(String(condition[..<range.lowerBound])) == String(condition[range.upperBound...])
        }
        if case .int(let value) = symbols[condition] { return value != 0 }
        return false
    }
}
