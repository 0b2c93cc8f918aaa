public import TensorCore

/// Where the bytes of one planned tensor come from: a checkpoint record, a tensor already stored in
/// a layout file, or a tensor computed in memory. `LayoutBuilder` reads every source through this,
/// so convert, import, prompt injection and export write through one executor.
public protocol TensorSource: Sendable {
    associatedtype Failure: Error
    /// The name the source gives the tensor (stored as `source_name`).
    var name: String { get }
    var dtype: DType { get }
    var shape: [Int] { get }
    /// True when the elements lie packed in row-major order, so `readBytes` can serve any range.
    var isPacked: Bool { get }
    /// The file holding the packed bytes uncompressed and in order, and their offset in it; nil when
    /// there is none (a deflated zip member, a computed tensor). The builder copies such bytes from
    /// file to file in the kernel.
    var fileExtent: FileExtent? { get }
    /// Reads `count` bytes starting `byteOffset` bytes into the packed data, into the first `count`
    /// bytes of `buffer` (grown if shorter). Only for packed sources.
    func readBytes(at byteOffset: Int, count: Int, into buffer: inout [UInt8]) throws(Failure)
    /// The whole tensor, materialised.
    func read() throws(Failure) -> Tensor
}

/// Where a tensor's packed bytes lie in a file.
public struct FileExtent: Sendable, Equatable {
    public let path: String
    public let offset: Int

    public init(path: String, offset: Int) {
        self.path = path
        self.offset = offset
    }
}

/// A tensor computed in memory (initialised prompts); reading it cannot fail.
public struct MemoryTensor: TensorSource {
    public let name: String
    public let tensor: Tensor

    public init(name: String, tensor: Tensor) {
        self.name = name
        self.tensor = tensor.contiguous()
    }

    public var dtype: DType { tensor.dtype }
    public var shape: [Int] { tensor.shape }
    public var isPacked: Bool { true }
    public var fileExtent: FileExtent? { nil }

    public func readBytes(at byteOffset: Int, count: Int, into buffer: inout [UInt8]) {
        if buffer.count < count { buffer = [UInt8](repeating: 0, count: count) }
        buffer.replaceSubrange(0..<count, with: tensor.storage[byteOffset..<(byteOffset + count)])
    }

    public func read() -> Tensor { tensor }
}

/// A tensor stored in a layout file (prompt injection copies a model; export to `.h5` rewrites one).
public struct StoredTensor: TensorSource {
    public let name: String
    public let dtype: DType
    public let shape: [Int]
    public let fileExtent: FileExtent?
    let reader: LayoutReader

    public init(reader: LayoutReader, name: String) throws(LayoutError) {
        let dataset = try reader.dataset(name)
        self.reader = reader
        self.name = name
        dtype = dataset.dtype
        shape = dataset.shape
        fileExtent = dataset.fileOffset.map { FileExtent(path: reader.path, offset: $0) }
    }

    public var isPacked: Bool { true }

    /// Reads whole rows of the first axis (the builder streams by rows).
    public func readBytes(at byteOffset: Int, count: Int, into buffer: inout [UInt8]) throws(LayoutError) {
        let rowBytes = shape.dropFirst().reduce(1, *) * dtype.itemSize
        guard rowBytes > 0, byteOffset % rowBytes == 0, count % rowBytes == 0 else {
            throw .tensor(
                path: reader.path, name: name, reason: "bytes \(byteOffset)..<\(byteOffset + count) are not whole rows")
        }
        let dataset = try reader.dataset(name)
        do {
            try dataset.readRows(firstRow: byteOffset / rowBytes, rowCount: count / rowBytes, into: &buffer)
        } catch {
            throw .read(error)
        }
    }

    public func read() throws(LayoutError) -> Tensor { try reader.tensor(name) }
}
