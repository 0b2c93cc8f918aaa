import Foundation
import TensorCore

/// HuggingFace safetensors: an 8-byte little-endian header length, a JSON header mapping names to
/// `{dtype, shape, data_offsets}`, then one byte buffer. Offsets are checked against the file and
/// against each other (no overlaps: overlapping ranges let a small file claim huge tensors).
public final class SafetensorsCheckpoint: CheckpointReader, @unchecked Sendable {
    public let path: String
    public let format = CheckpointFormat.safetensors
    public let records: [TensorRecord]
    public let wrapperKey = ""
    public let notes: [String]
    private let file: RandomAccessFile
    private let dataStart: Int
    private let offsets: [String: Int]

    static let dtypes: [String: DType] = [
        "F32": .f32, "F16": .f16, "BF16": .bf16, "F64": .f64, "I64": .i64, "I32": .i32,
        "I16": .i16, "I8": .i8, "U8": .u8, "BOOL": .bool,
    ]

    public init(path: String, limits: ReaderLimits = .default) throws(CheckpointError) {
        self.path = path
        let file = try RandomAccessFile(path: path)
        self.file = file
        func malformed(_ reason: String) -> CheckpointError { .malformedSafetensors(path: path, reason: reason) }
        guard file.size >= 8 else {
            throw .truncated(path: path, detail: "\(file.size) bytes, shorter than the 8-byte header length")
        }
        let lengthBytes = try file.read(at: 0, count: 8)
        var headerLength: UInt64 = 0
        for (index, byte) in lengthBytes.enumerated() { headerLength |= UInt64(byte) << (8 * UInt64(index)) }
        guard headerLength <= UInt64(limits.maxSafetensorsHeaderBytes) else {
            throw .limitExceeded(
                path: path, limit: "safetensors header size", value: Int(clamping: headerLength),
                maximum: limits.maxSafetensorsHeaderBytes)
        }
        guard headerLength <= UInt64(file.size - 8) else {
            throw .truncated(
                path: path, detail: "the header claims \(headerLength) bytes but only \(file.size - 8) follow")
        }
        let headerBytes = try file.read(at: 8, count: Int(headerLength))
        guard let header = (try? JSONSerialization.jsonObject(with: Data(headerBytes))) as? [String: Any] else {
            throw malformed("the header is not a JSON object")
        }
        dataStart = 8 + Int(headerLength)
        let bufferSize = file.size - dataStart
        var notes: [String] = []
        var parsed: [(name: String, dtype: DType, shape: [Int], begin: Int, end: Int)] = []
        for (name, value) in header {
            if name == "__metadata__" {
                if let metadata = value as? [String: Any] {
                    notes.append(
                        "metadata: "
                            + metadata.keys.sorted().map { "\($0)=\(metadata[$0].map { "\($0)" } ?? "")" }.joined(
                                separator: ", "))
                }
                continue
            }
            guard let entry = value as? [String: Any], let dtypeName = entry["dtype"] as? String,
                let shapeValues = entry["shape"] as? [NSNumber],
                let offsetValues = entry["data_offsets"] as? [NSNumber],
                offsetValues.count == 2
            else {
                throw malformed("entry '\(name)' lacks dtype, shape or data_offsets")
            }
            guard let dtype = Self.dtypes[dtypeName] else {
                throw malformed("entry '\(name)' has unsupported dtype \(dtypeName)")
            }
            let shape = shapeValues.map { $0.intValue }
            let begin = offsetValues[0].intValue, end = offsetValues[1].intValue
            guard shape.allSatisfy({ $0 >= 0 }), begin >= 0, end >= begin else {
                throw malformed("entry '\(name)' has a negative size or offset")
            }
            guard end <= bufferSize else {
                throw .truncated(
                    path: path, detail: "tensor '\(name)' ends at byte \(end) of a \(bufferSize)-byte data buffer")
            }
            let count: Int
            do { count = try Shape.elementCount(shape) } catch {
                throw .badTensor(path: path, tensor: name, reason: error.description)
            }
            let (bytes, overflow) = count.multipliedReportingOverflow(by: dtype.itemSize)
            guard !overflow, bytes == end - begin else {
                throw malformed("entry '\(name)' has shape \(shape) of \(dtype.rawValue) but \(end - begin) bytes")
            }
            parsed.append((name, dtype, shape, begin, end))
        }
        guard parsed.count <= limits.maxTensorCount else {
            throw .limitExceeded(path: path, limit: "tensor count", value: parsed.count, maximum: limits.maxTensorCount)
        }
        parsed.sort { $0.begin < $1.begin || ($0.begin == $1.begin && $0.end < $1.end) }
        var previousEnd = 0
        for entry in parsed where entry.end > entry.begin {
            guard entry.begin >= previousEnd else {
                throw malformed("tensor '\(entry.name)' overlaps the tensor before it")
            }
            previousEnd = entry.end
        }
        guard !parsed.isEmpty else { throw .noTensors(path: path, detail: "the header lists no tensors") }
        records = parsed.map { entry in
            TensorRecord(
                name: entry.name, dtype: entry.dtype, shape: entry.shape, strides: Shape.contiguousStrides(entry.shape),
                storageOffset: 0, storage: StorageLocation(key: entry.name, byteCount: entry.end - entry.begin))
        }
        offsets = Dictionary(parsed.map { ($0.name, $0.begin) }, uniquingKeysWith: { first, _ in first })
        self.notes = notes
    }

    public func fileOffset(of storage: StorageLocation) -> Int? { offsets[storage.key].map { dataStart + $0 } }

    public func readStorage(_ storage: StorageLocation, byteOffset: Int, into buffer: inout [UInt8], count: Int)
        throws(CheckpointError)
    {
        guard let begin = offsets[storage.key] else {
            throw .missingRecord(path: path, record: storage.key, tensor: storage.key)
        }
        guard byteOffset >= 0, count >= 0, byteOffset + count <= storage.byteCount else {
            throw .truncated(
                path: path, detail: "bytes \(byteOffset)..<\(byteOffset + count) of tensor '\(storage.key)'")
        }
        try file.read(at: dataStart + begin + byteOffset, into: &buffer, count: count)
    }
}
