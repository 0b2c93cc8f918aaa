import Foundation

/// The root attributes of a layout file: where it came from and how it was made.
public struct LayoutMetadata: Sendable, Equatable {
    public var formatVersion: Int
    public var producer: String
    public var sourceFile: String
    public var sourceSize: Int
    public var sourceSHA256: String
    public var sourceFormat: String
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

    static func json<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "null"
    }
}

/// Where a stored tensor came from: the per-dataset attributes.
public struct TensorProvenance: Sendable, Equatable {
    /// Original key in the input (for ONNX, the initializer name).
    public var sourceName: String
    /// `TensorTransform.attributeValue`, or `cast` when only the dtype changed.
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
