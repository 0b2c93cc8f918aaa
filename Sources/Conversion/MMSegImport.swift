import Checkpoint
import Foundation
import HDF5
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
    public let tensorCount: Int
}

/// Imports a trained ZegCLIP/LDVC checkpoint as MMSegmentation saves it (`state_dict` with
/// `backbone.*`, `text_encoder.*`, `decode_head.*`, plus `meta.config`): CLIP towers, prompts and
/// head through `NameTable.mmseg`, every setting from tensor shapes first, then `meta.config`
/// (cross-checked against the shapes), then the notes' recommendations — each recorded in
/// `architecture_sources`. Everything is validated before the output is created.
public enum MMSegImporter {
    public static func importCheckpoint(
        input: String, output: String?, options: ConversionOptions,
        observer: ConversionObserver = .silent
    ) throws(ConversionError) -> MMSegImportReport {
        let destination = output ?? Converter.defaultOutput(for: input)
        let atomic: AtomicOutput
        do { atomic = try AtomicOutput(destination: destination, overwrite: options.overwrite, inputs: [input]) } catch
        { throw .layout(error) }
        do throws(ConversionError) {
            let reader: any CheckpointReader
            let metadata: CheckpointMetadata
            do {
                reader = try CheckpointOpener.open(path: input)
                metadata = try CheckpointOpener.metadata(path: input)
            } catch {
                throw ConversionError.checkpoint(error)
            }
            let plan = try plan(reader: reader, metadata: metadata, options: options, observer: observer)
            try write(plan, reader: reader, output: atomic, options: options)
            return MMSegImportReport(
                output: destination, architecture: plan.architecture, sources: plan.sources,
                classes: metadata.classes, tensorCount: plan.items.count)
        } catch {
            atomic.discard()
            throw error
        }
    }

    struct Item {
        let canonical: String
        let record: TensorRecord
        let transform: TensorTransform
        let shape: [Int]
    }

    struct Plan {
        let architecture: CLIPArchitecture
        let sources: [String: String]
        let items: [Item]
        let dropped: [LayoutMetadata.DroppedTensor]
    }

    static func plan(
        reader: any CheckpointReader, metadata: CheckpointMetadata, options: ConversionOptions,
        observer: ConversionObserver
    ) throws(ConversionError) -> Plan {
        let path = reader.path
        let map = NameMap(.mmseg)
        var names = try ResolvedNames(reader: reader, map: map, family: "ZegCLIP/LDVC")
        let mapped = names.mapped
        guard mapped.keys.contains(where: { $0.hasPrefix("vision.") }),
            mapped.keys.contains(where: { $0.hasPrefix("head.") })
        else {
            throw .architecture(
                path: path,
                reason: "not a ZegCLIP/LDVC MMSegmentation checkpoint (no backbone.* and decode_head.* tensors); "
                    + "a plain CLIP checkpoint converts with `ldvc-convert`")
        }
        try names.settleUnmapped(strict: options.strict, path: path, family: "ZegCLIP/LDVC", observer: observer)
        let dropped = names.dropped
        var config: ConfigText?
        if let text = metadata.config {
            do {
                config = try ConfigText(parsing: text)
            } catch {
                observer.diagnostic(
                    .init(
                        .warning,
                        "\(path): meta.config cannot be read (\(error)); settings come from tensor shapes and defaults")
                )
            }
        } else {
            observer.diagnostic(
                .init(
                    .note,
                    "\(path): no meta.config; settings come from tensor shapes, the command line and the notes' defaults"
                ))
        }
        let shapes = mapped.mapValues { ConversionPlanner.outputShape(of: $0.record.shape, transform: $0.transform) }
        var settings = SettingsResolver(path: path, config: config, shapes: shapes)
        let architecture = try settings.architecture(options: options)

        // The schema decides which tensors must exist and their shapes, before anything is written.
        let expected: [LayoutSchema.ExpectedTensor]
        do { expected = try LayoutSchema.current.expectedTensors(for: architecture) } catch { throw .layout(error) }
        var items: [Item] = []
        for tensor in expected {
            guard let (record, transform) = mapped[tensor.name] else {
                if tensor.optional { continue }
                throw .architecture(
                    path: path,
                    reason:
                        "the checkpoint lacks '\(map.source(ofCanonical: tensor.name)?.key ?? tensor.name)' (canonical '\(tensor.name)')"
                )
            }
            let shape = ConversionPlanner.outputShape(of: record.shape, transform: transform)
            guard shape == tensor.shape else {
                throw .architecture(
                    path: path,
                    reason:
                        "'\(record.name)' has shape \(record.shape); the architecture needs \(tensor.shape) for '\(tensor.name)'"
                )
            }
            items.append(Item(canonical: tensor.name, record: record, transform: transform, shape: shape))
        }
        let expectedNames = Set(expected.map(\.name))
        let extra = mapped.keys.filter { !expectedNames.contains($0) }.sorted()
        if !extra.isEmpty {
            let names = extra.prefix(5).map { map.source(ofCanonical: $0)?.key ?? $0 }
            throw .architecture(
                path: path, reason: "tensors that do not fit the architecture: \(names.joined(separator: ", "))")
        }
        return Plan(architecture: architecture, sources: settings.sources, items: items, dropped: dropped)
    }

    static func write(_ plan: Plan, reader: any CheckpointReader, output: AtomicOutput, options: ConversionOptions)
        throws(ConversionError)
    {
        let writer: LayoutWriter
        do { writer = try LayoutWriter(output: output) } catch { throw .layout(error) }
        do {
            for item in plan.items {
                var tensor = try reader.read(item.record)
                switch item.transform {
                case .identity: break
                case .transpose: tensor = try Transforms.transpose(tensor)
                case .splitRows(let part, let parts): tensor = try Transforms.rows(tensor, part: part, of: parts)
                }
                let dtype = try ConversionPlanner.outputDType(
                    tensor.dtype, policy: options.dtype, path: reader.path, name: item.record.name)
                var transform = item.transform.attributeValue
                if dtype != tensor.dtype {
                    tensor = try tensor.converted(to: dtype).tensor
                    transform = item.transform == .identity ? "cast" : transform + "+cast"
                }
                try writer.write(
                    item.canonical, tensor: tensor,
                    provenance: TensorProvenance(
                        sourceName: item.record.name, transform: transform, sourceDType: item.record.dtype.rawValue))
            }
            let name = URL(fileURLWithPath: reader.path).lastPathComponent
            let size = (try? RandomAccessFile(path: reader.path))?.size ?? 0
            let sha256 = try FileDigest(path: reader.path).value()
            let metadata = LayoutMetadata(
                producer: options.producer, sourceFile: name, sourceSize: size, sourceSHA256: sha256,
                sourceFormat: reader.format.rawValue, sourceConvention: "mmseg", sourceWrapper: reader.wrapperKey,
                dtypePolicy: options.dtype.rawValue, architectureSources: plan.sources, droppedTensors: plan.dropped,
                tiedTensors: reader.tiedGroups)
            let imported = PromptInitialization(method: .imported, source: name)
            if plan.architecture.ldvc?.visionPrompts != nil {
                try writer.setAttributes(imported.attributes, onGroup: "prompts.vision")
            }
            if plan.architecture.ldvc?.textPrompts != nil {
                try writer.setAttributes(imported.attributes, onGroup: "prompts.text")
            }
            try writer.writeMetadata(metadata, architecture: plan.architecture)
            try writer.finish()
        } catch {
            writer.discard()
            throw ConversionError.wrapping(error, path: reader.path)
        }
    }
}

/// Decides every architecture value of an imported model: tensor shapes, then the command line,
/// then `meta.config`, then the notes' recommendation; records which in `sources`.
struct SettingsResolver {
    let path: String
    let config: ConfigText?
    let shapes: [String: [Int]]
    private(set) var sources: [String: String] = [:]

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
            path: path, shapes: shapes, convention: .openai, sidecar: nil, options: towerOptions)
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
        sources["prompts.vision.norm_eps"] = "default: ZegCLIP prompt_norm eps 1e-6 [CODE]"
        sources["prompts.vision.class_embedding_twice"] = "default: ZegCLIP adds class_embedding twice [CODE]"
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
        let start = try setting("prompts.text.start", default: 1, "[SOT, prompts, name, EOT] (notes §(e) Q4) [RECON]") {
            $0.intValue
        }
        let addPosition = try setting(
            "prompts.text.add_position_at_first_layer", default: false,
            "prompts replace token+position at layer 0 [RECON]"
        ) { $0.boolValue }
        let template = try setting(
            "prompts.text.template", default: (Array(repeating: "X", count: tokens) + ["{}"]).joined(separator: " "),
            "N_t placeholders then the class name, no period [RECON]"
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
        let heads = try setting("head.heads", default: 8, "8 heads (ZegCLIP/LDVC)") { $0.intValue }
        guard heads > 0, width % heads == 0 else {
            throw .architecture(path: path, reason: "\(heads) head attention heads do not divide width \(width)")
        }
        let imageSize = try setting("head.image_size", default: vision.imageSize, "the vision input size") {
            $0.intValue
        }
        let crop = try setting("head.crop_size", default: imageSize, "the image size (ZegCLIP test_cfg)") {
            ($0.listValue?.first ?? $0).intValue
        }
        let stride = try setting("head.stride", default: (crop * 426 + 256) / 512, "ZegCLIP's 426/512 overlap") {
            ($0.listValue?.first ?? $0).intValue
        }
        let seenOffset = try setting("head.seen_offset", default: 0.1, "ZegCLIP's 0.1 [CODE]") { $0.doubleValue }
        let doubles = { (value: ConfigValue) -> [Double]? in
            guard let items = value.listValue, items.count == 3 else { return nil }
            let numbers = items.compactMap(\.doubleValue)
            return numbers.count == 3 ? numbers : nil
        }
        let mean = try setting(
            "head.pixel_mean", default: [123.675, 116.28, 103.53], "ImageNet statistics (ZegCLIP) [CODE]", read: doubles
        )
        let std = try setting(
            "head.pixel_std", default: [58.395, 57.12, 57.375], "ImageNet statistics (ZegCLIP) [CODE]", read: doubles)
        var head = HeadArchitecture(
            kind: kind, width: width, heads: heads, imageSize: imageSize, seenOffset: seenOffset, cropSize: crop,
            stride: stride, pixelMean: mean, pixelStd: std)
        switch kind {
        case .zegclip:
            let layers = try fromShapes("head.layers", count("head.layers")) { $0.intValue }
            let mlp = try fromShapes("head.mlp_width", shape("head.layers.0.mlp.fc1.weight")?.first ?? 0) {
                $0.intValue
            }
            sources["head.norm_eps"] = "default: nn.TransformerDecoderLayer 1e-5 [CODE]"
            head.atm = ATMDecoderArchitecture(layers: layers, mlpWidth: mlp)
        case .ldvc:
            head.lctd = try lctd(vision: vision, width: width)
        }
        return head
    }

    mutating func lctd(vision: VisionArchitecture, width: Int) throws(ConversionError) -> LCTDArchitecture {
        typealias L = LCTDArchitecture
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
            tapLayers = L.recommendedTapLayers(visionLayers: vision.layers)
            sources["head.tap_layers"] = "default: notes' [7, 11] scaled to the depth [RECON]"
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
        let recon = "notes' recommendation [RECON]"
        let fusion = try setting("head.fusion", default: L.Fusion.addThenConv, recon) {
            L.Fusion(rawValue: $0.stringValue ?? "")
        }
        let normPosition = try setting("head.norm_position", default: L.NormPosition.pre, recon) {
            L.NormPosition(rawValue: $0.stringValue ?? "")
        }
        let activation = try setting("head.activation", default: L.Activation.gelu, recon) {
            L.Activation(rawValue: $0.stringValue ?? "")
        }
        let scale = try setting("head.route_scale", default: L.RouteScale.qkDim, recon) {
            L.RouteScale(rawValue: $0.stringValue ?? "")
        }
        let normEps = try setting("head.norm_eps", default: 1e-6, "BiFormer LayerNorm eps [RECON]") { $0.doubleValue }
        let tapNormEps = try setting("head.tap_norm_eps", default: 1e-5, "nn.LayerNorm default") { $0.doubleValue }
        let windows = try setting("head.route_windows", default: 8, "the paper's 8×8 windows [PAPER]") { $0.intValue }
        let topK = try setting("head.route_topk", default: 16, "the paper's top-16 [PAPER]") { $0.intValue }
        return LCTDArchitecture(
            blocks: blocks, tapLayers: tapLayers, tapProjection: tapProjection, tapNormEps: tapNormEps, conv: conv,
            convKernel: kernel, fusion: fusion, normPosition: normPosition, normEps: normEps, mlpWidth: mlp,
            activation: activation, routeWindows: windows, routeTopK: topK, routeScale: scale,
            routeLePEKernel: lepe, routeOutputProjection: outputProjection, classNorm: classNorm, finalNorm: finalNorm)
    }
}
