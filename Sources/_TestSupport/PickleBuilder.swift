public import Pickle

/// Builds pickle programs opcode by opcode, for unit tests of the pickle reader (the opcodes are
/// the shared `PickleOpcode` table; `raw` still writes any byte, for malformed programs).
public struct PickleBuilder {
    public private(set) var bytes: [UInt8] = []

    public init(protocol version: UInt8 = 2) {
        if version >= 2 { bytes = [PickleOpcode.proto.rawValue, version] }
    }

    public mutating func raw(_ values: UInt8...) { bytes += values }
    public mutating func raw(_ values: [UInt8]) { bytes += values }
    public mutating func op(_ opcode: PickleOpcode) { bytes.append(opcode.rawValue) }

    public mutating func global(_ module: String, _ name: String) {
        op(.global)
        bytes += Array(module.utf8) + [0x0A] + Array(name.utf8) + [0x0A]
    }

    public mutating func string(_ text: String) {
        let utf8 = Array(text.utf8)
        op(.binUnicode)
        bytes += Self.littleEndian(UInt32(utf8.count))
        bytes += utf8
    }

    public mutating func int(_ value: Int32) {
        op(.binInt)
        bytes += Self.littleEndian(UInt32(bitPattern: value))
    }

    public mutating func mark() { op(.mark) }
    public mutating func tuple() { op(.tuple) }
    public mutating func emptyTuple() { op(.emptyTuple) }
    public mutating func emptyDict() { op(.emptyDict) }
    public mutating func emptyList() { op(.emptyList) }
    public mutating func setItems() { op(.setItems) }
    public mutating func setItem() { op(.setItem) }
    public mutating func append() { op(.append) }
    public mutating func appends() { op(.appends) }
    public mutating func reduce() { op(.reduce) }
    public mutating func newObj() { op(.newObj) }
    public mutating func build() { op(.build) }
    public mutating func binPersID() { op(.binPersID) }
    public mutating func binPut(_ index: UInt8) { bytes += [PickleOpcode.binPut.rawValue, index] }
    public mutating func binGet(_ index: UInt8) { bytes += [PickleOpcode.binGet.rawValue, index] }
    public mutating func newTrue() { op(.newTrue) }
    public mutating func newFalse() { op(.newFalse) }
    public mutating func none() { op(.none) }
    public mutating func stop() { op(.stop) }

    /// `('storage', torch.<type>, key, 'cpu', numel)` followed by BINPERSID.
    public mutating func storage(type: String, key: String, elementCount: Int32) {
        mark()
        string("storage")
        global("torch", type)
        string(key)
        string("cpu")
        int(elementCount)
        tuple()
        binPersID()
    }

    /// `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict())`.
    public mutating func tensor(
        type: String, key: String, storageElements: Int32, offset: Int32, shape: [Int32], strides: [Int32]
    ) {
        global("torch._utils", "_rebuild_tensor_v2")
        mark()
        storage(type: type, key: key, elementCount: storageElements)
        int(offset)
        mark(); for dimension in shape { int(dimension) }; tuple()
        mark(); for stride in strides { int(stride) }; tuple()
        newFalse()
        global("collections", "OrderedDict")
        emptyTuple()
        reduce()
        tuple()
        reduce()
    }

    static func littleEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value & 0xFF), UInt8((value >> 8) & 0xFF), UInt8((value >> 16) & 0xFF), UInt8(value >> 24)]
    }
}
