import ONNXProto
import TensorCore

/// Where the elements of an ONNX tensor are.
enum ONNXStorage: Sendable, Equatable {
    /// Little-endian elements, packed, at an absolute offset of the model file (raw_data, or a packed
    /// float_data/double_data run, which has the same bytes).
    case file(offset: Int, count: Int)
    /// Bytes of an external data file (index into the reader's external files).
    case external(file: Int, offset: Int, count: Int)
    /// Decoded from varint-typed fields (int32_data, int64_data): the bytes had to be rebuilt.
    case memory([UInt8])

    var byteCount: Int {
        switch self {
        case .file(_, let count), .external(_, _, let count): return count
        case .memory(let bytes): return bytes.count
        }
    }
}

/// One tensor of the graph (an initializer or a Constant node's value), validated against its
/// shape and the files that hold it.
struct ONNXTensor: Sendable {
    let name: String
    let dataType: Int32
    /// nil for element types the layout has no use for (strings, unsigned 16/32/64-bit, complex, float8…).
    let dtype: DType?
    let dims: [Int]
    let elementCount: Int
    /// nil exactly when `dtype` is nil.
    let storage: ONNXStorage?
    /// "initializer" or "Constant" (the value of a Constant node, named by its output).
    let origin: String

    var isFloatingPoint: Bool { dtype?.isFloatingPoint ?? false }
}

/// ONNX `TensorProto.DataType` codes (onnx.proto) and the dtype each is read as. Codes that are
/// known but not needed for CLIP weights map to nil; codes not listed are refused as unknown.
enum ONNXDataType {
    static let table: [Int32: (name: String, dtype: DType?)] = [
        1: ("FLOAT", .f32),
        2: ("UINT8", .u8),
        3: ("INT8", .i8),
        4: ("UINT16", nil),
        5: ("INT16", .i16),
        6: ("INT32", .i32),
        7: ("INT64", .i64),
        8: ("STRING", nil),
        9: ("BOOL", .bool),
        10: ("FLOAT16", .f16),
        11: ("DOUBLE", .f64),
        12: ("UINT32", nil),
        13: ("UINT64", nil),
        14: ("COMPLEX64", nil),
        15: ("COMPLEX128", nil),
        16: ("BFLOAT16", .bf16),
        17: ("FLOAT8E4M3FN", nil),
        18: ("FLOAT8E4M3FNUZ", nil),
        19: ("FLOAT8E5M2", nil),
        20: ("FLOAT8E5M2FNUZ", nil),
        21: ("UINT4", nil),
        22: ("INT4", nil),
        23: ("FLOAT4E2M1", nil),
        24: ("FLOAT8E8M0", nil),
        25: ("UINT2", nil),
        26: ("INT2", nil),
        27: ("FLOAT6E2M3", nil),
        28: ("FLOAT6E3M2", nil),
    ]

    static func name(_ code: Int32) -> String { table[code]?.name ?? "code \(code)" }
}

/// Builds `ONNXTensor`s from scanned TensorProtos: checks shape, element field and byte counts, and
/// locates or decodes the elements. Typed varint fields are decoded here; everything else stays in
/// the file.
struct ONNXTensorDecoder {
    let path: String
    let file: RandomAccessFile
    let externalFiles: ONNXExternalFiles
    let limits: ReaderLimits

    // TensorProto element field numbers.
    static let floatData = 4, int32Data = 5, stringData = 6, int64Data = 7, rawData = 9, doubleData = 10,
        uint64Data = 11

    func decode(_ scan: ONNXTensorScan, name: String, origin: String) throws(CheckpointError) -> ONNXTensor {
        func bad(_ reason: String) -> CheckpointError { .badTensor(path: path, tensor: name, reason: reason) }
        guard let code = scan.dataType, code != 0 else { throw bad("the \(origin) has no data type") }
        guard let known = ONNXDataType.table[code] else {
            throw bad("data type \(code) is not an ONNX data type this reader knows")
        }
        guard scan.dims.count <= limits.maxTensorRank else {
            throw .limitExceeded(
                path: path, limit: "rank of tensor '\(name)'", value: scan.dims.count, maximum: limits.maxTensorRank)
        }
        guard scan.dims.allSatisfy({ $0 >= 0 && $0 <= Int64(Int.max) }) else {
            throw bad("negative dimension in shape \(scan.dims)")
        }
        let dims = scan.dims.map { Int($0) }
        let elementCount: Int
        do { elementCount = try Shape.elementCount(dims) } catch { throw bad(error.description) }
        guard !scan.hasSegment else { throw bad("segmented tensors (TensorProto.segment) are not supported") }
        guard let dtype = known.dtype else {
            return ONNXTensor(
                name: name, dataType: code, dtype: nil, dims: dims, elementCount: elementCount, storage: nil,
                origin: origin)
        }
        let (byteCount, overflow) = elementCount.multipliedReportingOverflow(by: dtype.itemSize)
        guard !overflow else { throw bad("shape \(dims) of \(known.name) overflows the byte count") }

        let storage: ONNXStorage
        if scan.dataLocation == 1 {
            guard scan.dataFields.isEmpty else {
                throw bad("data_location is EXTERNAL but the tensor also holds elements in the file")
            }
            storage = try externalFiles.locate(
                tensor: name, entries: scan.externalData, byteCount: byteCount,
                shapeDescription: "\(dims) of \(known.name)")
        } else {
            storage = try inline(
                scan, dtype: dtype, typeName: known.name, dims: dims, elementCount: elementCount, byteCount: byteCount,
                bad: bad)
        }
        return ONNXTensor(
            name: name, dataType: code, dtype: dtype, dims: dims, elementCount: elementCount, storage: storage,
            origin: origin)
    }

    private func inline(
        _ scan: ONNXTensorScan, dtype: DType, typeName: String, dims: [Int], elementCount: Int, byteCount: Int,
        bad: (String) -> CheckpointError
    ) throws(CheckpointError) -> ONNXStorage {
        let numbers = Set(scan.dataFields.map(\.number))
        guard numbers.count <= 1 else { throw bad("elements are stored in more than one field (\(numbers.sorted()))") }
        guard let number = numbers.first else {
            if elementCount == 0 { return .memory([]) }
            throw bad("shape \(dims) of \(typeName) but no elements (no raw_data, typed field or external data)")
        }
        let fields = scan.dataFields
        switch number {
        case Self.rawData:
            guard fields.count == 1, let field = fields.first else {
                throw bad("raw_data appears \(fields.count) times")
            }
            guard field.length == byteCount else {
                throw bad("shape \(dims) of \(typeName) needs \(byteCount) bytes but raw_data holds \(field.length)")
            }
            return .file(offset: field.offset, count: field.length)
        case Self.floatData where dtype == .f32, Self.doubleData where dtype == .f64:
            // Packed fixed-width floats are the raw little-endian bytes: leave them in the file.
            let width = dtype.itemSize
            if fields.count == 1, let field = fields.first, field.wireType == .lengthDelimited {
                guard field.length == byteCount else {
                    throw bad(
                        "shape \(dims) of \(typeName) needs \(elementCount) elements but \(number == Self.floatData ? "float_data" : "double_data") holds \(field.length / width)"
                    )
                }
                return .file(offset: field.offset, count: field.length)
            }
            var bytes: [UInt8] = []
            for field in fields {
                if field.wireType == .lengthDelimited {
                    guard field.length % width == 0, bytes.count + field.length <= byteCount else {
                        throw bad("typed elements do not match shape \(dims)")
                    }
                    bytes += try file.read(at: field.offset, count: field.length)
                } else {
                    guard (width == 4 ? WireType.fixed32 : .fixed64) == field.wireType, bytes.count + width <= byteCount
                    else {
                        throw bad("typed elements do not match shape \(dims)")
                    }
                    for index in 0..<width {
                        bytes.append(UInt8(truncatingIfNeeded: field.scalar >> (8 * UInt64(index))))
                    }
                }
            }
            guard bytes.count == byteCount else {
                throw bad(
                    "shape \(dims) of \(typeName) needs \(elementCount) elements but the typed field holds \(bytes.count / width)"
                )
            }
            return .memory(bytes)
        case Self.int32Data where [.i32, .i16, .i8, .u8, .bool, .f16, .bf16].contains(dtype),
            Self.int64Data where dtype == .i64:
            let values = try varints(fields, elementCount: elementCount, bad: bad)
            guard values.count == elementCount else {
                throw bad(
                    "shape \(dims) of \(typeName) needs \(elementCount) elements but \(number == Self.int64Data ? "int64_data" : "int32_data") holds \(values.count)"
                )
            }
            return .memory(try Self.bytes(fromVarints: values, dtype: dtype, bad: bad))
        default:
            throw bad("element field \(number) cannot hold \(typeName) elements")
        }
    }

    /// Every varint of the typed field, refusing more payload bytes than elements could need
    /// (at most 10 bytes each) before reading.
    private func varints(_ fields: [ONNXDataField], elementCount: Int, bad: (String) -> CheckpointError)
        throws(CheckpointError) -> [UInt64]
    {
        var values: [UInt64] = []
        let payloadBytes = fields.reduce(0) { $0 + ($1.wireType == .lengthDelimited ? $1.length : 0) }
        guard payloadBytes <= elementCount * 10 + 10 else {
            throw bad("a typed field holds \(payloadBytes) bytes, more than \(elementCount) elements can use")
        }
        for field in fields {
            switch field.wireType {
            case .lengthDelimited:
                let payload = try file.read(at: field.offset, count: field.length)
                do { values += try WireScalars.varints(payload, offset: field.offset) } catch {
                    throw .malformedONNX(path: path, reason: error.description)
                }
            case .varint: values.append(field.scalar)
            default: throw bad("a typed element has wire type \(field.wireType.rawValue)")
            }
        }
        return values
    }

    /// Little-endian element bytes from int32_data / int64_data values. float16 and bfloat16 are
    /// stored as their 16-bit patterns (spec: "bit-wise converted to an uint16_t"); writers that
    /// sign-extended them are accepted too.
    static func bytes(fromVarints values: [UInt64], dtype: DType, bad: (String) -> CheckpointError)
        throws(CheckpointError) -> [UInt8]
    {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(values.count * dtype.itemSize)
        for value in values {
            let signed = Int64(bitPattern: value)
            switch dtype {
            case .i64:
                for index in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(index)))) }
            case .i32:
                guard let narrow = Int32(exactly: signed) else { throw bad("int32 element \(signed) out of range") }
                let bits = UInt32(bitPattern: narrow)
                for index in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: bits >> (8 * UInt32(index)))) }
            case .i16, .f16, .bf16:
                let range: ClosedRange<Int64> = dtype == .i16 ? -32768...32767 : -32768...65535
                guard range.contains(signed) else { throw bad("\(dtype.rawValue) element \(signed) out of range") }
                let bits = UInt16(truncatingIfNeeded: signed)
                bytes.append(UInt8(bits & 0xFF))
                bytes.append(UInt8(bits >> 8))
            case .i8, .u8, .bool:
                let range: ClosedRange<Int64> = dtype == .i8 ? -128...127 : (dtype == .bool ? 0...1 : 0...255)
                guard range.contains(signed) else { throw bad("\(dtype.rawValue) element \(signed) out of range") }
                bytes.append(UInt8(truncatingIfNeeded: signed))
            case .f32, .f64:
                throw bad("\(dtype.rawValue) elements cannot come from an integer field")
            }
        }
        return bytes
    }
}
