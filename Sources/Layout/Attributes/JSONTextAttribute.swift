import Foundation

// Structured attribute values (maps, lists of records) are stored as JSON text: an HDF5 attribute is a
// scalar or a flat array. These two helpers are the only spelling of that convention.

extension KeyedEncodingContainer {
    /// Encodes `value` as one string attribute holding its JSON text (sorted keys, so equal values are
    /// equal bytes).
    mutating func encodeJSONText<Value: Encodable>(_ value: Value, forKey key: Key) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        try encode(String(decoding: try encoder.encode(value), as: UTF8.self), forKey: key)
    }
}

extension KeyedDecodingContainer {
    /// Decodes a string attribute written by `encodeJSONText`, refusing text that is not the expected JSON.
    func decodeJSONText<Value: Decodable>(_ type: Value.Type, forKey key: Key) throws -> Value {
        let text = try decode(String.self, forKey: key)
        guard let value = try? JSONDecoder().decode(Value.self, from: Data(text.utf8)) else {
            throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: "not the expected JSON")
        }
        return value
    }
}
