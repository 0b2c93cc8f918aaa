import Inference

/// Every `--json` output, in `JSONText`'s style; a value that cannot be encoded still prints JSON.
enum JSONOutput {
    static func text<T: Encodable>(_ value: T) -> String {
        do {
            return try JSONText.encode(value)
        } catch {
            return "{\"error\": \"cannot encode the result: \(error)\"}"
        }
    }
}
