import Foundation

/// The one JSON style of the files this target writes and of every command's `--json` output: pretty,
/// sorted keys (equal results are equal bytes), unescaped slashes, non-finite numbers as strings.
public enum JSONText {
    public static func encode<T: Encodable>(_ value: T) throws(InferenceError) -> String {
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
