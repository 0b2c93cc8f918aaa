public import Checkpoint
public import Layout
public import TensorCore

/// Everything a conversion will do, decided before a byte is written: which source tensor becomes
/// which canonical tensor through which transform, what is dropped and why, and the architecture.
/// `inspect` prints it; `convert` executes it.
public struct ConversionPlan: Sendable {
    /// One tensor of the output.
    public struct Item: Sendable {
        public let canonical: String
        public let source: TensorRecord
        public let transform: TensorTransform
        public let outputDType: DType
        public let outputShape: [Int]
    }

    /// What happens to one source tensor.
    public struct SourceEntry: Sendable, Codable, Equatable {
        public let name: String
        public let dtype: String
        public let shape: [Int]
        /// Canonical names it produces (three for a fused q/k/v), empty when dropped or unmapped.
        public let canonical: [String]
        public let transform: String
        /// `mapped`, `dropped` or `unmapped`.
        public let status: String
        public let reason: String?
        /// How the name was recovered (ONNX), nil when the file states it.
        public var provenance: String? = nil
    }

    public let path: String
    public let format: CheckpointFormat
    public let convention: Convention
    public let conventionSource: String
    public let wrapperKey: String
    public let architecture: CLIPArchitecture
    public let architectureSources: [String: String]
    public let items: [Item]
    public let sources: [SourceEntry]
    public let dropped: [LayoutMetadata.DroppedTensor]
    public let unmapped: [String]
    public let tied: [[String]]
    public let notes: [String]
    public let dtypePolicy: DTypePolicy

    /// Bytes the output's tensors take.
    public var outputBytes: Int { items.reduce(0) { $0 + $1.outputShape.reduce(1, *) * $1.outputDType.itemSize } }
}

/// Builds a `ConversionPlan` from an opened checkpoint.
public enum ConversionPlanner {
    public static func plan(
        reader: any CheckpointReader, options: ConversionOptions,
        observer: ConversionObserver = .silent
    ) throws(ConversionError) -> ConversionPlan {
        let path = reader.path
        let openCLIPSidecar = try SidecarConfig.find(.openCLIP, besides: path)
        let (convention, conventionSource) = try detectConvention(
            reader: reader, openCLIPSidecar: openCLIPSidecar, forced: options.convention)
        // A sidecar counts only for the convention it belongs to.
        let sidecar: SidecarConfig? =
            switch convention {
            case .openClip: openCLIPSidecar
            case .hf: try SidecarConfig.find(.hf, besides: path)
            case .openai: nil
            }
        let map = NameMap(NameTable.table(for: convention))

        var names = try ResolvedNames(reader: reader, map: map, family: "\(convention.rawValue) CLIP")
        try names.settleUnmapped(strict: options.strict, path: path, family: "CLIP", observer: observer)
        let canonicalSources = names.mapped

        let shapes = canonicalSources.mapValues { Self.outputShape(of: $0.record.shape, transform: $0.transform) }
        var inference = ArchitectureInference(
            path: path, shapes: shapes, convention: convention, sidecar: sidecar, options: options)
        let architecture = try inference.infer()
        try crossCheck(architecture: architecture, metadata: names.droppedRecords, reader: reader, observer: observer)

        // Validate against the schema before anything is written.
        let expected: [LayoutSchema.ExpectedTensor]
        do { expected = try LayoutSchema.current.expectedTensors(for: architecture) } catch { throw .layout(error) }
        var items: [ConversionPlan.Item] = []
        for tensor in expected {
            guard let (record, transform) = canonicalSources[tensor.name] else {
                if tensor.optional { continue }
                throw .architecture(
                    path: path,
                    reason:
                        "the checkpoint lacks '\(map.source(ofCanonical: tensor.name)?.key ?? tensor.name)' (canonical '\(tensor.name)')"
                )
            }
            let shape = Self.outputShape(of: record.shape, transform: transform)
            guard shape == tensor.shape else {
                throw .architecture(
                    path: path,
                    reason:
                        "'\(record.name)' has shape \(record.shape); the architecture needs \(tensor.shape) for '\(tensor.name)'"
                )
            }
            items.append(
                .init(
                    canonical: tensor.name, source: record, transform: transform,
                    outputDType: try outputDType(record.dtype, policy: options.dtype, path: path, name: record.name),
                    outputShape: shape))
        }
        let expectedNames = Set(expected.map(\.name))
        let extra = canonicalSources.keys.filter { !expectedNames.contains($0) }.sorted()
        if !extra.isEmpty {
            // Blocks beyond the counted layers, or a tower missing its other tensors.
            throw .architecture(
                path: path,
                reason: "tensors do not fit the inferred architecture: \(extra.prefix(5).joined(separator: ", "))")
        }
        let tied = reader.tiedGroups
        if !tied.isEmpty {
            observer.diagnostic(
                .init(
                    .note,
                    "\(path): \(tied.count) group(s) of tensors share storage: "
                        + tied.prefix(3).map { $0.joined(separator: " = ") }.joined(separator: "; ")))
        }
        return ConversionPlan(
            path: path, format: reader.format, convention: convention, conventionSource: conventionSource,
            wrapperKey: reader.wrapperKey, architecture: architecture,
            architectureSources: inference.sources, items: items, sources: names.entries, dropped: names.dropped,
            unmapped: names.unmapped, tied: tied, notes: reader.notes, dtypePolicy: options.dtype)
    }

    /// Shape after a transform.
    static func outputShape(of shape: [Int], transform: TensorTransform) -> [Int] {
        switch transform {
        case .identity: return shape
        case .transpose: return shape.count == 2 ? [shape[1], shape[0]] : shape
        case .splitRows(_, let parts):
            guard let first = shape.first else { return shape }
            return [first / parts] + shape.dropFirst()
        }
    }

    static func outputDType(_ dtype: DType, policy: DTypePolicy, path: String, name: String) throws(ConversionError)
        -> DType
    {
        switch policy {
        case .keep: return dtype
        case .f32: return dtype.isFloatingPoint ? .f32 : dtype
        case .f16: return dtype.isFloatingPoint ? .f16 : dtype
        }
    }

    /// Picks the table that recognises the most tensors. OpenAI and open_clip share their names,
    /// so between them the sidecar decides (open_clip_config.json → open_clip), else OpenAI.
    static func detectConvention(reader: any CheckpointReader, openCLIPSidecar: SidecarConfig?, forced: Convention?)
        throws(ConversionError) -> (Convention, String)
    {
        if let forced { return (forced, "command line") }
        var scores: [(Convention, Int)] = []
        for table in [NameTable.openAI, .huggingFace] {
            let map = NameMap(table)
            let count = reader.records.filter {
                if case .mapped = map.resolve($0.name) { return true } else { return false }
            }.count
            scores.append((table.convention, count))
        }
        scores.sort { $0.1 > $1.1 }
        guard let best = scores.first, best.1 > 0 else {
            let sample = reader.records.prefix(3).map(\.name).joined(separator: ", ")
            throw .noCLIPTensors(path: reader.path, detail: "\(reader.records.count) tensors, e.g. \(sample)")
        }
        if scores.count > 1, scores[1].1 == best.1 {
            throw .ambiguousConvention(path: reader.path, detail: "OpenAI and HF names match equally often")
        }
        if best.0 == .openai {
            if openCLIPSidecar != nil { return (.openClip, "open_clip_config.json beside the input") }
            return (.openai, "tensor names (OpenAI/open_clip spelling; no open_clip_config.json, so OpenAI)")
        }
        return (.hf, "tensor names (HuggingFace spelling)")
    }

    /// OpenAI's TorchScript files carry `input_resolution`, `context_length` and `vocab_size` as
    /// scalar tensors; they must agree with what the shapes say.
    static func crossCheck(
        architecture: CLIPArchitecture, metadata: [String: TensorRecord], reader: any CheckpointReader,
        observer: ConversionObserver
    ) throws(ConversionError) {
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
