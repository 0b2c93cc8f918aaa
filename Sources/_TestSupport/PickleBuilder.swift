/// Builds pickle programs opcode by opcode, for unit tests of the pickle reader.
public struct PickleBuilder {
    public private(set) var bytes: [UInt8] = []

    public init(protocol version: UInt8 = 2) {
        if version >= 2 { bytes = [0x80, version] }
    }

    public mutating func raw(_ values: UInt8...) { bytes += values }
    public mutating func raw(_ values: [UInt8]) { bytes += values }

    public mutating func global(_ module: String, _ name: String) {
        bytes.append(0x63)
        bytes += Array(module.utf8) + [0x0A] + Array(name.utf8) + [0x0A]
    }

    public mutating func string(_ text: String) {
        let utf8 = Array(text.utf8)
        bytes.append(0x58)
        bytes += Self.littleEndian(UInt32(utf8.count))
        bytes += utf8
    }

    public mutating func int(_ value: Int32) {
        bytes.append(0x4A)
        bytes += Self.littleEndian(UInt32(bitPattern: value))
    }

    public mutating func mark() { bytes.append(0x28) }
    public mutating func tuple() { bytes.append(0x74) }
    public mutating func emptyTuple() { bytes.append(0x29) }
    public mutating func emptyDict() { bytes.append(0x7D) }
    public mutating func emptyList() { bytes.append(0x5D) }
    public mutating func setItems() { bytes.append(0x75) }
    public mutating func setItem() { bytes.append(0x73) }
    public mutating func appends() { bytes.append(0x65) }
    public mutating func reduce() { bytes.append(0x52) }
    public mutating func newObj() { bytes.append(0x81) }
    public mutating func build() { bytes.append(0x62) }
    public mutating func binPersID() { bytes.append(0x51) }
    public mutating func binPut(_ index: UInt8) { bytes += [0x71, index] }
    public mutating func binGet(_ index: UInt8) { bytes += [0x68, index] }
    public mutating func newTrue() { bytes.append(0x88) }
    public mutating func newFalse() { bytes.append(0x89) }
    public mutating func none() { bytes.append(0x4E) }
    public mutating func stop() { bytes.append(0x2E) }

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
