internal import CONNXProto
internal import CProtobufC

/// The bridge to the protobuf-c code generated from `Schemas/onnx/onnx-subset.proto`: the only Swift
/// code that touches protobuf-c pointers. Each function unpacks one small message (payloads were cut
/// out beforehand), copies what is needed into Swift values, and frees the C message.
enum ProtobufCDecoder {
    static func modelHeader(_ bytes: [UInt8], offset: Int) throws(ONNXProtoError) -> ONNXModelHeader {
        try unpack(
            bytes, offset: offset, message: "model header", onnx__model_proto__unpack, onnx__model_proto__free_unpacked
        ) { model in
            var header = ONNXModelHeader()
            if model.has_ir_version != 0 { header.irVersion = model.ir_version }
            header.producerName = string(model.producer_name)
            header.producerVersion = string(model.producer_version)
            header.domain = string(model.domain)
            if model.has_model_version != 0 { header.modelVersion = model.model_version }
            for index in 0..<model.n_opset_import {
                guard let opset = model.opset_import[index]?.pointee else { continue }
                header.opsets.append(
                    ONNXOpset(domain: string(opset.domain), version: opset.has_version != 0 ? opset.version : 0))
            }
            header.metadata = pairs(model.metadata_props, count: model.n_metadata_props)
            return header
        }
    }

    /// A TensorProto whose element fields have been removed.
    static func tensorMetadata(_ bytes: [UInt8], offset: Int) throws(ONNXProtoError) -> ONNXTensorScan {
        try unpack(
            bytes, offset: offset, message: "tensor", onnx__tensor_proto__unpack, onnx__tensor_proto__free_unpacked
        ) { tensor in
            var scan = ONNXTensorScan()
            scan.name = string(tensor.name)
            if tensor.has_data_type != 0 { scan.dataType = tensor.data_type }
            scan.dims = (0..<tensor.n_dims).map { tensor.dims[$0] }
            scan.hasSegment = tensor.segment != nil
            scan.externalData = pairs(tensor.external_data, count: tensor.n_external_data)
            if tensor.has_data_location != 0 { scan.dataLocation = Int32(tensor.data_location.rawValue) }
            return scan
        }
    }

    /// A NodeProto whose tensor and subgraph attributes have been removed.
    static func node(_ bytes: [UInt8], offset: Int) throws(ONNXProtoError) -> ONNXNode {
        try unpack(bytes, offset: offset, message: "node", onnx__node_proto__unpack, onnx__node_proto__free_unpacked) {
            node in
            var result = ONNXNode()
            result.name = string(node.name)
            result.opType = string(node.op_type)
            result.domain = string(node.domain)
            result.inputs = (0..<node.n_input).map { string(node.input[$0]) }
            result.outputs = (0..<node.n_output).map { string(node.output[$0]) }
            result.metadata = pairs(node.metadata_props, count: node.n_metadata_props)
            for index in 0..<node.n_attribute {
                guard let attribute = node.attribute[index]?.pointee else { continue }
                var value = ONNXAttribute()
                value.name = string(attribute.name)
                if attribute.has_type != 0 { value.type = Int32(attribute.type.rawValue) }
                if attribute.has_f != 0 { value.float = attribute.f }
                if attribute.has_i != 0 { value.int = attribute.i }
                if attribute.has_s != 0 { value.string = binary(attribute.s) }
                value.floats = (0..<attribute.n_floats).map { attribute.floats[$0] }
                value.ints = (0..<attribute.n_ints).map { attribute.ints[$0] }
                value.strings = (0..<attribute.n_strings).map { binary(attribute.strings[$0]) }
                result.attributes.append(value)
            }
            return result
        }
    }

    static func valueInfoName(_ bytes: [UInt8], offset: Int) throws(ONNXProtoError) -> String {
        try unpack(
            bytes, offset: offset, message: "value info", onnx__value_info_proto__unpack,
            onnx__value_info_proto__free_unpacked
        ) {
            string($0.name)
        }
    }

    private static func unpack<Message, Result>(
        _ bytes: [UInt8], offset: Int, message: String,
        _ unpack: (UnsafeMutablePointer<ProtobufCAllocator>?, Int, UnsafePointer<UInt8>?) -> UnsafeMutablePointer<
            Message
        >?,
        _ free: (UnsafeMutablePointer<Message>?, UnsafeMutablePointer<ProtobufCAllocator>?) -> Void,
        _ body: (Message) -> Result
    ) throws(ONNXProtoError) -> Result {
        let unpacked = bytes.withUnsafeBufferPointer { unpack(nil, $0.count, $0.baseAddress) }
        guard let unpacked else {
            throw ONNXProtoError.undecodable(message: message, offset: offset, byteCount: bytes.count)
        }
        defer { free(unpacked, nil) }
        return body(unpacked.pointee)
    }

    private static func string(_ pointer: UnsafeMutablePointer<CChar>?) -> String {
        guard let pointer else { return "" }
        return String(cString: pointer)
    }

    private static func binary(_ data: ProtobufCBinaryData) -> [UInt8] {
        guard let pointer = data.data, data.len > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: pointer, count: data.len))
    }

    private static func pairs(
        _ entries: UnsafeMutablePointer<UnsafeMutablePointer<Onnx__StringStringEntryProto>?>?, count: Int
    ) -> [ONNXStringPair] {
        guard let entries else { return [] }
        return (0..<count).compactMap { index in
            entries[index].map { ONNXStringPair(key: string($0.pointee.key), value: string($0.pointee.value)) }
        }
    }
}
