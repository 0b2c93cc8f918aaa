public import HDF5

/// Reads a `Decodable` settings value back from layout attributes keyed by dotted paths (the
/// inverse of `AttributeEncoder`). A missing attribute or one of the wrong kind is a `LayoutError`
/// naming the file, the group and the attribute.
public struct AttributeDecoder {
    /// The file the attributes come from, for messages.
    public let path: String

    public init(path: String) { self.path = path }

    public func decode<T: Decodable>(_ type: T.Type, from values: [String: HDF5AttributeValue]) throws(LayoutError)
        -> T
    {
        let source = AttributeSource(values: values)
        do {
            return try T(from: AttributeDecoding(source: source, path: []))
        } catch {
            // `Decodable` is untyped: this is the one place its errors become ours.
            throw AttributeDecodingFailure(error).layoutError(file: path)
        }
    }
}

/// A string enum stored as an attribute; a value outside `allCases` is refused with the list.
public protocol AttributeChoice: RawRepresentable, CaseIterable, Codable where RawValue == String {}

extension AttributeChoice {
    static var spellings: [String] { allCases.map(\.rawValue) }
}

/// Why an attribute could not be decoded, at which dotted path.
struct AttributeDecodingFailure: Error {
    enum Kind { case missing, bad(String) }
    let path: [String]
    let kind: Kind

    init(path: [String], kind: Kind) {
        self.path = path
        self.kind = kind
    }

    /// Any error a decoding raised: ours, or one a `Decodable` implementation raised itself
    /// (`DecodingError.dataCorrupted`).
    init(_ error: any Error) {
        if let failure = error as? AttributeDecodingFailure {
            self = failure
            return
        }
        guard let error = error as? DecodingError else {
            self.init(path: [], kind: .bad("\(error)"))
            return
        }
        switch error {
        case .keyNotFound(let key, let context):
            self.init(path: context.codingPath.map(\.stringValue) + [key.stringValue], kind: .missing)
        case .valueNotFound(_, let context):
            self.init(path: context.codingPath.map(\.stringValue), kind: .missing)
        case .typeMismatch(_, let context), .dataCorrupted(let context):
            self.init(path: context.codingPath.map(\.stringValue), kind: .bad(context.debugDescription))
        @unknown default:
            self.init(path: [], kind: .bad("\(error)"))
        }
    }

    func layoutError(file: String) -> LayoutError {
        let object = "/" + path.dropLast().joined(separator: "/")
        let attribute = path.last ?? ""
        switch kind {
        case .missing: return .missingAttribute(path: file, object: object, attribute: attribute)
        case .bad(let reason): return .badAttribute(path: file, object: object, attribute: attribute, reason: reason)
        }
    }
}

/// The attributes being decoded, with every group prefix precomputed for `contains`.
final class AttributeSource {
    let values: [String: HDF5AttributeValue]
    let prefixes: Set<String>

    init(values: [String: HDF5AttributeValue]) {
        self.values = values
        var prefixes: Set<String> = []
        for key in values.keys {
            var components = key.split(separator: ".").map(String.init)
            while components.count > 1 {
                components.removeLast()
                prefixes.insert(components.joined(separator: "."))
            }
        }
        self.prefixes = prefixes
    }

    func value(at path: [String]) -> HDF5AttributeValue? { values[path.joined(separator: ".")] }

    func contains(_ path: [String]) -> Bool {
        let key = path.joined(separator: ".")
        return values[key] != nil || prefixes.contains(key)
    }
}

private struct AttributeDecoding: Decoder {
    let source: AttributeSource
    let path: [String]
    var codingPath: [any CodingKey] { path.map(AttributeKey.init(stringValue:)) }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(KeyedAttributeReader<Key>(source: source, path: path))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        throw AttributeDecodingFailure(path: path, kind: .bad("lists other than numbers are not attributes"))
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        AttributeValueReader(source: source, path: path)
    }
}

private struct KeyedAttributeReader<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let source: AttributeSource
    let path: [String]
    var codingPath: [any CodingKey] { path.map(AttributeKey.init(stringValue:)) }
    var allKeys: [Key] { [] }

    func contains(_ key: Key) -> Bool { source.contains(path + [key.stringValue]) }
    func decodeNil(forKey key: Key) throws -> Bool { !contains(key) }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try AttributeValueReader(source: source, path: path + [key.stringValue]).read(type)
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        KeyedDecodingContainer(KeyedAttributeReader<NestedKey>(source: source, path: path + [key.stringValue]))
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        throw AttributeDecodingFailure(path: path + [key.stringValue], kind: .bad("not a list of numbers"))
    }

    func superDecoder() throws -> any Decoder { AttributeDecoding(source: source, path: path) }
    func superDecoder(forKey key: Key) throws -> any Decoder {
        AttributeDecoding(source: source, path: path + [key.stringValue])
    }
}

private struct AttributeValueReader: SingleValueDecodingContainer {
    let source: AttributeSource
    let path: [String]
    var codingPath: [any CodingKey] { path.map(AttributeKey.init(stringValue:)) }

    func decodeNil() -> Bool { !source.contains(path) }

    private func stored() throws -> HDF5AttributeValue {
        guard let value = source.value(at: path) else { throw AttributeDecodingFailure(path: path, kind: .missing) }
        return value
    }

    private func bad(_ reason: String) -> AttributeDecodingFailure {
        AttributeDecodingFailure(path: path, kind: .bad(reason))
    }

    func read<T: Decodable>(_ type: T.Type) throws -> T {
        if T.self == Int.self { return try readInteger() as! T }
        if T.self == Int64.self { return Int64(try readInteger()) as! T }
        if T.self == UInt64.self { return UInt64(bitPattern: Int64(try readInteger())) as! T }
        if T.self == Double.self { return try readNumbers(count: 1)[0] as! T }
        if T.self == Bool.self {
            let value = try readInteger()
            guard value == 0 || value == 1 else { throw bad("\(value) is not 0 or 1") }
            return (value == 1) as! T
        }
        if T.self == String.self { return try readString() as! T }
        if T.self == [Int].self { return try readIntegers() as! T }
        if T.self == [Double].self { return try readNumbers(count: nil) as! T }
        if let choice = T.self as? any AttributeChoice.Type {
            return try readChoice(choice) as! T
        }
        return try T(from: AttributeDecoding(source: source, path: path))
    }

    private func readChoice<C: AttributeChoice>(_ type: C.Type) throws -> C {
        let text = try readString()
        guard let value = C(rawValue: text) else {
            throw bad("'\(text)' is not one of \(C.spellings.joined(separator: ", "))")
        }
        return value
    }

    private func readInteger() throws -> Int {
        switch try stored() {
        case .int(let value): return Int(value)
        case .intArray(let values) where values.count == 1: return Int(values[0])
        default: throw bad("not an integer")
        }
    }

    private func readIntegers() throws -> [Int] {
        switch try stored() {
        case .int(let value): return [Int(value)]
        case .intArray(let values): return values.map { Int($0) }
        default: throw bad("not integers")
        }
    }

    private func readNumbers(count: Int?) throws -> [Double] {
        let values: [Double]
        switch try stored() {
        case .double(let value): values = [value]
        case .int(let value): values = [Double(value)]
        case .doubleArray(let numbers): values = numbers
        case .intArray(let numbers): values = numbers.map(Double.init)
        case .string: throw bad(count == 1 ? "not a number" : "not numbers")
        }
        if let count, values.count != count { throw bad("\(values.count) values, expected \(count)") }
        return values
    }

    private func readString() throws -> String {
        guard case .string(let text) = try stored() else { throw bad("not a string") }
        return text
    }

    func decode(_ type: Bool.Type) throws -> Bool { try read(type) }
    func decode(_ type: String.Type) throws -> String { try read(type) }
    func decode(_ type: Double.Type) throws -> Double { try read(type) }
    func decode(_ type: Float.Type) throws -> Float { Float(try read(Double.self)) }
    func decode(_ type: Int.Type) throws -> Int { try read(type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try read(type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try read(type) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try read(type) }
}
