import Foundation

/// The root attributes of a layout file: where it came from and how it was made.
public struct LayoutMetadata: Sendable, Equatable, Codable {
    public var formatVersion: Int
    public var producer: String
    public var sourceFile: String
    public var sourceSize: Int
    public var sourceSHA256: String
    /// The container the source was read from (`torch-zip`, `safetensors`, `onnx`, …).
    public var sourceFormat: String
    /// The registered convention whose names the source used (`openai`, `hf`, `mmseg`, …).
    public var sourceConvention: String
    public var sourceWrapper: String
    public var dtypePolicy: String
    /// Architecture attribute (`vision.heads`) → where its value came from.
    public var architectureSources: [String: String]
    public var droppedTensors: [DroppedTensor]
    public var tiedTensors: [[String]]

    public struct DroppedTensor: Sendable, Equatable, Codable {
        public var name: String
        public var reason: String
        public init(name: String, reason: String) {
            self.name = name
            self.reason = reason
        }
    }

    public init(
        formatVersion: Int = LayoutSchema.current.version, producer: String, sourceFile: String, sourceSize: Int,
        sourceSHA256: String, sourceFormat: String, sourceConvention: String, sourceWrapper: String,
        dtypePolicy: String, architectureSources: [String: String], droppedTensors: [DroppedTensor],
        tiedTensors: [[String]]
    ) {
        self.formatVersion = formatVersion
        self.producer = producer
        self.sourceFile = sourceFile
        self.sourceSize = sourceSize
        self.sourceSHA256 = sourceSHA256
        self.sourceFormat = sourceFormat
        self.sourceConvention = sourceConvention
        self.sourceWrapper = sourceWrapper
        self.dtypePolicy = dtypePolicy
        self.architectureSources = architectureSources
        self.droppedTensors = droppedTensors
        self.tiedTensors = tiedTensors
    }

    enum CodingKeys: String, CodingKey {
        case producer
        case formatVersion = "format_version"
        case sourceFile = "source_file"
        case sourceSize = "source_size"
        case sourceSHA256 = "source_sha256"
        case sourceFormat = "source_format"
        case sourceConvention = "source_convention"
        case sourceWrapper = "source_wrapper"
        case dtypePolicy = "dtype_policy"
        case architectureSources = "architecture_sources"
        case droppedTensors = "dropped_tensors"
        case tiedTensors = "tied_tensors"
    }

    /// The three structured fields are attributes holding JSON text (an HDF5 attribute is a scalar
    /// or a flat array).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(formatVersion, forKey: .formatVersion)
        try container.encode(producer, forKey: .producer)
        try container.encode(sourceFile, forKey: .sourceFile)
        try container.encode(sourceSize, forKey: .sourceSize)
        try container.encode(sourceSHA256, forKey: .sourceSHA256)
        try container.encode(sourceFormat, forKey: .sourceFormat)
        try container.encode(sourceConvention, forKey: .sourceConvention)
        try container.encode(sourceWrapper, forKey: .sourceWrapper)
        try container.encode(dtypePolicy, forKey: .dtypePolicy)
        try container.encodeJSONText(architectureSources, forKey: .architectureSources)
        try container.encodeJSONText(droppedTensors, forKey: .droppedTensors)
        try container.encodeJSONText(tiedTensors, forKey: .tiedTensors)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        formatVersion = try container.decode(Int.self, forKey: .formatVersion)
        producer = try container.decode(String.self, forKey: .producer)
        sourceFile = try container.decode(String.self, forKey: .sourceFile)
        sourceSize = try container.decode(Int.self, forKey: .sourceSize)
        sourceSHA256 = try container.decode(String.self, forKey: .sourceSHA256)
        sourceFormat = try container.decode(String.self, forKey: .sourceFormat)
        sourceConvention = try container.decode(String.self, forKey: .sourceConvention)
        sourceWrapper = try container.decode(String.self, forKey: .sourceWrapper)
        dtypePolicy = try container.decode(String.self, forKey: .dtypePolicy)
        architectureSources = try container.decodeJSONText([String: String].self, forKey: .architectureSources)
        droppedTensors = try container.decodeJSONText([DroppedTensor].self, forKey: .droppedTensors)
        tiedTensors = try container.decodeJSONText([[String]].self, forKey: .tiedTensors)
    }
}

/// Where a stored tensor came from: the per-dataset attributes.
public struct TensorProvenance: Sendable, Equatable {
    /// Original key in the input (for ONNX, the initializer name).
    public var sourceName: String
    /// `TensorTransform.attributeValue`, then `+cast` when the dtype changed too (`cast` alone for a
    /// rename with a new dtype).
    public var transform: String
    public var sourceDType: String
    /// Extra string attributes (ONNX name recovery writes `provenance` here).
    public var extra: [String: String]

    public init(sourceName: String, transform: String, sourceDType: String, extra: [String: String] = [:]) {
        self.sourceName = sourceName
        self.transform = transform
        self.sourceDType = sourceDType
        self.extra = extra
    }
}
