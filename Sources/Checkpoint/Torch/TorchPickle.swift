import TensorCore

/// What PyTorch pickles mean: persistent storage ids, where the state dict sits in a wrapper,
/// and how a TorchScript module tree becomes dotted names.
enum TorchPickle {
    /// Parses a persistent id `('storage', <StorageType>, key, location, numel[, view_metadata])`.
    /// The sixth element appears only in the legacy format: `None` or `(view_key, offset, view_size)`.
    static func storage(from identifier: PickleValue, arena: PickleArena, path: String, member: String, offset: Int)
        throws(CheckpointError) -> PickleValue
    {
        func malformed(_ reason: String) -> CheckpointError {
            .malformedPickle(path: path, member: member, offset: offset, reason: reason)
        }
        guard let items = arena.sequence(identifier), items.count == 5 || items.count == 6 else {
            throw malformed("persistent id is not a storage tuple")
        }
        guard case .string("storage") = items[0] else { throw malformed("persistent id of an unknown kind") }
        guard case .global(let type) = items[1], case .storageType(let dtype) = type.role else {
            throw malformed("persistent id without a known storage type")
        }
        let key: String
        switch items[2] {
        case .string(let text): key = text
        case .int(let number): key = String(number)
        default: throw malformed("storage key is not a string")
        }
        guard case .int(let count) = items[4], count >= 0, let elementCount = Int(exactly: count) else {
            throw malformed("storage size is not a non-negative integer")
        }
        var viewOffset = 0
        if items.count == 6, items[5] != .none {
            guard let view = arena.sequence(items[5]), view.count == 3, case .int(let start) = view[1], start >= 0
            else {
                throw malformed("legacy view metadata is not (key, offset, size)")
            }
            viewOffset = Int(start)
        }
        return arena.add(
            .storage(StorageReference(key: key, dtype: dtype, elementCount: elementCount, viewOffset: viewOffset)))
    }

    /// Keys under which training scripts commonly wrap a state dict, most specific first.
    static let wrapperKeys = [
        "state_dict", "model_state_dict", "model", "module", "net", "network", "weights", "params",
    ]

    struct LocatedStateDict {
        var tensors: [(name: String, tensor: TensorReference)]
        var wrapperKey: String
        var notes: [String]
    }

    /// Finds the state dict in the unpickled root: the root itself, or a dict under a known wrapper
    /// key (`{"state_dict": …, "meta": …}` as MMSegmentation and most trainers write), and strips a
    /// DistributedDataParallel `module.` prefix when every name has it.
    static func locateStateDict(root: PickleValue, arena: PickleArena, path: String, limits: ReaderLimits)
        throws(CheckpointError) -> LocatedStateDict
    {
        var current = root
        var wrapper: [String] = []
        var notes: [String] = []
        for _ in 0..<4 {
            guard let entries = arena.dictEntries(current) else { break }
            if entries.contains(where: { arena.tensor($0.value) != nil }) { break }
            let next = wrapperKeys.lazy.compactMap { key -> (String, PickleValue)? in
                guard let value = entries.first(where: { $0.key == .string(key) })?.value,
                    arena.dictEntries(value) != nil
                else { return nil }
                return (key, value)
            }.first
            guard let (key, value) = next else { break }
            let others = entries.compactMap { entry -> String? in
                if case .string(let name) = entry.key, name != key { return name }
                return nil
            }
            if !others.isEmpty { notes.append("ignored wrapper entries: \(others.joined(separator: ", "))") }
            wrapper.append(key)
            current = value
        }
        guard let entries = arena.dictEntries(current) else {
            throw .noTensors(path: path, detail: "the pickled object is not a dict of tensors")
        }
        var tensors: [(name: String, tensor: TensorReference)] = []
        var ignored: [String] = []
        for entry in entries {
            guard case .string(let name) = entry.key else { continue }
            if let tensor = arena.tensor(entry.value) {
                tensors.append((name, tensor))
            } else {
                ignored.append(name)
            }
        }
        if !ignored.isEmpty {
            notes.append(
                "ignored non-tensor entries: \(ignored.prefix(20).joined(separator: ", "))\(ignored.count > 20 ? ", …" : "")"
            )
        }
        guard !tensors.isEmpty else {
            throw .noTensors(
                path: path,
                detail: wrapper.isEmpty
                    ? "the root dict holds no tensors" : "'\(wrapper.joined(separator: "."))' holds no tensors")
        }
        if tensors.allSatisfy({ $0.name.hasPrefix("module.") }) {
            tensors = tensors.map { (String($0.name.dropFirst("module.".count)), $0.tensor) }
            notes.append("removed the DistributedDataParallel prefix 'module.'")
        }
        return LocatedStateDict(tensors: tensors, wrapperKey: wrapper.joined(separator: "."), notes: notes)
    }

    /// Walks a TorchScript module tree: every tensor attribute becomes a dotted name built from the
    /// attribute path (`visual.transformer.resblocks.0.attn.in_proj_weight`).
    static func moduleTensors(root: PickleValue, arena: PickleArena, path: String, limits: ReaderLimits)
        throws(CheckpointError) -> [(name: String, tensor: TensorReference)]
    {
        var result: [(name: String, tensor: TensorReference)] = []
        var visited = Set<Int>()
        // Explicit stack, not recursion: depth is bounded by `maxObjectDepth` all the same.
        var pending: [(value: PickleValue, prefix: String, depth: Int)] = [(root, "", 0)]
        while let (value, prefix, depth) = pending.popLast() {
            guard depth <= limits.maxObjectDepth else {
                throw .limitExceeded(
                    path: path, limit: "module nesting depth", value: depth, maximum: limits.maxObjectDepth)
            }
            guard case .node(let index) = value, visited.insert(index).inserted else { continue }
            guard case .object(_, let state) = arena[index], let state, let attributes = arena.dictEntries(state) else {
                continue
            }
            var children: [(value: PickleValue, prefix: String, depth: Int)] = []
            for attribute in attributes {
                guard case .string(let name) = attribute.key else { continue }
                let dotted = prefix.isEmpty ? name : prefix + "." + name
                if let tensor = arena.tensor(attribute.value) {
                    result.append((dotted, tensor))
                } else if case .object? = arena.node(attribute.value) {
                    children.append((attribute.value, dotted, depth + 1))
                }
            }
            // Reverse so that popping visits children in attribute order (file order of names).
            pending.append(contentsOf: children.reversed())
        }
        guard !result.isEmpty else {
            throw .noTensors(path: path, detail: "the TorchScript module tree holds no tensors")
        }
        return result
    }
}
