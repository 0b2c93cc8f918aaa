/// What a training checkpoint carries beside its weights. MMSegmentation saves
/// `meta = {config: <the full config as Python text>, CLASSES: (...), PALETTE: ..., ...}`
/// (ZegCLIP `train.py`; mmcv `save_checkpoint`), which settles what tensor shapes cannot.
public struct CheckpointMetadata: Sendable, Equatable {
    /// `meta.config`: the training configuration's text, if present.
    public var config: String?
    /// `meta.CLASSES`, in order.
    public var classes: [String]

    public init(config: String? = nil, classes: [String] = []) {
        self.config = config
        self.classes = classes
    }

    /// `meta.config` and `meta.CLASSES` of an unpickled root dict; empty when there is no `meta`.
    static func read(root: PickleValue, arena: PickleArena) -> CheckpointMetadata {
        guard let meta = arena.dictEntries(root)?.first(where: { $0.key == .string("meta") })?.value,
            let entries = arena.dictEntries(meta)
        else { return CheckpointMetadata() }
        var result = CheckpointMetadata()
        for (key, value) in entries {
            switch key {
            case .string("config"):
                if case .string(let text) = value { result.config = text }
            case .string("CLASSES"):
                result.classes = (arena.sequence(value) ?? []).compactMap { item in
                    if case .string(let name) = item { return name }
                    return nil
                }
            default:
                continue
            }
        }
        return result
    }
}

extension CheckpointOpener {
    /// `meta.config` and `meta.CLASSES` of a `torch.save` zip archive, as the reader found them in
    /// its one run of the pickle (`CheckpointReader.metadata`). Other containers give empty metadata.
    /// A caller that already opened the checkpoint reads `reader.metadata` instead.
    public static func metadata(path: String, limits: ReaderLimits = .default) throws(CheckpointError)
        -> CheckpointMetadata
    {
        guard try sniff(path: path) == .zip else { return CheckpointMetadata() }
        return try TorchZipCheckpoint.open(path: path, limits: limits).metadata
    }
}
