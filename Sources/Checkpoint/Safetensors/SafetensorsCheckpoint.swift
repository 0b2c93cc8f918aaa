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

    public convenience init(path: String, limits: ReaderLimits = .default) throws(CheckpointError) {
        let file = try RandomAccessFile(path: path)
        let header = try Self.header(of: file, limits: limits)
        let entries = try Self.entries(of: header, file: file, limits: limits)
        self.init(file: file, header: header, entries: entries)
    }

    /// Opens `path`: reads the header, checks every entry against the file and the others.
    public static func open(path: String, limits: ReaderLimits = .default) throws(CheckpointError) -> Self {
        try Self(path: path, limits: limits)
    }

    private init(file: RandomAccessFile, header: Header, entries: [Entry]) {
        path = file.path
        self.file = file
        dataStart = header.dataStart
        records = entries.map { entry in
            TensorRecord(
                name: entry.name, dtype: entry.dtype, shape: entry.shape, strides: Shape.contiguousStrides(entry.shape),
                storageOffset: 0, storage: StorageLocation(key: entry.name, byteCount: entry.end - entry.begin))
        }
        offsets = Dictionary(entries.map { ($0.name, $0.begin) }, uniquingKeysWith: { first, _ in first })
        notes =
            header.metadata.isEmpty
            ? []
            : [
                ("metadata: " + header.metadata.map { "\($0.key)=\($0.value)" }.joined(separator: ", "))
                    .escapedForTerminal(maxLength: 1000)
            ]
    }

    // MARK: - Steps

    /// The decoded JSON header and where the data buffer starts.
    struct Header {
        var dataStart: Int
        var tensors: [String: HeaderTensor]
        /// `__metadata__`, sorted by key.
        var metadata: [(key: String, value: String)]
    }

    /// One header entry as JSON states it; integers only (a decoder refuses `1.5`).
    struct HeaderTensor: Decodable {
        let dtype: String
        let shape: [Int]
        let dataOffsets: [Int]

        enum CodingKeys: String, CodingKey {
            case dtype, shape
            case dataOffsets = "data_offsets"
        }
    }

    /// The header object: tensor entries and the optional string-to-string `__metadata__`.
    private struct HeaderObject: Decodable {
        var tensors: [String: HeaderTensor] = [:]
        var metadata: [String: String] = [:]

        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: Key.self)
            for key in container.allKeys {
                if key.stringValue == "__metadata__" {
                    // The format says string to string; anything else is only not reported.
                    metadata = (try? container.decode([String: String].self, forKey: key)) ?? [:]
                } else {
                    tensors[key.stringValue] = try container.decode(HeaderTensor.self, forKey: key)
                }
            }
        }
    }

    /// A validated entry.
    struct Entry {
        let name: String
        let dtype: DType
        let shape: [Int]
        let begin: Int
        let end: Int
    }

    /// Reads and decodes the JSON header after checking its length, nesting and entry count.
    static func header(of file: RandomAccessFile, limits: ReaderLimits) throws(CheckpointError) -> Header {
        let path = file.path
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
        let shape = JSONShape(measuring: headerBytes)
        guard shape.depth <= limits.maxTextNestingDepth else {
            throw .limitExceeded(
                path: path, limit: "safetensors header nesting depth", value: shape.depth,
                maximum: limits.maxTextNestingDepth)
        }
        // One member may be `__metadata__`.
        guard shape.topLevelMembers <= limits.maxTensorCount + 1 else {
            throw .limitExceeded(
                path: path, limit: "safetensors header entries", value: shape.topLevelMembers,
                maximum: limits.maxTensorCount + 1)
        }
        let object: HeaderObject
        do {
            object = try JSONDecoder().decode(HeaderObject.self, from: Data(headerBytes))
        } catch let error as DecodingError {
            throw .malformedSafetensors(path: path, reason: describe(error))
        } catch {
            throw .malformedSafetensors(path: path, reason: "the header is not a JSON object")
        }
        return Header(
            dataStart: 8 + Int(headerLength), tensors: object.tensors,
            metadata: object.metadata.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
    }

    /// Checks each entry (dtype, shape against its byte range, range inside the buffer) and that
    /// no two ranges overlap; returns them in file order.
    static func entries(of header: Header, file: RandomAccessFile, limits: ReaderLimits) throws(CheckpointError)
        -> [Entry]
    {
        let path = file.path
        func malformed(_ reason: String) -> CheckpointError { .malformedSafetensors(path: path, reason: reason) }
        let bufferSize = file.size - header.dataStart
        var parsed: [Entry] = []
        parsed.reserveCapacity(header.tensors.count)
        for (name, value) in header.tensors {
            guard value.dataOffsets.count == 2 else {
                throw malformed("entry '\(name)' has \(value.dataOffsets.count) data_offsets, not 2")
            }
            guard let dtype = DType(safetensorsName: value.dtype) else {
                throw malformed("entry '\(name)' has unsupported dtype \(value.dtype)")
            }
            guard value.shape.count <= limits.maxTensorRank else {
                throw .limitExceeded(
                    path: path, limit: "rank of '\(name)'", value: value.shape.count, maximum: limits.maxTensorRank)
            }
            let shape = value.shape
            let begin = value.dataOffsets[0], end = value.dataOffsets[1]
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
            parsed.append(Entry(name: name, dtype: dtype, shape: shape, begin: begin, end: end))
        }
        guard parsed.count <= limits.maxTensorCount else {
            throw .limitExceeded(path: path, limit: "tensor count", value: parsed.count, maximum: limits.maxTensorCount)
        }
        parsed.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
        var previousEnd = 0
        for entry in parsed where entry.end > entry.begin {
            guard entry.begin >= previousEnd else {
                throw malformed("tensor '\(entry.name)' overlaps the tensor before it")
            }
            previousEnd = entry.end
        }
        guard !parsed.isEmpty else { throw .noTensors(path: path, detail: "the header lists no tensors") }
        return parsed
    }

    /// A decoding error as one line: which entry, and what is wrong with it.
    private static func describe(_ error: DecodingError) -> String {
        let context: DecodingError.Context
        switch error {
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .keyNotFound(_, let c), .dataCorrupted(let c):
            context = c
        @unknown default:
            return "the header is not valid JSON"
        }
        var where_ = context.codingPath.map(\.stringValue).joined(separator: ".")
        if case .keyNotFound(let key, _) = error { where_ += (where_.isEmpty ? "" : ".") + key.stringValue }
        if where_.isEmpty {
            let cause = context.underlyingError.map { "\($0)" } ?? context.debugDescription
            return "the header is not a JSON object of tensor entries with integer shapes and offsets (\(cause))"
        }
        return "entry '\(where_)': \(context.debugDescription)"
    }

    // MARK: - Reading

    public func fileOffset(of storage: StorageLocation) -> Int? { offsets[storage.key].map { dataStart + $0 } }

    public func readStorage(_ storage: StorageLocation, byteOffset: Int, into buffer: inout [UInt8], count: Int)
        throws(CheckpointError)
    {
        guard let begin = offsets[storage.key] else {
            throw .missingRecord(path: path, record: storage.key, tensor: storage.key)
        }
        let (end, overflow) = byteOffset.addingReportingOverflow(count)
        guard byteOffset >= 0, count >= 0, !overflow, end <= storage.byteCount else {
            throw .truncated(
                path: path, detail: "bytes \(byteOffset)..<\(byteOffset &+ count) of tensor '\(storage.key)'")
        }
        try file.read(at: dataStart + begin + byteOffset, into: &buffer, count: count)
    }
}
