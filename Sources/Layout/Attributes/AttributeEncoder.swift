public import HDF5

/// Turns a `Codable` settings value into layout attributes, keyed by dotted paths: `vision.width`
/// is the attribute `width` of the group `/vision`, `embed_dim` an attribute of `/`.
///
/// Every architecture struct is written by this one encoder through its `CodingKeys` (which carry
/// the layout's spellings), so a new setting is a new stored property and nothing else. Integers
/// are written as int64, floating-point numbers as float64, `Bool` as 0/1, strings and string
/// enums as UTF-8 strings, and arrays of numbers as 1-D attributes. Nested structs become dotted
/// prefixes; `nil` optionals are left out.
public struct AttributeEncoder {
    public init() {}

    public func encode<T: Encodable>(_ value: T) throws(LayoutError) -> [String: HDF5AttributeValue] {
        let storage = AttributeStorage()
        do {
            try value.encode(to: AttributeEncoding(storage: storage, path: []))
        } catch {
            throw .schema(reason: "cannot store \(T.self) as attributes: \(error)")
        }
        return storage.values
    }
}

/// The attributes written so far, shared by every container of one encoding.
final class AttributeStorage {
    var values: [String: HDF5AttributeValue] = [:]

    func set(_ value: HDF5AttributeValue, at path: [String]) {
        values[path.joined(separator: ".")] = value
    }
}

struct AttributeEncodingError: Error, CustomStringConvertible {
    let path: [String]
    let reason: String
    var description: String { "\(path.joined(separator: ".")): \(reason)" }
}

private struct AttributeEncoding: Encoder {
    let storage: AttributeStorage
    let path: [String]
    var codingPath: [any CodingKey] { path.map(AttributeKey.init(stringValue:)) }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(KeyedAttributes<Key>(storage: storage, path: path))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        NumberList(storage: storage, path: path)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleAttribute(storage: storage, path: path)
    }
}

private struct KeyedAttributes<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let storage: AttributeStorage
    let path: [String]
    var codingPath: [any CodingKey] { path.map(AttributeKey.init(stringValue:)) }

    mutating func encodeNil(forKey key: Key) throws {}

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        let single = SingleAttribute(storage: storage, path: path + [key.stringValue])
        try single.store(value)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
        -> KeyedEncodingContainer<NestedKey>
    {
        KeyedEncodingContainer(KeyedAttributes<NestedKey>(storage: storage, path: path + [key.stringValue]))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        NumberList(storage: storage, path: path + [key.stringValue])
    }

    mutating func superEncoder() -> any Encoder { AttributeEncoding(storage: storage, path: path) }
    mutating func superEncoder(forKey key: Key) -> any Encoder {
        AttributeEncoding(storage: storage, path: path + [key.stringValue])
    }
}

/// One attribute: a scalar, a string, or (through `store`) an array of numbers.
private struct SingleAttribute: SingleValueEncodingContainer {
    let storage: AttributeStorage
    let path: [String]
    var codingPath: [any CodingKey] { path.map(AttributeKey.init(stringValue:)) }

    func store<T: Encodable>(_ value: T) throws {
        switch value {
        case let number as Int: storage.set(.int(Int64(number)), at: path)
        case let number as Int64: storage.set(.int(number), at: path)
        case let number as UInt64: storage.set(.int(Int64(bitPattern: number)), at: path)
        case let number as Double: storage.set(.double(number), at: path)
        case let flag as Bool: storage.set(.int(flag ? 1 : 0), at: path)
        case let text as String: storage.set(.string(text), at: path)
        case let numbers as [Int]: storage.set(.intArray(numbers.map(Int64.init)), at: path)
        case let numbers as [Double]: storage.set(.doubleArray(numbers), at: path)
        default: try value.encode(to: AttributeEncoding(storage: storage, path: path))
        }
    }

    mutating func encodeNil() throws {}
    mutating func encode(_ value: Bool) throws { try store(value) }
    mutating func encode(_ value: String) throws { try store(value) }
    mutating func encode(_ value: Double) throws { try store(value) }
    mutating func encode(_ value: Float) throws { try store(Double(value)) }
    mutating func encode(_ value: Int) throws { try store(value) }
    mutating func encode(_ value: Int64) throws { try store(value) }
    mutating func encode(_ value: UInt64) throws { try store(value) }
    mutating func encode<T: Encodable>(_ value: T) throws { try store(value) }
}

/// Arrays other than `[Int]`/`[Double]` have no attribute form.
private struct NumberList: UnkeyedEncodingContainer {
    let storage: AttributeStorage
    let path: [String]
    var codingPath: [any CodingKey] { path.map(AttributeKey.init(stringValue:)) }
    var count: Int { 0 }

    private func refuse() -> AttributeEncodingError {
        AttributeEncodingError(path: path, reason: "only arrays of integers or numbers can be attributes")
    }

    mutating func encodeNil() throws { throw refuse() }
    mutating func encode<T: Encodable>(_ value: T) throws { throw refuse() }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type)
        -> KeyedEncodingContainer<NestedKey>
    {
        KeyedEncodingContainer(KeyedAttributes<NestedKey>(storage: storage, path: path))
    }
    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer { self }
    mutating func superEncoder() -> any Encoder { AttributeEncoding(storage: storage, path: path) }
}

/// A coding key made from a path component.
struct AttributeKey: CodingKey {
    let stringValue: String
    init(stringValue: String) { self.stringValue = stringValue }
    var intValue: Int? { nil }
    init?(intValue: Int) { nil }
}
