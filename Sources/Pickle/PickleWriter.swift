public import TensorCore

/// Writes the pickle program of a `torch.save` state dict, protocol 2, with only the opcodes and
/// globals PyTorch's weights-only unpickler accepts (`torch/_weights_only_unpickler.py`): GLOBAL,
/// REDUCE, BINPERSID, MARK, TUPLE, EMPTY_TUPLE, SETITEMS, BINUNICODE, BININT*, LONG1, NEWFALSE,
/// BINPUT, and for a training checkpoint's `meta` EMPTY_DICT, EMPTY_LIST, APPENDS and BINFLOAT. No
/// other code path exists, so nothing else can be emitted.
///
/// The object is `OrderedDict([(key, tensor), …])`; each tensor is
/// `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict())` over its
/// own storage, a persistent id `('storage', torch.<Type>Storage, '<index>', 'cpu', numel)` whose
/// bytes are the archive member `data/<index>`.
public struct PickleWriter: Sendable {
    public private(set) var bytes: [UInt8] = [PickleOpcode.proto.rawValue, 2]
    private var memo = 0

    public init() {}

    /// A plain Python value of a checkpoint's `meta` (what MMSegmentation stores there).
    public indirect enum Literal: Equatable, Sendable {
        case string(String)
        case int(Int)
        case double(Double)
        case list([Literal])
        case tuple([Literal])
        /// Keys in order.
        case dict([(key: String, value: Literal)])

        public static func == (lhs: Literal, rhs: Literal) -> Bool {
            switch (lhs, rhs) {
            case (.string(let a), .string(let b)): return a == b
            case (.int(let a), .int(let b)): return a == b
            case (.double(let a), .double(let b)): return a.bitPattern == b.bitPattern
            case (.list(let a), .list(let b)), (.tuple(let a), .tuple(let b)): return a == b
            case (.dict(let a), .dict(let b)):
                return a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
            default: return false
            }
        }
    }

    public mutating func op(_ opcode: PickleOpcode) { bytes.append(opcode.rawValue) }

    public mutating func global(_ module: String, _ name: String) {
        op(.global)
        bytes += Array("\(module)\n\(name)\n".utf8)
        put()
    }

    /// Memoises the top of the stack, as Python's pickler does for each new object.
    public mutating func put() {
        if memo < 256 {
            op(.binPut)
            bytes.append(UInt8(memo))
        } else {
            op(.longBinPut)
            bytes.appendLittleEndian(UInt32(memo))
        }
        memo += 1
    }

    public mutating func string(_ text: String) {
        let utf8 = Array(text.utf8)
        op(.binUnicode)
        bytes.appendLittleEndian(UInt32(utf8.count))
        bytes += utf8
        put()
    }

    public mutating func int(_ value: Int) {
        switch value {
        case 0..<256:
            op(.binInt1)
            bytes.append(UInt8(value))
        case 256..<65_536:
            op(.binInt2)
            bytes.appendLittleEndian(UInt16(value))
        case Int(Int32.min)...Int(Int32.max):
            op(.binInt)
            bytes.appendLittleEndian(Int32(value))
        default:
            // LONG1: little-endian two's complement, 8 bytes always suffice for Int.
            op(.long1)
            bytes.append(8)
            bytes.appendLittleEndian(Int64(value))
        }
    }

    public mutating func intTuple(_ values: [Int]) {
        if values.isEmpty {
            op(.emptyTuple)
            return
        }
        op(.mark)
        for value in values { int(value) }
        op(.tuple)
        put()
    }

    /// Writes `value` as Python's pickler does (lists and dicts filled in batches of 1000).
    public mutating func literal(_ value: Literal) {
        switch value {
        case .string(let text): string(text)
        case .int(let number): int(number)
        case .double(let number):
            op(.binFloat)
            // BINFLOAT is big-endian.
            bytes.appendLittleEndian(number.bitPattern.byteSwapped)
        case .tuple(let items):
            if items.isEmpty {
                op(.emptyTuple)
                return
            }
            op(.mark)
            for item in items { literal(item) }
            op(.tuple)
            put()
        case .list(let items):
            op(.emptyList)
            put()
            for batchStart in stride(from: 0, to: items.count, by: 1000) {
                op(.mark)
                for item in items[batchStart..<min(items.count, batchStart + 1000)] { literal(item) }
                op(.appends)
            }
        case .dict(let entries):
            op(.emptyDict)
            put()
            for batchStart in stride(from: 0, to: entries.count, by: 1000) {
                op(.mark)
                for entry in entries[batchStart..<min(entries.count, batchStart + 1000)] {
                    string(entry.key)
                    literal(entry.value)
                }
                op(.setItems)
            }
        }
    }

    public mutating func emptyOrderedDict() {
        global("collections", "OrderedDict")
        op(.emptyTuple)
        op(.reduce)
        put()
    }

    public mutating func tensor(storageKey: String, dtype: DType, shape: [Int]) {
        global("torch._utils", "_rebuild_tensor_v2")
        op(.mark)
        // The persistent id tuple, then BINPERSID.
        op(.mark)
        string("storage")
        global("torch", TorchStorageType.name(of: dtype))
        string(storageKey)
        string("cpu")
        int(shape.reduce(1, *))
        op(.tuple)
        put()
        op(.binPersID)
        int(0)
        intTuple(shape)
        var strides = [Int](repeating: 1, count: shape.count)
        for axis in stride(from: shape.count - 2, through: 0, by: -1) {
            strides[axis] = strides[axis + 1] * shape[axis + 1]
        }
        intTuple(strides)
        op(.newFalse)
        emptyOrderedDict()
        op(.tuple)
        put()
        op(.reduce)
        put()
    }

    /// The whole program for a state dict of `items` (key, dtype, shape), storages keyed by index.
    public static func stateDict(_ items: [(key: String, dtype: DType, shape: [Int])]) -> [UInt8] {
        var writer = PickleWriter()
        writer.orderedStateDict(items)
        writer.op(.stop)
        return writer.bytes
    }

    /// A training checkpoint as MMSegmentation saves one: `{"meta": meta, "state_dict": OrderedDict(…)}`.
    public static func checkpoint(meta: Literal, stateDict items: [(key: String, dtype: DType, shape: [Int])])
        -> [UInt8]
    {
        var writer = PickleWriter()
        writer.op(.emptyDict)
        writer.put()
        writer.op(.mark)
        writer.string("meta")
        writer.literal(meta)
        writer.string("state_dict")
        writer.orderedStateDict(items)
        writer.op(.setItems)
        writer.op(.stop)
        return writer.bytes
    }

    private mutating func orderedStateDict(_ items: [(key: String, dtype: DType, shape: [Int])]) {
        emptyOrderedDict()
        // SETITEMS in batches of 1000, as Python's pickler does.
        for batchStart in stride(from: 0, to: items.count, by: 1000) {
            op(.mark)
            for index in batchStart..<min(items.count, batchStart + 1000) {
                string(items[index].key)
                tensor(storageKey: String(index), dtype: items[index].dtype, shape: items[index].shape)
            }
            op(.setItems)
        }
    }
}

extension [UInt8] {
    mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        for index in 0..<(T.bitWidth / 8) { append(UInt8(truncatingIfNeeded: value >> (8 * index))) }
    }
}
