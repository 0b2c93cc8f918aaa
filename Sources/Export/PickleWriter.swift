import TensorCore

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
struct PickleWriter {
    private(set) var bytes: [UInt8] = [0x80, 2]  // PROTO 2
    private var memo = 0

    enum Opcode: UInt8 {
        case mark = 0x28, stop = 0x2E, binint = 0x4A, binint1 = 0x4B, binint2 = 0x4D, binpersid = 0x51
        case reduce = 0x52, binunicode = 0x58, global = 0x63, emptyTuple = 0x29, tuple = 0x74, setitems = 0x75
        case binput = 0x71, longBinput = 0x72, newfalse = 0x89, long1 = 0x8A
        case emptyDict = 0x7D, emptyList = 0x5D, appends = 0x65, binfloat = 0x47
    }

    /// A plain Python value of a checkpoint's `meta` (what MMSegmentation stores there).
    indirect enum Literal: Equatable {
        case string(String)
        case int(Int)
        case double(Double)
        case list([Literal])
        case tuple([Literal])
        /// Keys in order.
        case dict([(key: String, value: Literal)])

        static func == (lhs: Literal, rhs: Literal) -> Bool {
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

    /// The storage class `torch.save` names for each element type (`TypedStorage._pickle_storage_type`).
    static func storageClass(_ dtype: DType) -> String {
        switch dtype {
        case .f32: return "FloatStorage"
        case .f16: return "HalfStorage"
        case .bf16: return "BFloat16Storage"
        case .f64: return "DoubleStorage"
        case .i64: return "LongStorage"
        case .i32: return "IntStorage"
        case .i16: return "ShortStorage"
        case .i8: return "CharStorage"
        case .u8: return "ByteStorage"
        case .bool: return "BoolStorage"
        }
    }

    mutating func op(_ opcode: Opcode) { bytes.append(opcode.rawValue) }

    mutating func global(_ module: String, _ name: String) {
        op(.global)
        bytes += Array("\(module)\n\(name)\n".utf8)
        put()
    }

    /// Memoises the top of the stack, as Python's pickler does for each new object.
    mutating func put() {
        if memo < 256 {
            op(.binput)
            bytes.append(UInt8(memo))
        } else {
            op(.longBinput)
            bytes.appendLE(UInt32(memo))
        }
        memo += 1
    }

    mutating func string(_ text: String) {
        let utf8 = Array(text.utf8)
        op(.binunicode)
        bytes.appendLE(UInt32(utf8.count))
        bytes += utf8
        put()
    }

    mutating func int(_ value: Int) {
        switch value {
        case 0..<256:
            op(.binint1)
            bytes.append(UInt8(value))
        case 256..<65_536:
            op(.binint2)
            bytes.appendLE(UInt16(value))
        case Int(Int32.min)...Int(Int32.max):
            op(.binint)
            bytes.appendLE(Int32(value))
        default:
            // LONG1: little-endian two's complement, 8 bytes always suffice for Int.
            op(.long1)
            bytes.append(8)
            bytes.appendLE(Int64(value))
        }
    }

    mutating func intTuple(_ values: [Int]) {
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
    mutating func literal(_ value: Literal) {
        switch value {
        case .string(let text): string(text)
        case .int(let number): int(number)
        case .double(let number):
            op(.binfloat)
            // BINFLOAT is big-endian.
            bytes.appendLE(number.bitPattern.byteSwapped)
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
                op(.setitems)
            }
        }
    }

    mutating func emptyOrderedDict() {
        global("collections", "OrderedDict")
        op(.emptyTuple)
        op(.reduce)
        put()
    }

    mutating func tensor(storageKey: String, dtype: DType, shape: [Int]) {
        global("torch._utils", "_rebuild_tensor_v2")
        op(.mark)
        // The persistent id tuple, then BINPERSID.
        op(.mark)
        string("storage")
        global("torch", Self.storageClass(dtype))
        string(storageKey)
        string("cpu")
        int(shape.reduce(1, *))
        op(.tuple)
        put()
        op(.binpersid)
        int(0)
        intTuple(shape)
        var strides = [Int](repeating: 1, count: shape.count)
        for axis in stride(from: shape.count - 2, through: 0, by: -1) {
            strides[axis] = strides[axis + 1] * shape[axis + 1]
        }
        intTuple(strides)
        op(.newfalse)
        emptyOrderedDict()
        op(.tuple)
        put()
        op(.reduce)
        put()
    }

    /// The whole program for a state dict of `items` (key, dtype, shape), storages keyed by index.
    static func stateDict(_ items: [(key: String, dtype: DType, shape: [Int])]) -> [UInt8] {
        var writer = PickleWriter()
        writer.orderedStateDict(items)
        writer.op(.stop)
        return writer.bytes
    }

    /// A training checkpoint as MMSegmentation saves one: `{"meta": meta, "state_dict": OrderedDict(…)}`.
    static func checkpoint(meta: Literal, stateDict items: [(key: String, dtype: DType, shape: [Int])]) -> [UInt8] {
        var writer = PickleWriter()
        writer.op(.emptyDict)
        writer.put()
        writer.op(.mark)
        writer.string("meta")
        writer.literal(meta)
        writer.string("state_dict")
        writer.orderedStateDict(items)
        writer.op(.setitems)
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
            op(.setitems)
        }
    }
}
