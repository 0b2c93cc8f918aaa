public import Checkpoint
public import Layout
public import TensorCore

/// One checkpoint record as a source of a layout plan: read through its reader, copied in the
/// kernel when its bytes lie packed and uncompressed in the file.
public struct CheckpointTensor: TensorSource {
    public let reader: any CheckpointReader
    public let record: TensorRecord

    public init(reader: any CheckpointReader, record: TensorRecord) {
        self.reader = reader
        self.record = record
    }

    public var name: String { record.name }
    public var dtype: DType { record.dtype }
    public var shape: [Int] { record.shape }
    public var isPacked: Bool { record.isRowMajorPacked }

    /// The file holding the record's storage (a shard's, for a sharded checkpoint) and the offset
    /// of the record's first byte in it.
    public var fileExtent: FileExtent? {
        guard isPacked, let location = reader.fileLocation(of: record.storage) else { return nil }
        let offset = record.storageOffset * record.dtype.itemSize
        guard offset + record.byteCount <= record.storage.byteCount else { return nil }
        return FileExtent(path: location.path, offset: location.byteOffset + offset)
    }

    public func readBytes(at byteOffset: Int, count: Int, into buffer: inout [UInt8]) throws(CheckpointError) {
        let start = record.storageOffset * record.dtype.itemSize
        try reader.readStorage(record.storage, byteOffset: start + byteOffset, into: &buffer, count: count)
    }

    public func read() throws(CheckpointError) -> Tensor { try reader.read(record) }
}
