import Foundation

/// The JSON style of the files this target writes: pretty, sorted keys, unescaped slashes.
enum JSONText {
    static func encode<T: Encodable>(_ value: T) throws(InferenceError) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        do {
            return String(decoding: try encoder.encode(value), as: UTF8.self)
        } catch {
            throw .write(path: "JSON", reason: "cannot encode: \(error)")
        }
    }
}
