public import Checkpoint
public import Conventions
import Foundation
public import Layout
public import TensorCore

/// Everything a conversion will do, decided before a byte is written: which source tensor becomes
/// which canonical tensor through which transform, what is dropped and why, and the architecture.
/// `inspect` prints it; `Converter` hands `layout` to `LayoutBuilder`.
public struct ConversionPlan: Sendable {
    /// What happens to one source tensor.
    public struct SourceEntry: Sendable, Equatable {
        public enum Status: String, Sendable {
            case mapped, dropped, unmapped
        }

        public let name: String
        public let dtype: DType
        public let shape: [Int]
        public let status: Status
        /// Canonical names it produces (three for a fused q/k/v), empty when dropped or unmapped.
        public let canonical: [String]
        public let transforms: [TensorTransform]
        public let reason: String?
        /// How the name was recovered (ONNX), nil when the file states it.
        public let provenance: String?

        init(
            record: TensorRecord, status: Status, canonical: [String] = [], transforms: [TensorTransform] = [],
            reason: String? = nil, provenance: String? = nil
        ) {
            name = record.name
            dtype = record.dtype
            shape = record.shape
            self.status = status
            self.canonical = canonical
            self.transforms = transforms
            self.reason = reason
            self.provenance = provenance
        }

        /// The transforms as the file spells them (`split_qkv:0,split_qkv:1,…` collapsed to distinct kinds).
        public var transformText: String {
            Set(transforms.map(\.attributeValue)).sorted().joined(separator: ",")
        }
    }

    public let reader: any CheckpointReader
    public let convention: Convention
    public let conventionSource: String
    public let sources: [SourceEntry]
    public let unmapped: [String]
    public let notes: [String]
    /// Settings no source stated, for which a default was used (warned about; refused with `--strict`).
    public let assumed: [AssumedSetting]
    /// The tensors and attributes to write (`source_sha256` is filled in while writing).
    public var layout: LayoutPlan<CheckpointTensor>

    public var path: String { reader.path }
    public var format: CheckpointFormat { reader.format }
    public var architecture: CLIPArchitecture { layout.attributes.architecture }
    public var architectureSources: [String: String] { layout.attributes.metadata.architectureSources }
    public var dropped: [LayoutMetadata.DroppedTensor] { layout.attributes.metadata.droppedTensors }
    public var tied: [[String]] { layout.attributes.metadata.tiedTensors }
}

/// Builds a `ConversionPlan` for a CLIP checkpoint.
public enum ConversionPlanner {
    public static func plan(reader: any CheckpointReader, options: ConversionOptions, reporter: Reporter = .silent)
        throws(ConversionError) -> ConversionPlan
    {
        let path = reader.path
        let families = UnsupportedArchitecture.detect(
            in: reader.records.map(\.name), families: options.conventions.unsupported)
        if let (family, key) = families.first(where: { $0.family.part == .model }) {
            throw .unsupportedArchitecture(
                path: path, family: family.name, reason: family.reason + " (tensor '\(key)')",
                remedy: supported(options.conventions))
        }
        let configs = try SidecarConfig.discover(besides: path, explicit: options.config)
        let detected = try ConventionDetection.detect(reader: reader, options: options, configs: configs)
        let convention = detected.convention
        var names = try ResolvedNames(reader: reader, convention: convention)
        try refuseUnsupported(
            families: families, config: detected.config, names: names, path: path, options: options)
        if let excluded = options.towers.excluded {
            names.exclude(
                tower: excluded, roots: convention.roots(ofTower: excluded),
                reason: "the \(excluded) tower is not converted (\(options.towers.option))")
        }
        try names.settleUnmapped(strict: options.strict, reporter: reporter)

        let evidence: [ArchitectureEvidence]
        do { evidence = try reader.architectureEvidence() } catch { throw .checkpoint(error) }
        let canonicalBySource = names.canonicalBySource
        let stated = try StatedSettings(evidence: evidence, path: path) { module in
            StatedSettings.tower(ofModule: module, canonicalBySource: canonicalBySource)
        }
        var inference = ArchitectureInference(
            path: path, shapes: names.mappedShapes, convention: convention, sidecar: detected.config,
            stated: stated, options: options)
        let architecture = try inference.infer()
        if !inference.assumed.isEmpty {
            if options.strict { throw .assumedSettings(path: path, settings: inference.assumed) }
            warn(assumed: inference.assumed, convention: convention, path: path, reporter: reporter)
        }
        try crossCheck(architecture: architecture, metadata: names.droppedRecords, reader: reader)
        let items = try names.layoutItems(for: architecture, reader: reader, dtype: options.dtype)

        let tied = reader.tiedGroups
        if !tied.isEmpty {
            reporter.note(
                "\(path): \(tied.count) group(s) of tensors share storage: "
                    + tied.prefix(3).map { $0.joined(separator: " = ") }.joined(separator: "; "))
        }
        var preprocessing: PreprocessingSettings?
        var sources = inference.sources.merging(["convention": detected.reason]) { first, _ in first }
        var preprocessingInputs: [String] = []
        if let vision = architecture.vision {
            let defaults = try PreprocessingDefaults.clip(
                convention: convention, sidecar: detected.config, checkpointPath: path, imageSize: vision.imageSize,
                reporter: reporter)
            preprocessing = defaults.settings
            sources.merge(defaults.sources) { first, _ in first }
            preprocessingInputs = defaults.inputs
        }
        let metadata = LayoutMetadata(
            producer: options.producer, sourceFile: URL(fileURLWithPath: path).lastPathComponent, sourceSize: 0,
            sourceSHA256: "", sourceFormat: reader.format.rawValue, sourceConvention: convention.name,
            sourceWrapper: reader.wrapperKey, dtypePolicy: options.dtype.rawValue,
            architectureSources: sources, droppedTensors: names.dropped, tiedTensors: tied)
        let shards = (reader as? ShardedCheckpoint)?.shardPaths ?? []
        let layout = LayoutPlan(
            items: items,
            attributes: LayoutAttributes(metadata: metadata, architecture: architecture, preprocessing: preprocessing),
            inputs: [path] + shards + configs.map(\.path) + preprocessingInputs)
        return ConversionPlan(
            reader: reader, convention: convention, conventionSource: detected.reason, sources: names.entries,
            unmapped: names.unmapped, notes: reader.notes, assumed: inference.assumed, layout: layout)
    }

    /// What conversion supports, for refusals.
    static func supported(_ registry: ConventionRegistry) -> String {
        "supported are CLIP models with a ViT image tower and a transformer text tower, named as "
            + registry.conventions(of: .clip).map(\.summary).joined(separator: ", ")
    }

    /// Refuses a tower of a family the runtime cannot run (unless that tower is left out), and an
    /// open_clip config stating settings the runtime does not implement.
    static func refuseUnsupported(
        families: [(family: UnsupportedArchitecture, key: String)], config: SidecarConfig?, names: ResolvedNames,
        path: String, options: ConversionOptions
    ) throws(ConversionError) {
        for (family, key) in families where family.part.rawValue != options.towers.excluded {
            let other = family.part == .vision ? "text" : "vision"
            let otherConverts = names.mapped.keys.contains { $0.hasPrefix(other + ".") }
            let alone: TowerSelection = family.part == .vision ? .textOnly : .visionOnly
            throw .unsupportedArchitecture(
                path: path, family: family.name, reason: family.reason + " (tensor '\(key)')",
                remedy: otherConverts
                    ? "its \(other) tower is CLIP's and converts alone with \(alone.option)"
                    : supported(options.conventions))
        }
        guard let config else { return }
        let refused = config.unsupported.filter { $0.tower != options.towers.excluded }
        guard !refused.isEmpty else { return }
        let towers = Set(refused.map(\.tower))
        var remedy = supported(options.conventions)
        if towers.count == 1, let tower = towers.first, tower != "model" {
            let other = tower == "vision" ? "text" : "vision"
            if names.mapped.keys.contains(where: { $0.hasPrefix(other + ".") }) {
                remedy =
                    "its \(other) tower converts alone with \((tower == "vision" ? TowerSelection.textOnly : .visionOnly).option)"
            }
        }
        throw .unsupportedArchitecture(
            path: config.path, family: "an open_clip configuration unlike CLIP's",
            reason: refused.map(\.feature).joined(separator: "; "), remedy: remedy)
    }

    /// One warning per kind of assumed setting: what was assumed, why, and how to state it.
    static func warn(assumed: [AssumedSetting], convention: Convention, path: String, reporter: Reporter) {
        let activations = assumed.filter { $0.option == "--activation" }
        if let first = activations.first {
            let listed = activations.map { "\($0.name) = \($0.value)" }.joined(separator: ", ")
            let caution =
                convention.defaultActivation == .quickGELU
                ? " (an open_clip model saved without its config uses gelu, with the same tensor names)" : ""
            reporter.warning(
                "\(path): assumed \(listed), \(first.reason): no config, ONNX graph or TorchScript code states the MLP activation and tensor shapes cannot tell it\(caution); state it with --activation gelu|quick_gelu or --config FILE"
            )
        }
        let heads = assumed.filter { $0.option != "--activation" }
        if let first = heads.first {
            let listed = heads.map { "\($0.name) = \($0.value)" }.joined(separator: ", ")
            let options = heads.map(\.option).joined(separator: "/")
            reporter.warning(
                "\(path): assumed \(listed), \(first.reason): nothing states the head count and tensor shapes cannot tell it; state it with \(options) or --config FILE"
            )
        }
    }

    /// OpenAI's TorchScript files carry `input_resolution`, `context_length` and `vocab_size` as
    /// scalar tensors; they must agree with what the shapes say.
    static func crossCheck(
        architecture: CLIPArchitecture, metadata: [String: TensorRecord], reader: any CheckpointReader
    )
        throws(ConversionError)
    {
        let checks: [(String, Int?)] = [
            ("input_resolution", architecture.vision?.imageSize),
            ("context_length", architecture.text?.contextLength),
            ("vocab_size", architecture.text?.vocabSize),
        ]
        for (name, inferred) in checks {
            guard let record = metadata[name], record.elementCount == 1, let inferred else { continue }
            let tensor: Tensor
            do { tensor = try reader.read(record) } catch { throw .checkpoint(error) }
            let stored = TensorBytes.integers(from: tensor.contiguousBytes, dtype: tensor.dtype).first ?? -1
            if stored != Int64(inferred) {
                throw .architecture(
                    path: reader.path, reason: "'\(name)' says \(stored) but the tensor shapes give \(inferred)")
            }
        }
    }
}

/// Picks a checkpoint's naming convention from the registry.
enum ConventionDetection {
    struct Detected {
        let convention: Convention
        let reason: String
        /// The model configuration used with it: the one given with `--config`, else the
        /// convention's own config file found beside the checkpoint.
        let config: SidecarConfig?
    }

    /// The registered CLIP convention whose table recognises the most tensors. Conventions that spell
    /// every key alike score alike; among them one that is `detectedByConfig` wins when its config
    /// is found (beside the input, or given with `--config`), else the one that needs no config. A
    /// segmentor convention that recognises more tensors than any CLIP one means the file is a
    /// segmentor training checkpoint, which `import` reads.
    static func detect(reader: any CheckpointReader, options: ConversionOptions, configs: [SidecarConfig])
        throws(ConversionError) -> Detected
    {
        let path = reader.path
        let explicit = options.config == nil ? nil : configs.first
        func config(of convention: Convention) -> SidecarConfig? {
            explicit ?? configs.first { $0.format == convention.config }
        }
        if let name = options.convention {
            guard let convention = options.conventions.named(name) else {
                throw .badOption(
                    reason:
                        "unknown convention '\(name)'; known: \(options.conventions.conventions(of: .clip).map(\.name).joined(separator: ", "))"
                )
            }
            return Detected(convention: convention, reason: "command line", config: config(of: convention))
        }
        func score(_ convention: Convention) -> Int {
            reader.records.filter {
                if case .mapped = convention.map.resolve($0.name) { return true }
                return false
            }.count
        }
        let scored = options.conventions.conventions(of: .clip).map { (convention: $0, score: score($0)) }
        let best = scored.map(\.score).max() ?? 0
        if let segmentor = options.conventions.conventions(of: .segmentor).map({ ($0, score($0)) }).max(by: {
            $0.1 < $1.1
        }), segmentor.1 > best {
            throw .segmentorCheckpoint(path: path, summary: segmentor.0.summary)
        }
        guard best > 0 else {
            let sample = reader.records.prefix(3).map(\.name).joined(separator: ", ")
            throw .noCLIPTensors(path: path, detail: "\(reader.records.count) tensors, e.g. \(sample)")
        }
        let top = scored.filter { $0.score == best }.map(\.convention)
        for convention in top where convention.detectedByConfig {
            if let found = configs.first(where: { $0.format == convention.config }) {
                let place = found.origin.hasPrefix("--config") ? found.origin : "\(found.origin) beside the input"
                return Detected(convention: convention, reason: place, config: found)
            }
        }
        let plain = top.filter { !$0.detectedByConfig }
        guard plain.count == 1, let convention = plain.first else {
            throw .ambiguousConvention(
                path: path, detail: "\(top.map(\.name).joined(separator: " and ")) names match equally often")
        }
        let alike = top.filter(\.detectedByConfig).map { "no \($0.config?.rawValue ?? "config"), so not \($0.name)" }
        let reason =
            "tensor names (\(convention.summary)" + (alike.isEmpty ? "" : "; " + alike.joined(separator: "; ")) + ")"
        return Detected(convention: convention, reason: reason, config: config(of: convention))
    }
}
