import HDF5

/// What ZegCLIP and LDVC add to a CLIP model: deep visual and language prompts and a segmentation
/// head, stored as the `/prompts/vision`, `/prompts/text` and `/head` groups.
///
/// No LDVC code or checkpoint is public, so every reconstructed choice of
/// `../shared/reference/ldvc-architecture.md` ([RECON]) is an attribute of the file here rather than a
/// constant in the runtime. `recommended…` builders give the notes' recommendation for each.
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

    /// Integer value of a schema symbol (`prompts.vision.tokens`, `head.width`, `head.class_norm`).
    public func value(ofSymbol symbol: String) -> Int? {
        if let name = symbol.dropPrefix("prompts.vision.") { return visionPrompts?.integerAttributes[name] }
        if let name = symbol.dropPrefix("prompts.text.") { return textPrompts?.integerAttributes[name] }
        if let name = symbol.dropPrefix("head.") { return head?.integerAttributes[name] }
        return nil
    }

    /// String value of a schema symbol (`head.kind`, `head.conv`).
    public func stringValue(ofSymbol symbol: String) -> String? {
        if let name = symbol.dropPrefix("prompts.text.") { return textPrompts?.stringAttributes[name] }
        if let name = symbol.dropPrefix("head.") { return head?.stringAttributes[name] }
        return nil
    }
}

// MARK: - Visual prompts

/// VPT-deep visual prompts as in ZegCLIP `models/backbone/img_encoder.py::VPTCLIPVisionTransformer`.
public struct VisionPromptArchitecture: Sendable, Equatable, Codable {
    /// Prompt tokens per layer (N_v): ZegCLIP 10/100, LDVC 40/100 [PAPER].
    public var tokens: Int
    /// Number of layers after the first that get fresh prompts (ZegCLIP `total_d_layer`, 11 for ViT-B).
    /// Layers past it run without prompt rows, as `forward_deep_prompt` does.
    public var deepLayers: Int
    /// `prompt_norm` epsilon: 1e-6 in ZegCLIP [CODE].
    public var normEps: Double
    /// ZegCLIP adds `class_embedding` to the CLS position term too, so CLS enters as
    /// `2·class_embedding + pos[0]` [CODE, §(f)]. 1 reproduces it.
    public var classEmbeddingTwice: Bool

    public init(tokens: Int, deepLayers: Int, normEps: Double = 1e-6, classEmbeddingTwice: Bool = true) {
        self.tokens = tokens
        self.deepLayers = deepLayers
        self.normEps = normEps
        self.classEmbeddingTwice = classEmbeddingTwice
    }

    public var integerAttributes: [String: Int] {
        ["tokens": tokens, "deep_layers": deepLayers, "class_embedding_twice": classEmbeddingTwice ? 1 : 0]
    }
}

// MARK: - Language prompts

/// Deep language prompts [PAPER + RECON, notes B2 and §(e) Q4].
public struct TextPromptArchitecture: Sendable, Equatable, Codable {
    /// Prompt tokens per layer (N_t = 6) [PAPER].
    public var tokens: Int
    /// Leading text layers whose rows are overwritten (all 12) [PAPER].
    public var layers: Int
    /// First overwritten row: 1 keeps SOT in front, `[SOT, P×N_t, name, EOT]` [RECON; 0 is alternative (b)].
    public var start: Int
    /// Add the positional embedding to the layer-0 prompt rows (IVLP) instead of replacing
    /// token + position [RECON; recommendation: no].
    public var addPositionAtFirstLayer: Bool
    /// Text the tokenizer sees for a class, `{}` standing for the class name; its placeholders are
    /// the rows the prompts overwrite [RECON; recommendation: no trailing period].
    public var template: String

    public init(
        tokens: Int, layers: Int, start: Int = 1, addPositionAtFirstLayer: Bool = false, template: String? = nil
    ) {
        self.tokens = tokens
        self.layers = layers
        self.start = start
        self.addPositionAtFirstLayer = addPositionAtFirstLayer
        self.template = template ?? (Array(repeating: "X", count: tokens) + ["{}"]).joined(separator: " ")
    }

    public var integerAttributes: [String: Int] {
        [
            "tokens": tokens, "layers": layers, "start": start,
            "add_position_at_first_layer": addPositionAtFirstLayer ? 1 : 0,
        ]
    }

    public var stringAttributes: [String: String] { ["template": template] }
}

// MARK: - Segmentation head

/// The segmentation head shared attributes, then the ZegCLIP (`atm`) or LDVC (`lctd`) decoder's.
public struct HeadArchitecture: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// ZegCLIP's attention-to-mask decoder (`decode_seg.py::ATMSingleHeadSeg`) [CODE].
        case zegclip
        /// LDVC's local consensus transformer decoder [PAPER + RECON].
        case ldvc
    }

    public var kind: Kind
    /// Decoder width D (the CLIP joint width, 512).
    public var width: Int
    /// Attention heads of the decoder's attentions (8).
    public var heads: Int
    /// ZegCLIP `img_size`: the mask is resized to it before the resize to the crop [CODE].
    public var imageSize: Int
    /// Subtracted from seen classes' sigmoid scores at test time, inductive setting (0.1) [CODE ZegCLIP; RECON LDVC].
    public var seenOffset: Double
    /// Sliding-window crop and stride (512, 426) [CODE ZegCLIP test_cfg].
    public var cropSize: Int
    public var stride: Int
    /// Input normalisation on 0–255 RGB: ImageNet statistics in ZegCLIP [CODE], assumed for LDVC [RECON].
    public var pixelMean: [Double]
    public var pixelStd: [Double]
    public var atm: ATMDecoderArchitecture?
    public var lctd: LCTDArchitecture?

    public init(
        kind: Kind, width: Int, heads: Int, imageSize: Int, seenOffset: Double = 0.1, cropSize: Int? = nil,
        stride: Int? = nil, pixelMean: [Double] = [123.675, 116.28, 103.53],
        pixelStd: [Double] = [58.395, 57.12, 57.375],
        atm: ATMDecoderArchitecture? = nil, lctd: LCTDArchitecture? = nil
    ) {
        self.kind = kind
        self.width = width
        self.heads = heads
        self.imageSize = imageSize
        self.seenOffset = seenOffset
        self.cropSize = cropSize ?? imageSize
        // ZegCLIP's 426 for 512: the same overlap fraction for other crop sizes.
        self.stride = stride ?? (imageSize * 426 + 256) / 512
        self.pixelMean = pixelMean
        self.pixelStd = pixelStd
        self.atm = atm
        self.lctd = lctd
    }

    public var integerAttributes: [String: Int] {
        var values = ["width": width, "heads": heads, "image_size": imageSize, "crop_size": cropSize, "stride": stride]
        if let atm { values.merge(atm.integerAttributes) { first, _ in first } }
        if let lctd {
            values.merge(lctd.integerAttributes) { first, _ in first }
            values["conv_input_width"] = lctd.convInputWidth(headWidth: width)
        }
        return values
    }

    public var stringAttributes: [String: String] {
        var values = ["kind": kind.rawValue]
        if let lctd { values.merge(lctd.stringAttributes) { first, _ in first } }
        return values
    }
}

/// ZegCLIP's decoder (`TPN_DecoderLayer` ×3, post-norm, ReLU, self-attention skipped) [CODE].
public struct ATMDecoderArchitecture: Sendable, Equatable, Codable {
    public var layers: Int
    public var mlpWidth: Int
    /// nn.TransformerDecoderLayer's default 1e-5.
    public var normEps: Double

    public init(layers: Int = 3, mlpWidth: Int, normEps: Double = 1e-5) {
        self.layers = layers
        self.mlpWidth = mlpWidth
        self.normEps = normEps
    }

    public var integerAttributes: [String: Int] { ["layers": layers, "mlp_width": mlpWidth] }
}

/// LDVC's local consensus transformer decoder; every field but `blocks` is [RECON] (notes B5, §(e)).
public struct LCTDArchitecture: Sendable, Equatable, Codable {
    /// How the 768-d CLIP taps V_j become D-wide (notes §(e) Q3).
    public enum TapProjection: String, Sendable, Codable, CaseIterable {
        /// ZegCLIP multi-stage path: Linear(W_v→D) + LayerNorm(D), `head.tap_proj/tap_norm` (recommended).
        case learned
        /// The frozen CLIP head, `ln_post(·) @ proj`, then L2-normalised per position.
        case clipHead = "clip_head"
    }

    /// Eq. 4's convolution.
    public enum Conv: String, Sendable, Codable, CaseIterable {
        /// Depthwise k×k with bias, BiFormer's `pos_embed` (recommended).
        case depthwise
        /// Dense k×k D→D with bias (1×1 is the parameter-budget alternative).
        case dense
        case none
    }

    /// Where Eq. 4 adds the tap and applies the convolution.
    public enum Fusion: String, Sendable, Codable, CaseIterable {
        /// Z = X + V; Z = Z + Conv(Z) (recommended, BiFormer conditional position encoding).
        case addThenConv = "add_then_conv"
        /// Z = X + Conv(V).
        case convOnTap = "conv_on_tap"
    }

    public enum NormPosition: String, Sendable, Codable, CaseIterable {
        /// x + f(LN(x)): the paper writes Norm inside the branches (recommended).
        case pre
        /// LN(x + f(x)): ZegCLIP's own decoder layer.
        case post
    }

    public enum Activation: String, Sendable, Codable, CaseIterable {
        /// Exact GELU, BiFormer `mlp.0/mlp.3` (recommended with the BiFormer conventions).
        case gelu
        /// nn.TransformerDecoderLayer's `linear1/linear2`.
        case relu
    }

    /// Scale of LCSA token attention (notes §(e) Q7).
    public enum RouteScale: String, Sendable, Codable, CaseIterable {
        /// BiFormer's `qk_dim ** -0.5` = D^-0.5 (recommended).
        case qkDim = "qk_dim"
        /// The textbook head_dim^-0.5.
        case headDim = "head_dim"
    }

    /// Decoder blocks L = 2 [PAPER].
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
    public var activation: Activation
    /// Windows per side of the route attention (8 → 64 windows of 4×4 on the 32×32 grid) [PAPER].
    public var routeWindows: Int
    /// Routed windows per query window (16) [PAPER].
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

    public init(
        blocks: Int = 2, tapLayers: [Int], tapProjection: TapProjection = .learned, tapNormEps: Double = 1e-5,
        conv: Conv = .depthwise, convKernel: Int = 3, fusion: Fusion = .addThenConv, normPosition: NormPosition = .pre,
        normEps: Double = 1e-6, mlpWidth: Int, activation: Activation = .gelu, routeWindows: Int = 8,
        routeTopK: Int = 16,
        routeScale: RouteScale = .qkDim, routeLePEKernel: Int = 0, routeOutputProjection: Bool = true,
        classNorm: Bool = false, finalNorm: Bool = false
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

    /// The notes' recommended taps `[7, 11]` for 12 layers: the last block and the one 4/12 of the depth earlier.
    public static func recommendedTapLayers(visionLayers: Int) -> [Int] {
        [max(0, visionLayers - 1 - (visionLayers + 2) / 3), visionLayers - 1]
    }

    /// Input channels per group of the Eq. 4 convolution's weight: 1 depthwise, D dense.
    func convInputWidth(headWidth: Int) -> Int { conv == .dense ? headWidth : 1 }

    public var integerAttributes: [String: Int] {
        [
            "blocks": blocks, "mlp_width": mlpWidth, "conv_kernel": conv == .none ? 0 : convKernel,
            "route_windows": routeWindows, "route_topk": routeTopK, "route_lepe_kernel": routeLePEKernel,
            "route_output_projection": routeOutputProjection ? 1 : 0, "class_norm": classNorm ? 1 : 0,
            "final_norm": finalNorm ? 1 : 0,
        ]
    }

    public var stringAttributes: [String: String] {
        [
            "tap_projection": tapProjection.rawValue, "conv": conv.rawValue, "fusion": fusion.rawValue,
            "norm_position": normPosition.rawValue, "activation": activation.rawValue,
            "route_scale": routeScale.rawValue,
        ]
    }
}

// MARK: - Schema conditions

extension CLIPArchitecture {
    /// Whether a schema `when` condition holds: `symbol` (a non-zero integer), `symbol=value` or
    /// `symbol!=value` (string or integer comparison). Unknown symbols make the condition false.
    public func satisfies(_ condition: String) -> Bool {
        if let range = condition.range(of: "!=") {
            let symbol = String(condition[..<range.lowerBound]), expected = String(condition[range.upperBound...])
            guard let actual = symbolText(symbol) else { return false }
            return actual != expected
        }
        if let range = condition.range(of: "=") {
            let symbol = String(condition[..<range.lowerBound]), expected = String(condition[range.upperBound...])
            return symbolText(symbol) == expected
        }
        return (value(ofSymbol: condition) ?? 0) != 0
    }

    private func symbolText(_ symbol: String) -> String? {
        if let number = value(ofSymbol: symbol) { return String(number) }
        return ldvc?.stringValue(ofSymbol: symbol)
    }
}

// MARK: - HDF5 attributes

extension LDVCArchitecture {
    /// Writes the `/prompts/vision`, `/prompts/text` and `/head` group attributes that exist.
    func write(into root: HDF5Group) throws(HDF5Error) {
        if visionPrompts != nil || textPrompts != nil {
            let prompts = try root.groupCreatingIfNeeded("prompts")
            if let visionPrompts {
                let group = try prompts.groupCreatingIfNeeded("vision")
                try Self.setIntegers(visionPrompts.integerAttributes, on: group)
                try group.setAttribute("norm_eps", .double(visionPrompts.normEps))
            }
            if let textPrompts {
                let group = try prompts.groupCreatingIfNeeded("text")
                try Self.setIntegers(textPrompts.integerAttributes, on: group)
                try group.setAttribute("template", .string(textPrompts.template))
            }
        }
        guard let head else { return }
        let group = try root.groupCreatingIfNeeded("head")
        try Self.setIntegers(head.integerAttributes, on: group)
        for (name, value) in head.stringAttributes.sorted(by: { $0.key < $1.key }) {
            try group.setAttribute(name, .string(value))
        }
        try group.setAttribute("seen_offset", .double(head.seenOffset))
        try group.setAttribute("pixel_mean", .doubleArray(head.pixelMean))
        try group.setAttribute("pixel_std", .doubleArray(head.pixelStd))
        if let atm = head.atm { try group.setAttribute("norm_eps", .double(atm.normEps)) }
        if let lctd = head.lctd {
            try group.setAttribute("norm_eps", .double(lctd.normEps))
            try group.setAttribute("tap_norm_eps", .double(lctd.tapNormEps))
            try group.setAttribute("tap_layers", .intArray(lctd.tapLayers.map(Int64.init)))
        }
    }

    private static func setIntegers(_ values: [String: Int], on group: HDF5Group) throws(HDF5Error) {
        for (name, value) in values.sorted(by: { $0.key < $1.key }) {
            try group.setAttribute(name, .int(Int64(value)))
        }
    }

    /// Reads the groups back; nil when the file has none of them (a plain CLIP model).
    static func read(from root: HDF5Group, path: String) throws -> LDVCArchitecture? {
        var result = LDVCArchitecture()
        if root.contains("prompts") {
            let prompts = try root.group("prompts")
            if prompts.contains("vision") {
                let group = try prompts.group("vision")
                result.visionPrompts = VisionPromptArchitecture(
                    tokens: try LayoutReader.int(group, "tokens", path: path),
                    deepLayers: try LayoutReader.int(group, "deep_layers", path: path),
                    normEps: try LayoutReader.double(group, "norm_eps", path: path),
                    classEmbeddingTwice: try flag(group, "class_embedding_twice", path: path))
            }
            if prompts.contains("text") {
                let group = try prompts.group("text")
                result.textPrompts = TextPromptArchitecture(
                    tokens: try LayoutReader.int(group, "tokens", path: path),
                    layers: try LayoutReader.int(group, "layers", path: path),
                    start: try LayoutReader.int(group, "start", path: path),
                    addPositionAtFirstLayer: try flag(group, "add_position_at_first_layer", path: path),
                    template: try LayoutReader.string(group, "template", path: path))
            }
        }
        if root.contains("head") {
            result.head = try readHead(try root.group("head"), path: path)
        }
        return result == LDVCArchitecture() ? nil : result
    }

    private static func readHead(_ group: HDF5Group, path: String) throws -> HeadArchitecture {
        let int = { (name: String) throws -> Int in try LayoutReader.int(group, name, path: path) }
        let double = { (name: String) throws -> Double in try LayoutReader.double(group, name, path: path) }
        var head = HeadArchitecture(
            kind: try option(group, "kind", path: path), width: try int("width"), heads: try int("heads"),
            imageSize: try int("image_size"), seenOffset: try double("seen_offset"), cropSize: try int("crop_size"),
            stride: try int("stride"), pixelMean: try doubles(group, "pixel_mean", count: 3, path: path),
            pixelStd: try doubles(group, "pixel_std", count: 3, path: path))
        switch head.kind {
        case .zegclip:
            head.atm = ATMDecoderArchitecture(
                layers: try int("layers"), mlpWidth: try int("mlp_width"), normEps: try double("norm_eps"))
        case .ldvc:
            let blocks = try int("blocks")
            let tapLayers = try integers(group, "tap_layers", path: path)
            guard tapLayers.count == blocks else {
                throw LayoutError.badAttribute(
                    path: path, object: group.fullName, attribute: "tap_layers",
                    reason: "\(tapLayers.count) tap layers for \(blocks) decoder blocks")
            }
            head.lctd = LCTDArchitecture(
                blocks: blocks, tapLayers: tapLayers, tapProjection: try option(group, "tap_projection", path: path),
                tapNormEps: try double("tap_norm_eps"), conv: try option(group, "conv", path: path),
                convKernel: try int("conv_kernel"), fusion: try option(group, "fusion", path: path),
                normPosition: try option(group, "norm_position", path: path), normEps: try double("norm_eps"),
                mlpWidth: try int("mlp_width"), activation: try option(group, "activation", path: path),
                routeWindows: try int("route_windows"), routeTopK: try int("route_topk"),
                routeScale: try option(group, "route_scale", path: path), routeLePEKernel: try int("route_lepe_kernel"),
                routeOutputProjection: try flag(group, "route_output_projection", path: path),
                classNorm: try flag(group, "class_norm", path: path),
                finalNorm: try flag(group, "final_norm", path: path))
        }
        return head
    }

    private static func option<T: RawRepresentable & CaseIterable>(_ group: HDF5Group, _ name: String, path: String)
        throws -> T
    where T.RawValue == String {
        let text = try LayoutReader.string(group, name, path: path)
        guard let value = T(rawValue: text) else {
            let allowed = T.allCases.map(\.rawValue).joined(separator: ", ")
            throw LayoutError.badAttribute(
                path: path, object: group.fullName, attribute: name, reason: "'\(text)' is not one of \(allowed)")
        }
        return value
    }

    private static func flag(_ group: HDF5Group, _ name: String, path: String) throws -> Bool {
        let value = try LayoutReader.int(group, name, path: path)
        guard value == 0 || value == 1 else {
            throw LayoutError.badAttribute(
                path: path, object: group.fullName, attribute: name, reason: "\(value) is not 0 or 1")
        }
        return value == 1
    }

    private static func integers(_ group: HDF5Group, _ name: String, path: String) throws -> [Int] {
        switch try group.attribute(name) {
        case .intArray(let values): return values.map { Int($0) }
        case .int(let value): return [Int(value)]
        default:
            throw LayoutError.badAttribute(path: path, object: group.fullName, attribute: name, reason: "not integers")
        }
    }

    private static func doubles(_ group: HDF5Group, _ name: String, count: Int, path: String) throws -> [Double] {
        let values: [Double]
        switch try group.attribute(name) {
        case .doubleArray(let numbers): values = numbers
        case .intArray(let numbers): values = numbers.map(Double.init)
        default:
            throw LayoutError.badAttribute(path: path, object: group.fullName, attribute: name, reason: "not numbers")
        }
        guard values.count == count else {
            throw LayoutError.badAttribute(
                path: path, object: group.fullName, attribute: name, reason: "\(values.count) values, expected \(count)"
            )
        }
        return values
    }
}

extension String {
    fileprivate func dropPrefix(_ prefix: String) -> String? {
        hasPrefix(prefix) ? String(dropFirst(prefix.count)) : nil
    }
}
