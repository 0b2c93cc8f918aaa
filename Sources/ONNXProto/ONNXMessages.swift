/// Swift value copies of the ONNX messages the checkpoint reader needs. Tensor payloads are never
/// copied into these: `ONNXTensorScan.dataFields` says where they are in the file.

/// A `StringStringEntryProto`.
public struct ONNXStringPair: Sendable, Equatable {
    public let key: String
    public let value: String

    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }
}

/// An `OperatorSetIdProto`; the empty domain is the default ONNX operator set (`ai.onnx`).
public struct ONNXOpset: Sendable, Equatable {
    public let domain: String
    public let version: Int64
}

/// The fields of `ModelProto` other than the graph.
public struct ONNXModelHeader: Sendable, Equatable {
    public init() {}

    public var irVersion: Int64?
    public var producerName: String = ""
    public var producerVersion: String = ""
    public var domain: String = ""
    public var modelVersion: Int64?
    public var opsets: [ONNXOpset] = []
    public var metadata: [ONNXStringPair] = []
}

/// One occurrence of an element field of a `TensorProto` (`float_data`, `int32_data`, `raw_data`, …)
/// as found on the wire, with absolute offsets.
public struct ONNXDataField: Sendable, Equatable {
    /// The TensorProto field number (4 float, 5 int32, 6 string, 7 int64, 9 raw, 10 double, 11 uint64).
    public let number: Int
    public let wireType: WireType
    /// Absolute offset of the payload (or of the single value of an unpacked element).
    public let offset: Int
    public let length: Int
    /// The value of an unpacked varint or fixed-width element.
    public let scalar: UInt64
}

/// A `TensorProto`: its metadata decoded by protobuf-c, its element fields located but not read.
public struct ONNXTensorScan: Sendable, Equatable {
    public init() {}

    public var name: String = ""
    public var dataType: Int32?
    public var dims: [Int64] = []
    public var hasSegment = false
    public var externalData: [ONNXStringPair] = []
    /// `data_location`: 0 DEFAULT, 1 EXTERNAL.
    public var dataLocation: Int32?
    public var dataFields: [ONNXDataField] = []
    /// Absolute offset and length of the whole message, for error messages.
    public var offset = 0
    public var byteCount = 0
}

/// An `AttributeProto`. Tensor-valued attributes are scanned like initializers; subgraphs are
/// only noted (weights inside `If`/`Loop` bodies are not searched).
public struct ONNXAttribute: Sendable, Equatable {
    public init() {}

    public var name: String = ""
    /// `AttributeType` code, when the writer set it.
    public var type: Int32?
    public var float: Float?
    public var int: Int64?
    public var string: [UInt8]?
    public var floats: [Float] = []
    public var ints: [Int64] = []
    public var strings: [[UInt8]] = []
    public var tensor: ONNXTensorScan?
    public var tensors: [ONNXTensorScan] = []
    public var hasSubgraph = false
}

/// A `NodeProto`.
public struct ONNXNode: Sendable, Equatable {
    public init() {}

    public var name: String = ""
    public var opType: String = ""
    public var domain: String = ""
    public var inputs: [String] = []
    public var outputs: [String] = []
    public var attributes: [ONNXAttribute] = []
    /// `metadata_props`; the torch.export-based exporter records module scopes here.
    public var metadata: [ONNXStringPair] = []

    public func attribute(_ name: String) -> ONNXAttribute? { attributes.first { $0.name == name } }
    public func metadata(_ key: String) -> String? { metadata.first { $0.key == key }?.value }
}

/// Everything the reader takes from one ONNX file, in file order.
public struct ONNXModelScan: Sendable {
    public init() {}

    public var header = ONNXModelHeader()
    public var graphName = ""
    public var nodes: [ONNXNode] = []
    public var initializers: [ONNXTensorScan] = []
    /// Names of the graph's inputs and outputs.
    public var inputs: [String] = []
    public var outputs: [String] = []
    public var valueInfoCount = 0
    public var sparseInitializerCount = 0
    public var functionCount = 0
    public var trainingInfoCount = 0
}

/// Bounds on what the scan holds in memory.
public struct ONNXScanLimits: Sendable, Equatable {
    /// Largest single message decoded in memory (a node, a value info, tensor metadata).
    public var maxMessageBytes: Int
    public var maxNodes: Int
    public var maxInitializers: Int

    public init(maxMessageBytes: Int = 64 << 20, maxNodes: Int = 10_000_000, maxInitializers: Int = 1_000_000) {
        self.maxMessageBytes = maxMessageBytes
        self.maxNodes = maxNodes
        self.maxInitializers = maxInitializers
    }
}
