import ZipArchive

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
}

extension CheckpointOpener {
    /// Reads `meta.config` and `meta.CLASSES` of a `torch.save` zip archive with the same
    /// executing-nothing pickle machine the tensor reader uses. Other containers (and archives
    /// without `meta`) give empty metadata.
    public static func metadata(path: String, limits: ReaderLimits = .default) throws(CheckpointError)
        -> CheckpointMetadata
    {
        guard try sniff(path: path) == .zip else { return CheckpointMetadata() }
        let archive: ZipArchive
        do { archive = try ZipArchive(path: path) } catch { throw .zip(error) }
        let pickles = archive.entries.filter { entry in
            let parts = entry.name.split(separator: "/", omittingEmptySubsequences: false)
            return parts.count == 2 && parts[1] == "data.pkl"
        }
        guard pickles.count == 1, let entry = pickles.first,
            !archive.entries.contains(where: { $0.name.hasSuffix("/constants.pkl") })
        else { return CheckpointMetadata() }
        guard entry.size <= limits.maxPickleBytes else {
            throw .limitExceeded(path: path, limit: "data.pkl size", value: entry.size, maximum: limits.maxPickleBytes)
        }
        let program: [UInt8]
        do { program = try archive.read(entry) } catch { throw .zip(error) }
        let member = entry.name
        let machine = PickleMachine(
            input: PickleInput(bytes: program, path: path, member: member), context: .torchSave, limits: limits
        ) {
            identifier, arena, offset throws(CheckpointError) in
            try TorchPickle.storage(from: identifier, arena: arena, path: path, member: member, offset: offset)
        }
        let root = try machine.run()
        let arena = machine.arena
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
