/// What a training checkpoint carries beside its weights. MMSegmentation saves
/// `meta = {config: <the full config as Python text>, CLASSES: (...), PALETTE: ..., ...}`
/// (ZegCLIP `train.py`; mmcv `save_checkpoint`), which settles what tensor shapes cannot.
public struct CheckpointMetadata: Sendable, Equatable {
    /// `meta.config`: the training configuration's text, if present.
    public var config: String?
    /// `meta.CLASSES`, in order.
    public var classes: [String]
    /// `meta.PALETTE`: one colour per class, as the checkpoint lists them (entries that are not a list
    /// of integers are left out, so a caller checks the count against `classes`).
    public var palette: [[Int]]

    public init(config: String? = nil, classes: [String] = [], palette: [[Int]] = []) {
        self.config = config
        self.classes = classes
        self.palette = palette
    }

    /// `meta.config`, `meta.CLASSES` and `meta.PALETTE` of an unpickled root dict; empty when there is
    /// no `meta`.
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
            case .string("PALETTE"):
                result.palette = (arena.sequence(value) ?? []).compactMap { colour in
                    let channels = (arena.sequence(colour) ?? []).compactMap { channel -> Int? in
                        if case .int(let number) = channel, (0...255).contains(number) { return Int(number) }
                        return nil
                    }
                    return channels.count == 3 ? channels : nil
                }
            default:
                continue
            }
        }
        return result
    }
}

extension CheckpointOpener {
    /// The metadata of a `torch.save` zip archive, as the reader found it in its one run of the pickle
    /// (`CheckpointReader.metadata`). Other containers give empty metadata. A caller that already
    /// opened the checkpoint reads `reader.metadata` instead.
    public static func metadata(path: String, limits: ReaderLimits = .default) throws(CheckpointError)
        -> CheckpointMetadata
    {
        guard try sniff(path: path) == .zip else { return CheckpointMetadata() }
        return try TorchZipCheckpoint.open(path: path, limits: limits).metadata
    }
}
