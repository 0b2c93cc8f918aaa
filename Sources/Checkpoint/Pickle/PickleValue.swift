import TensorCore

/// A value on the pickle VM's stack or in its memo.
///
/// Scalars are stored inline. Everything that can contain other values lives in a `PickleArena`
/// and is referred to by index, so a hostile pickle nesting a million lists cannot make Swift
/// release a million nested objects recursively (which would overflow the stack).
enum PickleValue: Hashable {
    case none
    case bool(Bool)
    case int(Int64)
    /// An integer wider than 64 bits, as little-endian two's-complement bytes (the legacy format's
    /// magic number is one); never used as a size.
    case bigInteger([UInt8])
    case float(Double)
    case string(String)
    case bytes([UInt8])
    /// A class or function named by GLOBAL/STACK_GLOBAL that the allowlist accepted.
    case global(AllowedGlobal)
    /// Index of a composite value in the arena.
    case node(Int)
}

/// Composite values produced while unpickling.
enum PickleNode {
    case tuple([PickleValue])
    case list([PickleValue])
    /// Insertion-ordered, as Python dicts are.
    case dict(PickleDict)
    case set([PickleValue])
    /// An instance of a TorchScript class (`__torch__.…`), with the attribute dict set by BUILD.
    case object(className: String, state: PickleValue?)
    /// A storage named by a persistent id: bytes in a record of the container.
    case storage(StorageReference)
    /// A tensor view over a storage.
    case tensor(TensorReference)
    /// A numpy dtype descriptor such as `f8` (only used to decode numpy scalars in metadata).
    case numpyDType(String)
}

/// An insertion-ordered dictionary; a later SETITEM with an equal key replaces the value, as in Python.
struct PickleDict {
    private(set) var entries: [(key: PickleValue, value: PickleValue)] = []
    private var positions: [PickleValue: Int] = [:]

    mutating func set(_ key: PickleValue, _ value: PickleValue) {
        if let position = positions[key] {
            entries[position].value = value
        } else {
            positions[key] = entries.count
            entries.append((key, value))
        }
    }

    var count: Int { entries.count }
}

/// A storage a checkpoint refers to by key; the container knows where its bytes are.
public struct StorageReference: Sendable, Equatable, Hashable {
    /// Record key (`data/<key>` in zip archives; the root key in legacy files).
    public let key: String
    public let dtype: DType
    /// Declared number of elements.
    public let elementCount: Int
    /// Legacy-format views of a larger storage: offset of this view in elements.
    public let viewOffset: Int

    public init(key: String, dtype: DType, elementCount: Int, viewOffset: Int = 0) {
        self.key = key
        self.dtype = dtype
        self.elementCount = elementCount
        self.viewOffset = viewOffset
    }
}

/// A tensor as a view over a storage, before any byte is read.
public struct TensorReference: Sendable, Equatable {
    public let storage: StorageReference
    public let storageOffset: Int
    public let shape: [Int]
    public let strides: [Int]
}

/// Owns the composite values of one unpickling.
final class PickleArena {
    private(set) var nodes: [PickleNode] = []

    func add(_ node: PickleNode) -> PickleValue {
        nodes.append(node)
        return .node(nodes.count - 1)
    }

    subscript(index: Int) -> PickleNode {
        get { nodes[index] }
        set { nodes[index] = newValue }
    }

    /// Appends to the list or set at `index` in place: the node's array is taken out of the arena
    /// before it grows, so it is uniquely referenced and grows without being copied (APPEND in a
    /// loop stays linear). False when the node is not of that kind.
    func append(_ items: [PickleValue], toListOrSetAt index: Int, set: Bool) -> Bool {
        guard var members = takeItems(at: index, set: set) else { return false }
        members += items
        nodes[index] = set ? .set(members) : .list(members)
        return true
    }

    /// Sets dict entries at `index` in place (as `append`); false when the node is not a dict.
    func setItems(_ pairs: [PickleValue], inDictAt index: Int) -> Bool {
        guard var dict = takeDict(at: index) else { return false }
        var position = 0
        while position + 1 < pairs.count {
            dict.set(pairs[position], pairs[position + 1])
            position += 2
        }
        nodes[index] = .dict(dict)
        return true
    }

    /// The items of the list (or set) at `index`, leaving a placeholder: the caller holds the only
    /// reference. (A `switch` over `nodes[index]` would keep a second one alive while it runs.)
    private func takeItems(at index: Int, set: Bool) -> [PickleValue]? {
        let items: [PickleValue]
        switch (nodes[index], set) {
        case (.list(let list), false): items = list
        case (.set(let members), true): items = members
        default: return nil
        }
        nodes[index] = .tuple([])
        return items
    }

    private func takeDict(at index: Int) -> PickleDict? {
        guard case .dict(let dict) = nodes[index] else { return nil }
        nodes[index] = .tuple([])
        return dict
    }

    /// The node a value refers to, if it is a composite.
    func node(_ value: PickleValue) -> PickleNode? {
        if case .node(let index) = value { return nodes[index] }
        return nil
    }

    func tensor(_ value: PickleValue) -> TensorReference? {
        if case .tensor(let reference)? = node(value) { return reference }
        return nil
    }

    /// Dict entries of a dict value.
    func dictEntries(_ value: PickleValue) -> [(key: PickleValue, value: PickleValue)]? {
        if case .dict(let dict)? = node(value) { return dict.entries }
        return nil
    }

    /// Items of a tuple or list value.
    func sequence(_ value: PickleValue) -> [PickleValue]? {
        switch node(value) {
        case .tuple(let items)?, .list(let items)?: return items
        default: return nil
        }
    }
}
