import ZipArchive

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
}

extension CheckpointOpener {
    /// Reads `meta.config`, `meta.CLASSES` and `meta.PALETTE` of a `torch.save` zip archive with the same
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
