public import TensorCore

/// The container formats we read.
public enum CheckpointFormat: String, Sendable, Codable {
    case torchZip = "torch-zip"
    case torchScript = "torchscript"
    case torchLegacy = "torch-legacy"
    case safetensors
    case onnx
}

/// Where a storage's bytes are, as the reader that owns it knows them.
public struct StorageLocation: Sendable, Hashable {
    /// Key unique within one reader (zip member, legacy root key, safetensors tensor name).
    public let key: String
    /// Bytes available in the file for this storage.
    public let byteCount: Int

    public init(key: String, byteCount: Int) {
        self.key = key
        self.byteCount = byteCount
    }
}

/// One tensor of a checkpoint: metadata only; the bytes stay in the file until read.
public struct TensorRecord: Sendable, Equatable {
    public let name: String
    public let dtype: DType
    public let shape: [Int]
    /// Strides in elements.
    public let strides: [Int]
    /// Offset of the first element inside the storage, in elements.
    public let storageOffset: Int
    public let storage: StorageLocation

    public init(name: String, dtype: DType, shape: [Int], strides: [Int], storageOffset: Int, storage: StorageLocation)
    {
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.strides = strides
        self.storageOffset = storageOffset
        self.storage = storage
    }

    public var elementCount: Int { shape.reduce(1, *) }
    public var byteCount: Int { elementCount * dtype.itemSize }

    /// True when the elements are one packed row-major run inside the storage, so they can be
    /// copied as a byte range without reordering.
    public var isRowMajorPacked: Bool { Shape.isRowMajorPacked(shape: shape, strides: strides) }

    /// Bytes of the storage the view touches: [start, end).
    public var storageByteSpan: Range<Int> {
        guard elementCount > 0 else { return storageOffset * dtype.itemSize..<storageOffset * dtype.itemSize }
        var last = storageOffset
        for (dimension, stride) in zip(shape, strides) { last += (dimension - 1) * stride }
        return storageOffset * dtype.itemSize..<(last + 1) * dtype.itemSize
    }
}

/// A readable checkpoint: every format implements this one protocol; `CheckpointOpener` picks the
/// implementation from the file's first bytes.
public protocol CheckpointReader: AnyObject, Sendable {
    var path: String { get }
    var format: CheckpointFormat { get }
    /// Every tensor, in file order, validated against the file's size.
    var records: [TensorRecord] { get }
    /// Key path of the state dict inside a wrapper (`state_dict`, `model`), or "" when the root is it.
    var wrapperKey: String { get }
    /// Observations worth reporting (ignored non-tensor entries, removed prefixes, metadata).
    var notes: [String] { get }
    /// Reads `count` bytes of `storage` starting at `byteOffset` into the first `count` bytes of
    /// `buffer`, growing it if it is shorter. Streaming callers reuse one buffer.
    func readStorage(_ storage: StorageLocation, byteOffset: Int, into buffer: inout [UInt8], count: Int)
        throws(CheckpointError)
    /// Absolute offset in `path` where the storage's bytes lie uncompressed and in order, or nil
    /// (e.g. a deflated zip member). Converters ask `fileLocation(of:)`, which defaults to this.
    func fileOffset(of storage: StorageLocation) -> Int?
    /// The file and offset where the storage's bytes lie uncompressed and in order, or nil. Lets
    /// converters copy with `sendfile` instead of through memory; a reader of several files (shards)
    /// says which file holds each storage.
    func fileLocation(of storage: StorageLocation) -> StorageFileLocation?
    /// Settings the file states in what it runs rather than in its tensor shapes (the activation in
    /// TorchScript code or an ONNX graph, the head count of an attention reshape); empty by default.
    func architectureEvidence() throws(CheckpointError) -> [ArchitectureEvidence]
    /// How the reader identified a tensor's name when the file does not state it plainly (ONNX name
    /// recovery), or nil. Converters store it as the dataset attribute `provenance`.
    func provenance(of record: TensorRecord) -> String?
    /// Metadata read with the tensors (see the extension's default).
    var metadata: CheckpointMetadata { get }
    /// Checksum verification of a storage copied without being read (see the extension's default).
    func verifyChecksum(of storage: StorageLocation) throws(CheckpointError)
    /// The checksums a sequential pass over the whole file can check (a zip's stored members), for a
    /// caller that reads the file once anyway (the input's SHA-256), one entry per file; empty for formats without them.
    func fileChecksums() -> [FileChecksums]
}

extension CheckpointReader {
    public func provenance(of record: TensorRecord) -> String? { nil }

    public func fileChecksums() -> [FileChecksums] { [] }

    /// What the checkpoint carries beside its weights (`meta` of MMSegmentation checkpoints), read
    /// in the same pass as the tensors; empty for formats without it.
    public var metadata: CheckpointMetadata { CheckpointMetadata() }

    /// Checks the storage's bytes against the container's checksum, if it keeps one (zip members'
    /// CRC-32), reading them once unless a read through `readStorage` already did. Converters that
    /// copy bytes from `fileOffset(of:)` without reading them call this (before or after the copy);
    /// formats without checksums do nothing.
    public func verifyChecksum(of storage: StorageLocation) throws(CheckpointError) {}

    public func fileLocation(of storage: StorageLocation) -> StorageFileLocation? {
        fileOffset(of: storage).map { StorageFileLocation(path: path, byteOffset: $0) }
    }

    public func architectureEvidence() throws(CheckpointError) -> [ArchitectureEvidence] { [] }
}

/// Where a storage's bytes lie, uncompressed and in order: a file and the offset in it.
public struct StorageFileLocation: Sendable, Equatable {
    public let path: String
    public let byteOffset: Int

    public init(path: String, byteOffset: Int) {
        self.path = path
        self.byteOffset = byteOffset
    }
}

extension CheckpointReader {
    /// Reads `count` bytes of `storage` starting at `byteOffset`.
    public func readStorage(_ storage: StorageLocation, byteOffset: Int, count: Int) throws(CheckpointError) -> [UInt8]
    {
        var buffer: [UInt8] = []
        try readStorage(storage, byteOffset: byteOffset, into: &buffer, count: count)
        return buffer
    }

    /// The tensor of `record`, materialised in packed row-major order.
    public func read(_ record: TensorRecord) throws(CheckpointError) -> Tensor {
        let span = record.storageByteSpan
        let bytes = try readStorage(record.storage, byteOffset: span.lowerBound, count: span.count)
        let itemSize = record.dtype.itemSize
        do {
            let view = try Tensor(
                dtype: record.dtype, shape: record.shape, strides: record.strides,
                storageOffset: record.storageOffset - span.lowerBound / itemSize, storage: bytes)
            return view.contiguous()
        } catch {
            throw .badTensor(path: path, tensor: record.name, reason: error.description)
        }
    }

    /// Calls `body` with consecutive pieces (at most `chunkBytes` each, cut on row boundaries of the
    /// first axis) of a row-major packed record's bytes, so large tensors stream through a small buffer.
    /// `body` receives the first row index and the row count of each piece.
    public func streamRows(
        _ record: TensorRecord, chunkBytes: Int,
        _ body: (_ firstRow: Int, _ rowCount: Int, _ bytes: [UInt8]) throws -> Void
    ) throws {
        precondition(record.isRowMajorPacked, "streamRows needs a packed record")
        let rows = record.shape.first ?? 1
        let rowBytes = rows == 0 ? 0 : record.byteCount / rows
        if rowBytes == 0 {
            try body(0, rows, [])
            return
        }
        let rowsPerChunk = max(1, chunkBytes / rowBytes)
        let start = record.storageOffset * record.dtype.itemSize
        var row = 0
        var buffer: [UInt8] = []
        while row < rows {
            let count = min(rowsPerChunk, rows - row)
            try readStorage(record.storage, byteOffset: start + row * rowBytes, into: &buffer, count: count * rowBytes)
            try body(row, count, buffer.count == count * rowBytes ? buffer : Array(buffer[..<(count * rowBytes)]))
            row += count
        }
    }

    /// Groups of tensor names whose views overlap in one storage (tied or shared weights).
    public var tiedGroups: [[String]] {
        var byStorage: [StorageLocation: [TensorRecord]] = [:]
        for record in records { byStorage[record.storage, default: []].append(record) }
        var groups: [[String]] = []
        for (_, members) in byStorage where members.count > 1 {
            // Union overlapping spans; sorted by start so one pass suffices.
            let sorted = members.filter { $0.elementCount > 0 }.sorted {
                $0.storageByteSpan.lowerBound < $1.storageByteSpan.lowerBound
            }
            var current: [String] = []
            var currentEnd = Int.min
            for record in sorted {
                let span = record.storageByteSpan
                if span.lowerBound < currentEnd {
                    current.append(record.name)
                    currentEnd = max(currentEnd, span.upperBound)
                } else {
                    if current.count > 1 { groups.append(current) }
                    current = [record.name]
                    currentEnd = span.upperBound
                }
            }
            if current.count > 1 { groups.append(current) }
        }
        let order = Dictionary(records.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
        return groups.map { $0.sorted { order[$0, default: 0] < order[$1, default: 0] } }
            .sorted { order[$0[0], default: 0] < order[$1[0], default: 0] }
    }
}
