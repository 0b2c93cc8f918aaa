public import Conventions
public import TensorCore

/// Everything a command will write into a layout file, decided before a byte is written: each
/// canonical tensor with its source, transform, output dtype and provenance, and the file's
/// attributes. Convert, import, prompt injection and export to `.h5` differ only in how they build
/// one; `LayoutBuilder` writes every plan the same way.
public struct LayoutPlan<Source: TensorSource>: Sendable {
    public struct Item: Sendable {
        public let canonical: String
        public let source: Source
        public let transform: TensorTransform
        public let outputDType: DType
        public let outputShape: [Int]
        public let provenance: TensorProvenance

        /// An item whose provenance says what happened: the transform, then `+cast` when the dtype
        /// changes (`cast` alone for a renamed tensor of a new dtype); `extra` adds attributes
        /// (`provenance` of ONNX name recovery, `source_name` override of prompt copies).
        public init(
            canonical: String, source: Source, transform: TensorTransform = .identity, outputDType: DType? = nil,
            sourceName: String? = nil, sourceDType: DType? = nil, extra: [String: String] = [:]
        ) {
            let dtype = outputDType ?? source.dtype
            var spelled = transform.attributeValue
            if dtype != source.dtype { spelled = transform == .identity ? "cast" : spelled + "+cast" }
            self.canonical = canonical
            self.source = source
            self.transform = transform
            self.outputDType = dtype
            self.outputShape = transform.outputShape(of: source.shape)
            self.provenance = TensorProvenance(
                sourceName: sourceName ?? source.name, transform: spelled,
                sourceDType: (sourceDType ?? source.dtype).rawValue, extra: extra)
        }

        /// An item with its provenance given as it is (a stored tensor copied with its own).
        public init(
            canonical: String, source: Source, transform: TensorTransform = .identity, outputDType: DType? = nil,
            provenance: TensorProvenance
        ) {
            self.canonical = canonical
            self.source = source
            self.transform = transform
            self.outputDType = outputDType ?? source.dtype
            self.outputShape = transform.outputShape(of: source.shape)
            self.provenance = provenance
        }

        public var outputBytes: Int { outputShape.reduce(1, *) * outputDType.itemSize }
    }

    public var items: [Item]
    public var attributes: LayoutAttributes
    /// Files the plan reads besides its sources' (configs), which the output must never replace.
    public var inputs: [String]

    public init(items: [Item], attributes: LayoutAttributes, inputs: [String] = []) {
        self.items = items
        self.attributes = attributes
        self.inputs = inputs
    }

    /// Bytes the output's tensors take.
    public var outputBytes: Int { items.reduce(0) { $0 + $1.outputBytes } }
}
