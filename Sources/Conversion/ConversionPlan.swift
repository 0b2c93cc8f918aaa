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
        let detected = try ConventionDetection.detect(reader: reader, options: options)
        let convention = detected.convention
        var names = try ResolvedNames(reader: reader, convention: convention)
        try names.settleUnmapped(strict: options.strict, reporter: reporter)

        var inference = ArchitectureInference(
            path: path, shapes: names.mappedShapes, convention: convention, sidecar: detected.config,
            options: options)
        let architecture = try inference.infer()
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
        let layout = LayoutPlan(
            items: items,
            attributes: LayoutAttributes(metadata: metadata, architecture: architecture, preprocessing: preprocessing),
            inputs: [path] + [detected.config?.path].compactMap { $0 } + preprocessingInputs)
        return ConversionPlan(
            reader: reader, convention: convention, conventionSource: detected.reason, sources: names.entries,
            unmapped: names.unmapped, notes: reader.notes, layout: layout)
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
        /// The convention's configuration file found beside the checkpoint, if any.
        let config: SidecarConfig?
    }

    /// The registered CLIP convention whose table recognises the most tensors. Conventions that spell
    /// every key alike score alike; among them one that is `detectedByConfig` wins when its config
    /// file is beside the input, else the one that needs no config.
    static func detect(reader: any CheckpointReader, options: ConversionOptions) throws(ConversionError) -> Detected {
        let path = reader.path
        if let name = options.convention {
            guard let convention = options.conventions.named(name) else {
                throw .badOption(
                    reason:
                        "unknown convention '\(name)'; known: \(options.conventions.conventions(of: .clip).map(\.name).joined(separator: ", "))"
                )
            }
            return Detected(
                convention: convention, reason: "command line", config: try config(of: convention, besides: path))
        }
        var scored: [(convention: Convention, score: Int)] = []
        for convention in options.conventions.conventions(of: .clip) {
            let score = reader.records.filter {
                if case .mapped = convention.map.resolve($0.name) { return true }
                return false
            }.count
            scored.append((convention, score))
        }
        guard let best = scored.map(\.score).max(), best > 0 else {
            let sample = reader.records.prefix(3).map(\.name).joined(separator: ", ")
            throw .noCLIPTensors(path: path, detail: "\(reader.records.count) tensors, e.g. \(sample)")
        }
        let top = scored.filter { $0.score == best }.map(\.convention)
        for convention in top where convention.detectedByConfig {
            if let found = try config(of: convention, besides: path) {
                return Detected(
                    convention: convention, reason: "\(found.format.rawValue) beside the input", config: found)
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
        return Detected(convention: convention, reason: reason, config: try config(of: convention, besides: path))
    }

    private static func config(of convention: Convention, besides path: String) throws(ConversionError)
        -> SidecarConfig?
    {
        guard let format = convention.config else { return nil }
        return try SidecarConfig.find(format, besides: path)
    }
}
