/// Hard limits and work budgets that keep a hostile or corrupt checkpoint from exhausting memory,
/// time or the stack.
///
/// Every size, count or offset read from a file is checked against the file's own size and these
/// limits before anything is allocated (swift-protobuf's `messageDepthLimit` is the model). The
/// defaults pass every real checkpoint this project reads with wide margins: a ViT-L/14 OpenAI
/// TorchScript archive has about 400 tensors and a 100 KB `data.pkl` (about 40,000 pickle
/// operations, 60,000 container items); a ViT-bigG state dict about 1,000 tensors; MMSegmentation
/// configs nest about 8 levels deep.
public struct ReaderLimits: Sendable, Equatable {
    /// Largest pickle program (data.pkl) read into memory.
    public var maxPickleBytes: Int = 256 << 20
    /// Values on the pickle VM stack at once.
    public var maxStackDepth: Int = 1_000_000
    /// Open MARKs at once (nesting of tuples/lists being built).
    public var maxMarkDepth: Int = 10_000
    /// Memo entries.
    public var maxMemoEntries: Int = 4_000_000
    /// Opcodes one pickle program may execute (all pickles of a legacy file together). A bigG state
    /// dict takes about 100,000; the budget stops a program that loops work through the memo.
    public var maxPickleOperations: Int = 50_000_000
    /// Items stored in containers (tuple, list, dict and set slots, counted each time a container is
    /// built or grown), over one pickle run. Memo reuse counts: a list rebuilt from the same memoised
    /// items a thousand times costs a thousand times its length. Real checkpoints need < 200,000.
    public var maxContainerItems: Int = 4_000_000
    /// Bytes the unpickled value graph may reach: container slots at their in-memory size plus the
    /// bytes of every string and byte string created (memo reuse counts, as above).
    public var maxValueBytes: Int = 256 << 20
    /// Nesting depth when walking the unpickled objects (module trees, wrapped state dicts).
    public var maxObjectDepth: Int = 200
    /// Nesting depth of every recursive text parser: training config text (`meta.config`) and
    /// JSON (safetensors headers, sidecar configs). Real ones nest below 10; the bound keeps the
    /// parse and the release of the parsed value far from the stack's limit.
    public var maxTextNestingDepth: Int = 128
    /// Rank of one tensor.
    public var maxTensorRank: Int = 16
    /// Tensors in one checkpoint (also safetensors header entries and ONNX initializers).
    public var maxTensorCount: Int = 100_000
    /// Bytes of one tensor view that covers more elements than its storage holds (a zero or
    /// overlapping stride, as `expand` makes): materialising it allocates this much from few bytes
    /// of file, so it is bounded. Views that fit their storage are bounded by the file's size.
    public var maxExpandedViewBytes: Int = 64 << 20
    /// The largest buffer a reader allocates on the word of a size field before the bytes have been
    /// seen to exist (a zip member's stated size, a pickle length); larger reads grow their buffer
    /// as the data actually arrives.
    public var maxUncheckedAllocation: Int = 16 << 20
    /// Bytes of a safetensors JSON header (safetensors itself caps it at 100 MB).
    public var maxSafetensorsHeaderBytes: Int = 100 << 20
    /// Bytes of one ONNX message decoded in memory (a node or tensor without its elements, which
    /// stay in the file; protobuf itself caps a whole model at 2 GB).
    public var maxONNXMessageBytes: Int = 64 << 20

    public init() {}

    public static let `default` = ReaderLimits()
}
