/// Hard limits that keep a hostile or corrupt checkpoint from exhausting memory or the stack.
///
/// Every size, count or offset read from a file is checked against the file's own size and these
/// limits before anything is allocated (swift-protobuf's `messageDepthLimit` is the model).
public struct ReaderLimits: Sendable, Equatable {
    /// Largest pickle program (data.pkl) read into memory.
    public var maxPickleBytes: Int = 256 << 20
    /// Values on the pickle VM stack at once.
    public var maxStackDepth: Int = 1_000_000
    /// Open MARKs at once (nesting of tuples/lists being built).
    public var maxMarkDepth: Int = 10_000
    /// Memo entries.
    public var maxMemoEntries: Int = 4_000_000
    /// Nesting depth when walking the unpickled objects (module trees, wrapped state dicts).
    public var maxObjectDepth: Int = 200
    /// Rank of one tensor.
    public var maxTensorRank: Int = 16
    /// Tensors in one checkpoint.
    public var maxTensorCount: Int = 1_000_000
    /// Bytes of a safetensors JSON header (safetensors itself caps it at 100 MB).
    public var maxSafetensorsHeaderBytes: Int = 100 << 20
    /// Bytes of one ONNX message decoded in memory (a node or tensor without its elements, which
    /// stay in the file; protobuf itself caps a whole model at 2 GB).
    public var maxONNXMessageBytes: Int = 64 << 20

    public init() {}

    public static let `default` = ReaderLimits()
}
