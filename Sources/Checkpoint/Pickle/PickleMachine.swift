import Foundation
import Pickle
import TensorCore

/// A pickle virtual machine that executes nothing.
///
/// It understands the opcodes of protocols 0–5 that `torch.save` and `torch.jit.save` emit, keeps
/// every object symbolic, resolves globals only through `GlobalAllowlist`, and interprets the few
/// allowed callables (tensor rebuild, OrderedDict, …) as data. Sizes read from the pickle are
/// checked against the bytes left and `ReaderLimits` before any allocation.
final class PickleMachine {
    /// Turns a persistent id (the operand of BINPERSID/PERSID) into a value, usually a storage.
    typealias PersistentLoader = (_ id: PickleValue, _ arena: PickleArena, _ offset: Int) throws(CheckpointError) ->
        PickleValue

    let input: PickleInput
    let context: PickleContext
    let limits: ReaderLimits
    let arena = PickleArena()
    private let persistentLoad: PersistentLoader
    private var stack: [PickleValue] = []
    private var marks: [Int] = []
    private var memo: [Int: PickleValue] = [:]
    /// Offset of the opcode being executed, for error messages.
    private var opcodeOffset = 0
    /// Work and memory spent so far, against `limits.maxPickleOperations`, `maxContainerItems`
    /// and `maxValueBytes`.
    private var operations = 0
    private var containerItems = 0
    private var valueBytes = 0
    private static let slotBytes = MemoryLayout<PickleValue>.stride

    init(input: PickleInput, context: PickleContext, limits: ReaderLimits, persistentLoad: @escaping PersistentLoader) {
        self.input = input
        self.context = context
        self.limits = limits
        self.persistentLoad = persistentLoad
    }

    /// Runs the program up to STOP and returns the unpickled root value. `input.position` is then
    /// just past STOP, which lets the legacy reader run several pickles in a row.
    func run() throws(CheckpointError) -> PickleValue {
        while true {
            opcodeOffset = input.position
            operations += 1
            guard operations <= limits.maxPickleOperations else {
                throw limit("pickle operations", operations, limits.maxPickleOperations)
            }
            let byte = try input.readByte()
            guard let opcode = PickleOpcode(rawValue: byte) else {
                throw .unsupportedOpcode(path: input.path, member: input.member, opcode: byte, offset: opcodeOffset)
            }
            if opcode == .stop {
                guard let result = stack.last else { throw malformed("STOP with an empty stack") }
                return result
            }
            try execute(opcode)
        }
    }

    // MARK: - Dispatch

    private func execute(_ opcode: PickleOpcode) throws(CheckpointError) {
        switch opcode {
        case .proto:
            let version = try input.readByte()
            guard version <= 5 else { throw malformed("unknown protocol \(version)") }
        case .frame:
            let length = try readUInt(8)
            guard length <= UInt64(input.remaining) else {
                throw malformed("frame of \(length) bytes exceeds the \(input.remaining) left")
            }
        case .stop:
            break

        // Stack and memo.
        case .mark:
            guard marks.count < limits.maxMarkDepth else {
                throw limit("pickle MARK nesting", marks.count + 1, limits.maxMarkDepth)
            }
            marks.append(stack.count)
        case .pop:
            if stack.isEmpty { throw malformed("POP on an empty stack") }
            if let mark = marks.last, mark == stack.count { marks.removeLast() } else { stack.removeLast() }
        case .popMark:
            _ = try popMark()
        case .dup:
            try push(try top())
        case .put:
            try memoize(at: try textInt(), try top())
        case .binPut:
            try memoize(at: Int(try input.readByte()), try top())
        case .longBinPut:
            try memoize(at: Int(try readUInt(4)), try top())
        case .memoize:
            try memoize(at: memo.count, try top())
        case .get:
            try push(try memoValue(try textInt()))
        case .binGet:
            try push(try memoValue(Int(try input.readByte())))
        case .longBinGet:
            try push(try memoValue(Int(try readUInt(4))))

        // Scalars.
        case .none: try push(.none)
        case .newTrue: try push(.bool(true))
        case .newFalse: try push(.bool(false))
        case .binInt: try push(.int(Int64(Int32(bitPattern: UInt32(try readUInt(4))))))
        case .binInt1: try push(.int(Int64(try input.readByte())))
        case .binInt2: try push(.int(Int64(try readUInt(2))))
        case .long1: try push(try longValue(count: Int(try input.readByte())))
        case .long4:
            let count = Int(Int32(bitPattern: UInt32(try readUInt(4))))
            guard count >= 0 else { throw malformed("negative LONG4 length") }
            try push(try longValue(count: count))
        case .int:
            let text = try textLine()
            if text == "00" {
                try push(.bool(false))
            } else if text == "01" {
                try push(.bool(true))
            } else {
                guard let value = Int64(text) else {
                    throw malformed("INT operand '\(text.prefix(40))' is not an integer that fits in 64 bits")
                }
                try push(.int(value))
            }
        case .long:
            var text = try textLine()
            if text.hasSuffix("L") { text.removeLast() }
            guard let value = Int64(text) else {
                throw malformed("LONG operand '\(text.prefix(40))' does not fit in 64 bits")
            }
            try push(.int(value))
        case .float:
            let text = try textLine()
            guard let value = Double(text) else {
                throw malformed("FLOAT operand '\(text.prefix(40))' is not a number")
            }
            try push(.float(value))
        case .binFloat:
            try push(.float(Double(bitPattern: try readUInt(8, bigEndian: true))))

        // Strings and bytes.
        case .binUnicode: try push(try charged(.string(try utf8(try input.read(try length(4))))))
        case .shortBinUnicode: try push(try charged(.string(try utf8(try input.read(Int(try input.readByte()))))))
        case .binUnicode8: try push(try charged(.string(try utf8(try input.read(try length(8))))))
        case .unicode: try push(try charged(.string(try rawUnicodeEscape(try input.readLine()))))
        case .binString: try push(try charged(.string(Self.looseString(try input.read(try length(4))))))
        case .shortBinString:
            try push(try charged(.string(Self.looseString(try input.read(Int(try input.readByte()))))))
        case .string: try push(try charged(.string(try quotedString(try input.readLine()))))
        case .binBytes: try push(try charged(.bytes(try input.read(try length(4)))))
        case .shortBinBytes: try push(try charged(.bytes(try input.read(Int(try input.readByte())))))
        case .binBytes8, .byteArray8: try push(try charged(.bytes(try input.read(try length(8)))))

        // Containers.
        case .emptyTuple: try push(try add(.tuple([])))
        case .tuple: try push(try add(.tuple(try popMark())))
        case .tuple1:
            let a = try pop()
            try push(try add(.tuple([a])))
        case .tuple2:
            let b = try pop(), a = try pop()
            try push(try add(.tuple([a, b])))
        case .tuple3:
            let c = try pop(), b = try pop(), a = try pop()
            try push(try add(.tuple([a, b, c])))
        case .emptyList: try push(try add(.list([])))
        case .list: try push(try add(.list(try popMark())))
        case .append:
            let item = try pop()
            try appendItems([item], to: try top())
        case .appends:
            let items = try popMark()
            try appendItems(items, to: try top())
        case .emptyDict: try push(try add(.dict(PickleDict())))
        case .dict:
            let items = try popMark()
            try charge(items: items.count)
            try push(arena.add(.dict(try makeDict(items))))
        case .setItem:
            let value = try pop(), key = try pop()
            try setItems([key, value], in: try top())
        case .setItems:
            let items = try popMark()
            try setItems(items, in: try top())
        case .emptySet: try push(try add(.set([])))
        case .frozenSet: try push(try add(.set(try popMark())))
        case .addItems:
            let items = try popMark()
            try charge(items: items.count)
            guard case .node(let index) = try top(), arena.append(items, toListOrSetAt: index, set: true) else {
                throw malformed("ADDITEMS to a value that is not a set")
            }

        // Globals, calls and objects: interpreted, never executed.
        case .global:
            let module = try textLine()
            let name = try textLine()
            try push(.global(try allowed(module: module, name: name)))
        case .stackGlobal:
            guard case .string(let name) = try pop(), case .string(let module) = try pop() else {
                throw malformed("STACK_GLOBAL operands are not strings")
            }
            try push(.global(try allowed(module: module, name: name)))
        case .reduce:
            let arguments = try pop()
            let callable = try pop()
            try push(try call(callable, arguments))
        case .newObj:
            let arguments = try pop()
            let type = try pop()
            try push(try instantiate(type, arguments))
        case .newObjEx:
            _ = try pop()  // keyword arguments: no allowed class takes any that matter
            let arguments = try pop()
            let type = try pop()
            try push(try instantiate(type, arguments))
        case .inst:
            let module = try textLine()
            let name = try textLine()
            let type = PickleValue.global(try allowed(module: module, name: name))
            let arguments = try add(.tuple(try popMark()))
            try push(try instantiate(type, arguments))
        case .obj:
            var items = try popMark()
            guard !items.isEmpty else { throw malformed("OBJ without a class") }
            let type = items.removeFirst()
            try push(try instantiate(type, try add(.tuple(items))))
        case .build:
            let state = try pop()
            try build(try top(), state: state)
        case .binPersID:
            let identifier = try pop()
            try push(try persistentLoad(identifier, arena, opcodeOffset))
        case .persID:
            let identifier = PickleValue.string(try textLine())
            try push(try persistentLoad(identifier, arena, opcodeOffset))

        case .ext1, .ext2, .ext4, .nextBuffer, .readOnlyBuffer:
            // Extension registries and out-of-band buffers are never produced by torch.save.
            throw .unsupportedOpcode(
                path: input.path, member: input.member, opcode: opcode.rawValue, offset: opcodeOffset)
        }
    }

    // MARK: - Interpretation of allowed globals

    private func allowed(module: String, name: String) throws(CheckpointError) -> AllowedGlobal {
        guard let entry = GlobalAllowlist.resolve(module: module, name: name, context: context) else {
            throw .disallowedGlobal(path: input.path, module: module, name: name, offset: opcodeOffset)
        }
        return entry
    }

    private func call(_ callable: PickleValue, _ arguments: PickleValue) throws(CheckpointError) -> PickleValue {
        guard case .global(let function) = callable else {
            throw malformed("REDUCE on a value that is not an allowed global")
        }
        guard let args = arena.sequence(arguments) else { throw malformed("REDUCE arguments are not a tuple") }
        switch function.role {
        case .orderedDict:
            var dict = PickleDict()
            if let items = args.first {
                guard let pairs = arena.sequence(items) else {
                    throw malformed("OrderedDict argument is not a sequence")
                }
                try charge(items: 2 * pairs.count)
                for pair in pairs {
                    guard let kv = arena.sequence(pair), kv.count == 2 else {
                        throw malformed("OrderedDict item is not a pair")
                    }
                    dict.set(kv[0], kv[1])
                }
            }
            return arena.add(.dict(dict))
        case .rebuildTensorV2, .rebuildTensor:
            return try add(.tensor(try rebuildTensor(args)))
        case .rebuildParameter, .rebuildParameterWithState:
            guard let data = args.first, arena.tensor(data) != nil else {
                throw malformed("\(function.name) without a tensor")
            }
            return data
        case .rebuildFromTypeV2:
            // (function, type, args, state): only plain tensors and parameters are accepted.
            guard args.count >= 3, case .global(let inner) = args[0], case .global(let type) = args[1],
                type.role == .tensorType,
                [.rebuildTensorV2, .rebuildTensor, .rebuildParameter].contains(inner.role)
            else {
                throw malformed("_rebuild_from_type_v2 with an unsupported function or type")
            }
            return try call(args[0], args[2])
        case .torchSize:
            guard let dims = args.first.flatMap({ arena.sequence($0) }) else {
                throw malformed("torch.Size without a tuple")
            }
            return try add(.tuple(dims))
        case .torchDevice:
            guard case .string(let device)? = args.first else { throw malformed("torch.device without a name") }
            return .string(device)
        case .codecsEncode:
            guard case .string(let text)? = args.first else { throw malformed("_codecs.encode without a string") }
            // Protocol 2 stores bytes as their latin-1 decoding; encode back byte for byte.
            try charge(items: 0, bytes: text.utf8.count)
            var bytes: [UInt8] = []
            for scalar in text.unicodeScalars {
                guard scalar.value <= 0xFF else { throw malformed("_codecs.encode of a non-latin-1 string") }
                bytes.append(UInt8(scalar.value))
            }
            return .bytes(bytes)
        case .numpyDType:
            guard case .string(let code)? = args.first else { throw malformed("numpy.dtype without a type code") }
            return try add(.numpyDType(code))
        case .numpyScalar:
            guard args.count == 2, case .numpyDType(let code)? = arena.node(args[0]), case .bytes(let raw) = args[1]
            else {
                throw malformed("numpy scalar without a dtype and bytes")
            }
            return try numpyScalar(code: code, raw: raw)
        case .jitBuildList:
            guard let list = args.first else { throw malformed("\(function.name) without a list") }
            return list
        case .jitRestoreTypeTag:
            guard let value = args.first else { throw malformed("restore_type_tag without a value") }
            return value
        case .scriptClass:
            return try add(.object(className: "\(function.module).\(function.name)", state: nil))
        case .storageType, .tensorType, .torchDType:
            throw malformed("'\(function.module).\(function.name)' is a type, not a function a weights file calls")
        }
    }

    private func instantiate(_ type: PickleValue, _ arguments: PickleValue) throws(CheckpointError) -> PickleValue {
        guard case .global(let cls) = type else { throw malformed("NEWOBJ on a value that is not an allowed class") }
        switch cls.role {
        case .scriptClass:
            return try add(.object(className: "\(cls.module).\(cls.name)", state: nil))
        case .orderedDict:
            return try add(.dict(PickleDict()))
        default:
            throw malformed("'\(cls.module).\(cls.name)' cannot be instantiated by NEWOBJ")
        }
    }

    private func build(_ target: PickleValue, state: PickleValue) throws(CheckpointError) {
        guard case .node(let index) = target else { throw malformed("BUILD on a scalar") }
        switch arena[index] {
        case .object(let className, _):
            arena[index] = .object(className: className, state: state)
        case .dict, .tensor, .numpyDType:
            // OrderedDict `_metadata`, Parameter state, numpy dtype flags: carry no weights.
            break
        default:
            throw malformed("BUILD on a value that takes no state")
        }
    }

    private func rebuildTensor(_ args: [PickleValue]) throws(CheckpointError) -> TensorReference {
        guard args.count >= 4, case .storage(let storage)? = arena.node(args[0]) else {
            throw malformed("tensor rebuild without a storage")
        }
        guard case .int(let offset) = args[1], offset >= 0 else {
            throw malformed("tensor storage offset is not a non-negative integer")
        }
        let shape = try intTuple(args[2], what: "size")
        let strides = try intTuple(args[3], what: "stride")
        guard shape.count == strides.count else {
            throw malformed("tensor size \(shape) and stride \(strides) differ in rank")
        }
        guard shape.count <= limits.maxTensorRank else { throw limit("tensor rank", shape.count, limits.maxTensorRank) }
        guard shape.allSatisfy({ $0 >= 0 }), strides.allSatisfy({ $0 >= 0 }) else {
            throw malformed("negative tensor size or stride")
        }
        return TensorReference(storage: storage, storageOffset: Int(offset), shape: shape, strides: strides)
    }

    private func intTuple(_ value: PickleValue, what: String) throws(CheckpointError) -> [Int] {
        guard let items = arena.sequence(value) else { throw malformed("tensor \(what) is not a tuple") }
        var result: [Int] = []
        result.reserveCapacity(items.count)
        for item in items {
            guard case .int(let number) = item, let exact = Int(exactly: number) else {
                throw malformed("tensor \(what) holds a non-integer")
            }
            result.append(exact)
        }
        return result
    }

    private func numpyScalar(code: String, raw: [UInt8]) throws(CheckpointError) -> PickleValue {
        let kind = code.trimmingCharacters(in: CharacterSet(charactersIn: "<=|"))
        func integer(signed: Bool) -> Int64 {
            var value: UInt64 = 0
            for (position, byte) in raw.prefix(8).enumerated() { value |= UInt64(byte) << (8 * UInt64(position)) }
            if signed, raw.count < 8, let last = raw.last, last & 0x80 != 0 { value |= ~0 << (8 * UInt64(raw.count)) }
            return Int64(bitPattern: value)
        }
        switch (kind, raw.count) {
        case ("f8", 8): return .float(Double(bitPattern: UInt64(bitPattern: integer(signed: false))))
        case ("f4", 4): return .float(Double(Float(bitPattern: UInt32(truncatingIfNeeded: integer(signed: false)))))
        case ("i8", 8), ("i4", 4), ("i2", 2), ("i1", 1): return .int(integer(signed: true))
        case ("u8", 8), ("u4", 4), ("u2", 2), ("u1", 1): return .int(integer(signed: false))
        case ("b1", 1): return .bool(raw[0] != 0)
        default: throw malformed("numpy scalar of dtype '\(code)' with \(raw.count) bytes")
        }
    }

    // MARK: - Containers

    private func appendItems(_ items: [PickleValue], to target: PickleValue) throws(CheckpointError) {
        try charge(items: items.count)
        guard case .node(let index) = target, arena.append(items, toListOrSetAt: index, set: false) else {
            throw malformed("APPEND to a value that is not a list")
        }
    }

    private func setItems(_ items: [PickleValue], in target: PickleValue) throws(CheckpointError) {
        guard items.count % 2 == 0 else { throw malformed("SETITEMS with an odd number of values") }
        try charge(items: items.count)
        guard case .node(let index) = target, arena.setItems(items, inDictAt: index) else {
            throw malformed("SETITEM on a value that is not a dict")
        }
    }

    /// Adds a composite to the arena, charging its items to the budgets.
    private func add(_ node: PickleNode) throws(CheckpointError) -> PickleValue {
        switch node {
        case .tuple(let items), .list(let items), .set(let items): try charge(items: items.count)
        case .dict(let dict): try charge(items: 2 * dict.count)
        default: try charge(items: 1)
        }
        return arena.add(node)
    }

    /// A string or bytes value, its payload charged to the value budget.
    private func charged(_ value: PickleValue) throws(CheckpointError) -> PickleValue {
        switch value {
        case .string(let text): try charge(items: 0, bytes: text.utf8.count)
        case .bytes(let bytes): try charge(items: 0, bytes: bytes.count)
        default: break
        }
        return value
    }

    /// Charges `items` container slots and `bytes` of payload to the work and memory budgets.
    private func charge(items: Int, bytes: Int = 0) throws(CheckpointError) {
        containerItems += items
        valueBytes += items * Self.slotBytes + bytes
        guard containerItems <= limits.maxContainerItems else {
            throw limit("pickle container items", containerItems, limits.maxContainerItems)
        }
        guard valueBytes <= limits.maxValueBytes else {
            throw limit("bytes of unpickled values", valueBytes, limits.maxValueBytes)
        }
    }

    private func makeDict(_ items: [PickleValue]) throws(CheckpointError) -> PickleDict {
        guard items.count % 2 == 0 else { throw malformed("DICT with an odd number of values") }
        var dict = PickleDict()
        var position = 0
        while position < items.count {
            dict.set(items[position], items[position + 1])
            position += 2
        }
        return dict
    }

    // MARK: - Stack, memo, operands

    private func push(_ value: PickleValue) throws(CheckpointError) {
        guard stack.count < limits.maxStackDepth else {
            throw limit("pickle stack depth", stack.count + 1, limits.maxStackDepth)
        }
        stack.append(value)
    }

    private func pop() throws(CheckpointError) -> PickleValue {
        guard let value = stack.popLast() else { throw malformed("pop from an empty stack") }
        if let mark = marks.last, mark > stack.count { throw malformed("operand taken from below a MARK") }
        return value
    }

    private func top() throws(CheckpointError) -> PickleValue {
        guard let value = stack.last else { throw malformed("empty stack") }
        return value
    }

    private func popMark() throws(CheckpointError) -> [PickleValue] {
        guard let mark = marks.popLast() else { throw malformed("no MARK to pop to") }
        let items = Array(stack[mark...])
        stack.removeSubrange(mark...)
        return items
    }

    private func memoize(at index: Int, _ value: PickleValue) throws(CheckpointError) {
        guard index >= 0 else { throw malformed("negative memo index") }
        guard memo.count < limits.maxMemoEntries || memo[index] != nil else {
            throw limit("pickle memo size", memo.count + 1, limits.maxMemoEntries)
        }
        memo[index] = value
    }

    private func memoValue(_ index: Int) throws(CheckpointError) -> PickleValue {
        guard let value = memo[index] else { throw malformed("memo entry \(index) was never stored") }
        return value
    }

    private func readUInt(_ count: Int, bigEndian: Bool = false) throws(CheckpointError) -> UInt64 {
        let bytes = try input.read(count)
        var value: UInt64 = 0
        for (position, byte) in bytes.enumerated() {
            let shift = bigEndian ? 8 * UInt64(count - 1 - position) : 8 * UInt64(position)
            value |= UInt64(byte) << shift
        }
        return value
    }

    /// A length operand, checked against the bytes left before the caller allocates.
    private func length(_ count: Int) throws(CheckpointError) -> Int {
        let value = try readUInt(count)
        guard value <= UInt64(input.remaining) else {
            throw malformed("length \(value) exceeds the \(input.remaining) bytes left")
        }
        return Int(value)
    }

    /// LONG1/LONG4 operand: an `Int64` when it fits, else the raw bytes (at most 64 of them).
    private func longValue(count: Int) throws(CheckpointError) -> PickleValue {
        if count <= 8 { return .int(try littleEndianSigned(count: count)) }
        guard count <= 64 else { throw malformed("integer of \(count) bytes") }
        return .bigInteger(try input.read(count))
    }

    private func littleEndianSigned(count: Int) throws(CheckpointError) -> Int64 {
        if count == 0 { return 0 }
        let bytes = try input.read(count)
        var value: UInt64 = 0
        for (position, byte) in bytes.enumerated() { value |= UInt64(byte) << (8 * UInt64(position)) }
        if count < 8, bytes[count - 1] & 0x80 != 0 { value |= ~0 << (8 * UInt64(count)) }
        return Int64(bitPattern: value)
    }

    private func textLine() throws(CheckpointError) -> String {
        String(decoding: try input.readLine(), as: UTF8.self)
    }

    private func textInt() throws(CheckpointError) -> Int {
        let text = try textLine()
        guard let value = Int(text) else { throw malformed("memo index '\(text.prefix(40))' is not an integer") }
        return value
    }

    private func utf8(_ bytes: [UInt8]) throws(CheckpointError) -> String {
        guard let text = String(validating: bytes, as: UTF8.self) else { throw malformed("string is not valid UTF-8") }
        return text
    }

    /// Python-2 byte strings: UTF-8 when valid (torch.load decodes with utf-8), else latin-1.
    private static func looseString(_ bytes: [UInt8]) -> String {
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        return String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
    }

    /// Protocol-0 `UNICODE` operand: raw-unicode-escape (`\uXXXX`, `\UXXXXXXXX`, other bytes latin-1).
    private func rawUnicodeEscape(_ bytes: [UInt8]) throws(CheckpointError) -> String {
        var scalars = String.UnicodeScalarView()
        var position = 0
        while position < bytes.count {
            let byte = bytes[position]
            if byte == 0x5C, position + 1 < bytes.count, bytes[position + 1] == 0x75 || bytes[position + 1] == 0x55 {
                let digits = bytes[position + 1] == 0x75 ? 4 : 8
                guard position + 2 + digits <= bytes.count,
                    let value = UInt32(
                        String(decoding: bytes[(position + 2)..<(position + 2 + digits)], as: UTF8.self), radix: 16),
                    let scalar = Unicode.Scalar(value)
                else { throw malformed("bad \\u escape in UNICODE operand") }
                scalars.append(scalar)
                position += 2 + digits
            } else {
                scalars.append(Unicode.Scalar(byte))
                position += 1
            }
        }
        return String(scalars)
    }

    /// Protocol-0 `STRING` operand: a quoted Python literal with backslash escapes.
    private func quotedString(_ bytes: [UInt8]) throws(CheckpointError) -> String {
        guard bytes.count >= 2, let quote = bytes.first, quote == 0x27 || quote == 0x22, bytes.last == quote else {
            throw malformed("STRING operand is not quoted")
        }
        var output: [UInt8] = []
        var position = 1
        let end = bytes.count - 1
        while position < end {
            let byte = bytes[position]
            guard byte == 0x5C, position + 1 < end else { output.append(byte); position += 1; continue }
            let next = bytes[position + 1]
            switch next {
            case 0x6E: output.append(0x0A); position += 2  // \n
            case 0x74: output.append(0x09); position += 2  // \t
            case 0x72: output.append(0x0D); position += 2  // \r
            case 0x78:  // \xNN
                guard position + 4 <= end,
                    let value = UInt8(
                        String(decoding: bytes[(position + 2)..<(position + 4)], as: UTF8.self), radix: 16)
                else {
                    throw malformed("bad \\x escape in STRING operand")
                }
                output.append(value)
                position += 4
            default: output.append(next); position += 2  // \\ \' \"
            }
        }
        return Self.looseString(output)
    }

    private func malformed(_ reason: String) -> CheckpointError {
        .malformedPickle(path: input.path, member: input.member, offset: opcodeOffset, reason: reason)
    }

    private func limit(_ what: String, _ value: Int, _ maximum: Int) -> CheckpointError {
        .limitExceeded(path: input.path, limit: what, value: value, maximum: maximum)
    }
}
