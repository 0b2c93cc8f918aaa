/// Walks an ONNX file (`ModelProto` → `GraphProto` → nodes, initializers) at the wire level.
///
/// Tensor payloads are located, never read, so a 345 MB model is scanned by reading only its
/// metadata. Small messages are handed to protobuf-c; before that, the fields that could be large
/// (tensor elements) or deeply nested (subgraphs: protobuf-c recurses without a depth limit) are cut
/// out, so neither memory nor stack depends on what the file claims.
public enum ONNXModelScanner {
    // ModelProto field numbers (onnx.proto).
    static let modelGraph = 7, modelTrainingInfo = 20, modelFunctions = 25
    static let modelHeaderFields: Set<Int> = [1, 2, 3, 4, 5, 6, 8, 14]
    // GraphProto.
    static let graphNode = 1, graphName = 2, graphInitializer = 5, graphInput = 11, graphOutput = 12
    static let graphValueInfo = 13, graphSparseInitializer = 15
    // TensorProto: the element fields, and the metadata fields protobuf-c decodes.
    static let tensorDataFields: Set<Int> = [4, 5, 6, 7, 9, 10, 11]
    static let tensorMetadataFields: Set<Int> = [1, 2, 3, 8, 13, 14]
    // NodeProto.attribute, and AttributeProto's tensor (5), graph (6), tensors (10), graphs (11).
    static let nodeAttribute = 5
    static let attributeTensor = 5, attributeGraph = 6, attributeTensors = 10, attributeGraphs = 11

    public static func scan(_ source: WireByteSource, limits: ONNXScanLimits = ONNXScanLimits()) throws(ONNXProtoError)
        -> ONNXModelScan
    {
        var cursor = WireCursor(source: source, start: 0, end: source.byteCount, context: "the model")
        var scan = ONNXModelScan()
        var headerBytes: [UInt8] = []
        var sawGraph = false
        while let field = try cursor.nextField() {
            switch field.number {
            case modelGraph:
                guard field.wireType == .lengthDelimited else { throw wrongType(field, "ModelProto.graph") }
                guard !sawGraph else {
                    throw ONNXProtoError.malformed(offset: field.tagOffset, reason: "the model has two graph fields")
                }
                sawGraph = true
                try scanGraph(cursor.cursor(over: field, context: "the graph"), limits: limits, into: &scan)
            case modelTrainingInfo: scan.trainingInfoCount += 1
            case modelFunctions: scan.functionCount += 1
            case let number where modelHeaderFields.contains(number):
                let payload =
                    field.wireType == .lengthDelimited
                    ? try cursor.payload(of: field, limit: limits.maxMessageBytes, message: "model field \(number)")
                    : nil
                try WireEncoder.append(field, payload: payload, from: cursor, into: &headerBytes)
            default: continue  // fields outside the subset (device configurations, future fields)
            }
        }
        guard sawGraph else { throw ONNXProtoError.malformed(offset: 0, reason: "the model has no graph") }
        scan.header = try ProtobufCDecoder.modelHeader(headerBytes, offset: 0)
        return scan
    }

    static func scanGraph(_ graph: WireCursor, limits: ONNXScanLimits, into scan: inout ONNXModelScan)
        throws(ONNXProtoError)
    {
        var cursor = graph
        while let field = try cursor.nextField() {
            switch field.number {
            case graphNode:
                guard field.wireType == .lengthDelimited else { throw wrongType(field, "GraphProto.node") }
                guard scan.nodes.count < limits.maxNodes else {
                    throw ONNXProtoError.tooLarge(
                        message: "graph", offset: field.tagOffset, byteCount: scan.nodes.count + 1,
                        maximum: limits.maxNodes)
                }
                scan.nodes.append(
                    try node(cursor.cursor(over: field, context: "node #\(scan.nodes.count)"), limits: limits))
            case graphInitializer:
                guard field.wireType == .lengthDelimited else { throw wrongType(field, "GraphProto.initializer") }
                guard scan.initializers.count < limits.maxInitializers else {
                    throw ONNXProtoError.tooLarge(
                        message: "initializer list", offset: field.tagOffset, byteCount: scan.initializers.count + 1,
                        maximum: limits.maxInitializers)
                }
                scan.initializers.append(
                    try tensor(
                        cursor.cursor(over: field, context: "initializer #\(scan.initializers.count)"), limits: limits))
            case graphInput, graphOutput:
                guard field.wireType == .lengthDelimited else { throw wrongType(field, "GraphProto input/output") }
                let bytes = try cursor.payload(
                    of: field, limit: limits.maxMessageBytes, message: "graph input or output")
                let name = try ProtobufCDecoder.valueInfoName(bytes, offset: field.valueOffset)
                if field.number == graphInput { scan.inputs.append(name) } else { scan.outputs.append(name) }
            case graphName:
                let bytes = try cursor.payload(of: field, limit: limits.maxMessageBytes, message: "graph name")
                scan.graphName = String(decoding: bytes, as: UTF8.self)
            case graphValueInfo: scan.valueInfoCount += 1
            case graphSparseInitializer: scan.sparseInitializerCount += 1
            default: continue  // doc_string, quantization annotations, metadata
            }
        }
    }

    /// Splits a TensorProto into located element fields and metadata, and decodes the metadata.
    static func tensor(_ region: WireCursor, limits: ONNXScanLimits) throws(ONNXProtoError) -> ONNXTensorScan {
        var cursor = region
        var metadata: [UInt8] = []
        var dataFields: [ONNXDataField] = []
        while let field = try cursor.nextField() {
            if tensorDataFields.contains(field.number) {
                dataFields.append(
                    ONNXDataField(
                        number: field.number, wireType: field.wireType, offset: field.valueOffset,
                        length: field.valueLength, scalar: field.scalar))
            } else if tensorMetadataFields.contains(field.number) {
                let payload =
                    field.wireType == .lengthDelimited
                    ? try cursor.payload(
                        of: field, limit: limits.maxMessageBytes, message: "tensor field \(field.number)") : nil
                try WireEncoder.append(field, payload: payload, from: cursor, into: &metadata)
            }
        }
        var scan = try ProtobufCDecoder.tensorMetadata(metadata, offset: region.position)
        scan.dataFields = dataFields
        scan.offset = region.position
        scan.byteCount = region.end - region.position
        return scan
    }

    /// Decodes a node: tensor attributes (a Constant's value) are scanned like initializers, so their
    /// elements stay in the file however large they are; subgraphs are cut out and noted; the rest is
    /// re-assembled and handed to protobuf-c.
    static func node(_ region: WireCursor, limits: ONNXScanLimits) throws(ONNXProtoError) -> ONNXNode {
        var cursor = region
        var stripped: [UInt8] = []
        var tensorsByAttribute: [(tensor: ONNXTensorScan?, tensors: [ONNXTensorScan], hasSubgraph: Bool)] = []
        while let field = try cursor.nextField() {
            guard field.number == nodeAttribute else {
                try append(field, from: cursor, into: &stripped, limits: limits)
                continue
            }
            guard field.wireType == .lengthDelimited else { throw wrongType(field, "NodeProto.attribute") }
            var attribute = cursor.cursor(over: field, context: "an attribute")
            var kept: [UInt8] = []
            var entry: (tensor: ONNXTensorScan?, tensors: [ONNXTensorScan], hasSubgraph: Bool) = (nil, [], false)
            while let inner = try attribute.nextField() {
                switch inner.number {
                case attributeTensor:
                    guard inner.wireType == .lengthDelimited else { throw wrongType(inner, "AttributeProto.t") }
                    entry.tensor = try tensor(
                        attribute.cursor(over: inner, context: "a tensor attribute"), limits: limits)
                case attributeTensors:
                    guard inner.wireType == .lengthDelimited else { throw wrongType(inner, "AttributeProto.tensors") }
                    entry.tensors.append(
                        try tensor(attribute.cursor(over: inner, context: "a tensor attribute"), limits: limits))
                case attributeGraph, attributeGraphs:
                    entry.hasSubgraph = true
                default:
                    try append(inner, from: attribute, into: &kept, limits: limits)
                }
            }
            tensorsByAttribute.append(entry)
            guard kept.count <= limits.maxMessageBytes else {
                throw ONNXProtoError.tooLarge(
                    message: "attribute", offset: field.tagOffset, byteCount: kept.count,
                    maximum: limits.maxMessageBytes)
            }
            try WireEncoder.append(field, payload: kept, from: cursor, into: &stripped)
        }
        guard stripped.count <= limits.maxMessageBytes else {
            throw ONNXProtoError.tooLarge(
                message: "node", offset: region.position, byteCount: stripped.count, maximum: limits.maxMessageBytes)
        }
        var node = try ProtobufCDecoder.node(stripped, offset: region.position)
        guard node.attributes.count == tensorsByAttribute.count else {
            throw ONNXProtoError.undecodable(
                message: "node", offset: region.position, byteCount: region.end - region.position)
        }
        for (index, entry) in tensorsByAttribute.enumerated() {
            node.attributes[index].tensor = entry.tensor
            node.attributes[index].tensors = entry.tensors
            node.attributes[index].hasSubgraph = entry.hasSubgraph
        }
        return node
    }

    /// Re-encodes one field, reading its payload only after checking it against the limit.
    private static func append(
        _ field: WireField, from cursor: WireCursor, into bytes: inout [UInt8], limits: ONNXScanLimits
    ) throws(ONNXProtoError) {
        let payload =
            field.wireType == .lengthDelimited
            ? try cursor.payload(
                of: field, limit: limits.maxMessageBytes, message: "field \(field.number) of \(cursor.context)") : nil
        try WireEncoder.append(field, payload: payload, from: cursor, into: &bytes)
    }

    static func wrongType(_ field: WireField, _ name: String) -> ONNXProtoError {
        .malformed(offset: field.tagOffset, reason: "\(name) has wire type \(field.wireType.rawValue), not a message")
    }
}
