import Checkpoint
import Conventions
import Foundation
public import Layout
import TensorCore

/// What `MMSegImporter.importCheckpoint` wrote.
public struct MMSegImportReport: Sendable {
    public let output: String
    public let architecture: CLIPArchitecture
    /// Layout attribute → where its value came from (tensor shapes, `meta.config: <path>`, default, command line).
    public let sources: [String: String]
    /// `meta.CLASSES` of the checkpoint.
    public let classes: [String]
    /// What the layout keeps of the training data (classes, split, palette, config), if anything.
    public let dataset: TrainingDataset?
    public let tensorCount: Int
    public let build: LayoutBuildReport
}

/// Imports a trained ZegCLIP/LDVC checkpoint as MMSegmentation saves it (`state_dict` with
/// `backbone.*`, `text_encoder.*`, `decode_head.*`, plus `meta.config`): CLIP towers, prompts and
/// head through the `mmseg` convention's table, every setting from tensor shapes first, then
/// `meta.config` (cross-checked against the shapes), then the reconstruction's defaults — each
/// recorded in `architecture_sources`. Everything is validated before a byte is written, and the
/// plan is written by `LayoutBuilder` like a conversion.
public enum MMSegImporter {
    public static func importCheckpoint(
        input: String, output: String?, options: ConversionOptions, reporter: Reporter = .silent
    ) throws(ConversionError) -> MMSegImportReport {
        let atomic = try Converter.prepareOutput(
            output ?? Converter.defaultOutput(for: input), input: input, options: options, reporter: reporter)
        // Hashing starts before the parse, as in a conversion; the CRC checks follow.
        let digest = FileDigest(paths: [input], checksums: nil)
        return try digest.cancellingOnFailure { () throws(ConversionError) in
            let reader: any CheckpointReader
            do throws(CheckpointError) {
                reader = try CheckpointOpener.open(path: input)
            } catch {
                throw .checkpoint(error)
            }
            digest.check(reader.fileChecksums())
            let metadata = reader.metadata
            let plan = try self.plan(reader: reader, metadata: metadata, options: options, reporter: reporter)
            let (build, _) = try Converter.write(
                plan, digest: digest, to: atomic, options: options, reporter: reporter)
            return MMSegImportReport(
                output: atomic.destination, architecture: plan.attributes.architecture,
                sources: plan.attributes.metadata.architectureSources, classes: metadata.classes,
                dataset: plan.attributes.dataset, tensorCount: plan.items.count, build: build)
        }
    }

    /// The import's layout plan (prompts marked as imported, `source_sha256` filled in while writing);
    /// `diff` compares checkpoints through it without writing anything.
    public static func plan(
        reader: any CheckpointReader, metadata: CheckpointMetadata, options: ConversionOptions, reporter: Reporter
    )
        throws(ConversionError) -> LayoutPlan<CheckpointTensor>
    {
        try planWithSources(reader: reader, metadata: metadata, options: options, reporter: reporter).plan
    }

    /// The plan and what happens to each source tensor (what `inspect` lists).
    static func planWithSources(
        reader: any CheckpointReader, metadata: CheckpointMetadata, options: ConversionOptions, reporter: Reporter
    )
        throws(ConversionError) -> (plan: LayoutPlan<CheckpointTensor>, sources: [ConversionPlan.SourceEntry])
    {
        let path = reader.path
        guard let convention = options.conventions.conventions(of: .segmentor).first else {
            throw .badOption(reason: "no segmentor convention is registered")
        }
        var names = try ResolvedNames(reader: reader, convention: convention)
        guard names.mapped.keys.contains(where: { $0.hasPrefix("vision.") }),
            names.mapped.keys.contains(where: { $0.hasPrefix("head.") })
        else {
            throw .architecture(
                path: path,
                reason: "not a ZegCLIP/LDVC MMSegmentation checkpoint (no backbone.* and decode_head.* tensors); "
                    + "a plain CLIP checkpoint converts with `ldvc-convert \(path)`")
        }
        try names.settleUnmapped(strict: options.strict, reporter: reporter)
        var config: ConfigText?
        if let text = metadata.config {
            do {
                config = try ConfigText(parsing: text)
            } catch {
                reporter.warning(
                    "\(path): meta.config cannot be read (\(error)); settings come from tensor shapes and defaults")
            }
        } else {
            reporter.note(
                "\(path): no meta.config; settings come from tensor shapes, the command line and the defaults")
        }
        var settings = SettingsResolver(path: path, config: config, shapes: names.mappedShapes)
        let architecture = try settings.architecture(options: options)
        let items = try names.layoutItems(for: architecture, reader: reader, dtype: options.dtype)
        let name = URL(fileURLWithPath: path).lastPathComponent
        let imported = PromptInitialization(method: .imported, source: name)
        var initializations: [String: PromptInitialization] = [:]
        if architecture.ldvc?.visionPrompts != nil { initializations["vision"] = imported }
        if architecture.ldvc?.textPrompts != nil { initializations["text"] = imported }
        let preprocessing = try settings.preprocessing(crop: architecture.ldvc?.head?.cropSize ?? 0)
        let layoutMetadata = LayoutMetadata(
            producer: options.producer, sourceFile: name, sourceSize: 0, sourceSHA256: "",
            sourceFormat: reader.format.rawValue, sourceConvention: convention.name, sourceWrapper: reader.wrapperKey,
            dtypePolicy: options.dtype.rawValue, architectureSources: settings.sources, droppedTensors: names.dropped,
            tiedTensors: reader.tiedGroups)
        let plan = LayoutPlan(
            items: items,
            attributes: LayoutAttributes(
                metadata: layoutMetadata, architecture: architecture, promptInitializations: initializations,
                dataset: MMSegDataset.read(metadata: metadata, config: config, path: path, reporter: reporter),
                preprocessing: preprocessing),
            inputs: [path])
        return (plan, names.entries)
    }
}

/// Decides every architecture value of an imported model: tensor shapes, then the command line,
/// then `meta.config`, then the reconstruction's defaults; records which in `sources`.
struct SettingsResolver {
    let path: String
    let config: ConfigText?
    let shapes: [String: [Int]]
    var sources: [String: String] = [:]

    init(path: String, config: ConfigText?, shapes: [String: [Int]]) {
        self.path = path
        self.config = config
        self.shapes = shapes
    }

    private static let settingsByAttribute = Dictionary(
        MMSegSettings.table.map { ($0.attribute, $0.paths) }, uniquingKeysWith: { first, _ in first })

    /// The configured value of `attribute` and the path it was found at.
    func configured(_ attribute: String) -> (value: ConfigValue, path: String)? {
        guard let config, let paths = Self.settingsByAttribute[attribute] else { return nil }
        for candidate in paths {
            if let value = config.value(at: candidate) { return (value, candidate) }
        }
        return nil
    }

    /// A value with a default: configured (converted by `read`) or `fallback`, recording the source.
    mutating func setting<T>(_ attribute: String, default fallback: T, _ why: String, read: (ConfigValue) -> T?)
        throws(ConversionError) -> T
    {
        if let (value, place) = configured(attribute) {
            guard let converted = read(value) else {
                throw .architecture(path: path, reason: "meta.config's \(place) = \(value) is not a valid \(attribute)")
            }
            sources[attribute] = "meta.config: \(place)"
            return converted
        }
        sources[attribute] = "default: \(why)"
        return fallback
    }

    /// A value the shapes decide; a configured value must agree.
    mutating func fromShapes<T: Equatable>(_ attribute: String, _ value: T, read: (ConfigValue) -> T?)
        throws(ConversionError) -> T
    {
        sources[attribute] = "tensor shapes"
        if let (configured, place) = configured(attribute), let stated = read(configured), stated != value {
            throw .architecture(
                path: path, reason: "meta.config's \(place) says \(stated) but the tensors give \(attribute) = \(value)"
            )
        }
        return value
    }

    func shape(_ name: String) -> [Int]? { shapes[name] }

    /// Number of `prefix.{n}.…` blocks (0 when none).
    func count(_ prefix: String) -> Int {
        var indices = Set<Int>()
        for name in shapes.keys where name.hasPrefix(prefix + ".") {
            if let index = Int(name.dropFirst(prefix.count + 1).prefix(while: { $0 != "." })) { indices.insert(index) }
        }
        return indices.count
    }

    mutating func architecture(options: ConversionOptions) throws(ConversionError) -> CLIPArchitecture {
        // CLIP towers: the converter's own inference, with heads from the command line or the config.
        var towerOptions = options
        var headSources: [String: String] = [:]
        for (tower, keyPath) in [("vision", \ConversionOptions.visionHeads), ("text", \ConversionOptions.textHeads)]
        where options[keyPath: keyPath] == nil {
            if let (value, place) = configured("\(tower).heads"), let heads = value.intValue {
                towerOptions[keyPath: keyPath] = heads
                headSources["\(tower).heads"] = "meta.config: \(place)"
            }
        }
        var inference = ArchitectureInference(
            path: path, shapes: shapes, convention: .openAI, sidecar: nil, options: towerOptions)
        var clip = try inference.infer()
        sources.merge(inference.sources) { first, _ in first }
        sources.merge(headSources) { _, configured in configured }
        sources["convention"] = "MMSegmentation checkpoint (backbone./text_encoder./decode_head. names)"
        guard let vision = clip.vision else {
            throw .architecture(path: path, reason: "the checkpoint has no vision backbone")
        }

        var ldvc = LDVCArchitecture()
        ldvc.visionPrompts = try visionPrompts(vision: vision)
        if let text = clip.text, shape("prompts.text.embeddings") != nil {
            ldvc.textPrompts = try textPrompts(text: text)
        }
        ldvc.head = try head(vision: vision, embedDim: clip.embedDim)
        clip.ldvc = ldvc
        return clip
    }

    mutating func visionPrompts(vision: VisionArchitecture) throws(ConversionError) -> VisionPromptArchitecture {
        guard let embeddings = shape("prompts.vision.embeddings"), embeddings.count == 3 else {
            throw .architecture(
                path: path, reason: "the backbone has no VPT prompts (backbone.prompt_embeddings [1, N, W])")
        }
        let tokens = try fromShapes("prompts.vision.tokens", embeddings[1]) { $0.intValue }
        let deep = try fromShapes("prompts.vision.deep_layers", shape("prompts.vision.deep_embeddings")?.first ?? 0) {
            $0.intValue
        }
        guard deep < vision.layers else {
            throw .architecture(
                path: path,
                reason:
                    "\(deep) deep visual prompt layers (backbone.deep_prompt_embeddings) for a vision encoder of \(vision.layers) layers (at most \(vision.layers - 1))"
            )
        }
        sources["prompts.vision.norm_eps"] = "default: ZegCLIP's prompt_norm eps"
        sources["prompts.vision.class_embedding_twice"] = "default: ZegCLIP adds class_embedding twice"
        return VisionPromptArchitecture(tokens: tokens, deepLayers: deep)
    }

    mutating func textPrompts(text: TextArchitecture) throws(ConversionError) -> TextPromptArchitecture {
        guard let embeddings = shape("prompts.text.embeddings"), embeddings.count == 3, embeddings[2] == text.width
        else {
            throw .architecture(
                path: path,
                reason:
                    "text_encoder.prompt_embeddings has shape \(shape("prompts.text.embeddings") ?? []); expected [layers, tokens, \(text.width)]"
            )
        }
        let layers = try fromShapes("prompts.text.layers", embeddings[0]) { $0.intValue }
        let tokens = try fromShapes("prompts.text.tokens", embeddings[1]) { $0.intValue }
        typealias T = TextPromptArchitecture.Defaults
        let start = try setting("prompts.text.start", default: T.start, "[SOT, prompts, name, EOT] (reconstructed)") {
            $0.intValue
        }
        let addPosition = try setting(
            "prompts.text.add_position_at_first_layer", default: T.addPositionAtFirstLayer,
            "prompts replace token+position at layer 0 (reconstructed)"
        ) { $0.boolValue }
        let template = try setting(
            "prompts.text.template", default: T.template(tokens: tokens),
            "N_t placeholders then the class name, no period (reconstructed)"
        ) { $0.stringValue }
        guard layers <= text.layers, start >= 0, start + tokens < text.contextLength else {
            throw .architecture(
                path: path,
                reason:
                    "language prompts of \(layers) layers × \(tokens) tokens from row \(start) do not fit a text encoder of \(text.layers) layers and context \(text.contextLength)"
            )
        }
        return TextPromptArchitecture(
            tokens: tokens, layers: layers, start: start, addPositionAtFirstLayer: addPosition, template: template)
    }

    mutating func head(vision: VisionArchitecture, embedDim: Int) throws(ConversionError) -> HeadArchitecture {
        guard let adapter = shape("head.adapter.weight"), adapter.count == 2, adapter[1] == 2 * adapter[0] else {
            throw .architecture(
                path: path, reason: "decode_head.q_proj.weight (the text adapter [D, 2D]) is missing or misshapen")
        }
        let width = try fromShapes("head.width", adapter[0]) { $0.intValue }
        let kind: HeadArchitecture.Kind
        if count("head.layers") > 0 {
            kind = .zegclip
        } else if count("head.blocks") > 0 {
            kind = .ldvc
        } else {
            throw .architecture(
                path: path, reason: "decode_head has neither ZegCLIP's decoder_1.layers nor LDVC's decoder blocks")
        }
        sources["head.kind"] =
            "tensor names (\(kind == .zegclip ? "decode_head.decoder_1.layers" : "decode_head.decoder"))"
        typealias H = HeadArchitecture.Defaults
        let heads = try setting("head.heads", default: H.heads, "8 heads (ZegCLIP/LDVC)") { $0.intValue }
        guard heads > 0, width % heads == 0 else {
            throw .architecture(path: path, reason: "\(heads) head attention heads do not divide width \(width)")
        }
        let imageSize = try setting("head.image_size", default: vision.imageSize, "the vision input size") {
            $0.intValue
        }
        let crop = try setting("head.crop_size", default: imageSize, "the image size (ZegCLIP test_cfg)") {
            ($0.listValue?.first ?? $0).intValue
        }
        let stride = try setting("head.stride", default: H.stride(crop: crop), "ZegCLIP's 426/512 overlap") {
            ($0.listValue?.first ?? $0).intValue
        }
        let seenOffset = try setting("head.seen_offset", default: H.seenOffset, "ZegCLIP's") { $0.doubleValue }
        let doubles = { (value: ConfigValue) -> [Double]? in
            guard let items = value.listValue, items.count == 3 else { return nil }
            let numbers = items.compactMap(\.doubleValue)
            return numbers.count == 3 ? numbers : nil
        }
        let mean = try setting(
            "head.pixel_mean", default: H.pixelMean, "ImageNet statistics (ZegCLIP)", read: doubles
        )
        let std = try setting(
            "head.pixel_std", default: H.pixelStd, "ImageNet statistics (ZegCLIP)", read: doubles)
        var head = HeadArchitecture(
            kind: kind, width: width, heads: heads, imageSize: imageSize, seenOffset: seenOffset, cropSize: crop,
            stride: stride, pixelMean: mean, pixelStd: std)
        switch kind {
        case .zegclip:
            let layers = try fromShapes("head.layers", count("head.layers")) { $0.intValue }
            let mlp = try fromShapes("head.mlp_width", shape("head.layers.0.mlp.fc1.weight")?.first ?? 0) {
                $0.intValue
            }
            sources["head.norm_eps"] = "default: nn.TransformerDecoderLayer's"
            head.atm = ATMDecoderArchitecture(layers: layers, mlpWidth: mlp)
        case .ldvc:
            head.lctd = try lctd(vision: vision, width: width)
        }
        return head
    }

    mutating func lctd(vision: VisionArchitecture, width: Int) throws(ConversionError) -> LCTDArchitecture {
        typealias L = LCTDArchitecture
        typealias D = LCTDArchitecture.Defaults
        let blocks = try fromShapes("head.blocks", count("head.blocks")) { $0.intValue }
        let tapProjection = try fromShapes(
            "head.tap_projection", shape("head.tap_proj.0.weight") != nil ? L.TapProjection.learned : .clipHead
        ) {
            L.TapProjection(rawValue: $0.stringValue ?? "")
        }
        var tapLayers: [Int]
        if let (value, place) = configured("head.tap_layers") {
            guard let layers = value.listValue?.compactMap(\.intValue) else {
                throw .architecture(path: path, reason: "meta.config's \(place) = \(value) is not a list of layers")
            }
            tapLayers = layers
            sources["head.tap_layers"] = "meta.config: \(place)"
        } else if let indices = config?.value(at: MMSegSettings.tapLayerFallbackPath)?.listValue?.compactMap(
            \.intValue), indices.count >= blocks
        {
            tapLayers = Array(indices.suffix(blocks))
            sources["head.tap_layers"] = "meta.config: tail of \(MMSegSettings.tapLayerFallbackPath)"
        } else {
            tapLayers = D.tapLayers(visionLayers: vision.layers)
            sources["head.tap_layers"] = "default: [7, 11] scaled to the depth (reconstructed)"
        }
        guard tapLayers.count == blocks, tapLayers.allSatisfy({ (0..<vision.layers).contains($0) }) else {
            throw .architecture(
                path: path,
                reason:
                    "tap layers \(tapLayers) do not give one vision layer (0…\(vision.layers - 1)) per decoder block (\(blocks))"
            )
        }
        let conv: L.Conv
        var kernel = 0
        if let weight = shape("head.blocks.0.conv.weight"), weight.count == 4 {
            conv = weight[1] == 1 && width != 1 ? .depthwise : .dense
            kernel = weight[2]
        } else {
            conv = .none
        }
        _ = try fromShapes("head.conv", conv) { L.Conv(rawValue: $0.stringValue ?? "") }
        if conv != .none { kernel = try fromShapes("head.conv_kernel", kernel) { $0.intValue } }
        let lepe = try fromShapes("head.route_lepe_kernel", shape("head.blocks.0.route_attn.lepe.weight")?.last ?? 0) {
            $0.intValue
        }
        let outputProjection = try fromShapes(
            "head.route_output_projection", shape("head.blocks.0.route_attn.out_proj.weight") != nil
        ) { $0.boolValue }
        let classNorm = try fromShapes("head.class_norm", shape("head.blocks.0.class_norm.weight") != nil) {
            $0.boolValue
        }
        let finalNorm = try fromShapes("head.final_norm", shape("head.final_norm.weight") != nil) { $0.boolValue }
        let mlp = try fromShapes("head.mlp_width", shape("head.blocks.0.mlp.fc1.weight")?.first ?? 0) { $0.intValue }
        let recon = "the reconstruction's recommendation"
        let fusion = try setting("head.fusion", default: D.fusion, recon) {
            L.Fusion(rawValue: $0.stringValue ?? "")
        }
        let normPosition = try setting("head.norm_position", default: D.normPosition, recon) {
            L.NormPosition(rawValue: $0.stringValue ?? "")
        }
        let activation = try setting("head.activation", default: D.activation, recon) {
            Activation(rawValue: $0.stringValue ?? "")
        }
        let scale = try setting("head.route_scale", default: D.routeScale, recon) {
            L.RouteScale(rawValue: $0.stringValue ?? "")
        }
        let normEps = try setting("head.norm_eps", default: D.normEps, "BiFormer's LayerNorm eps") { $0.doubleValue }
        let tapNormEps = try setting("head.tap_norm_eps", default: D.tapNormEps, "nn.LayerNorm's") { $0.doubleValue }
        let windows = try setting("head.route_windows", default: D.routeWindows, "the paper's 8×8 windows") {
            $0.intValue
        }
        let topK = try setting("head.route_topk", default: D.routeTopK, "the paper's top-16") { $0.intValue }
        return LCTDArchitecture(
            blocks: blocks, tapLayers: tapLayers, tapProjection: tapProjection, tapNormEps: tapNormEps, conv: conv,
            convKernel: kernel, fusion: fusion, normPosition: normPosition, normEps: normEps, mlpWidth: mlp,
            activation: activation, routeWindows: windows, routeTopK: topK, routeScale: scale,
            routeLePEKernel: lepe, routeOutputProjection: outputProjection, classNorm: classNorm, finalNorm: finalNorm)
    }
}
