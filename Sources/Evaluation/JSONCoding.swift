import Foundation
import TensorCore

/// JSON in and out for evaluation documents: one deterministic encoder, a size-bounded reader, and one-line
/// descriptions of decoding failures.
enum JSONCoding {
    /// Pretty-printed with sorted keys, so equal documents are equal bytes.
    static func encode<Document: Encodable>(_ document: Document) throws(EvaluationError) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            var data = try encoder.encode(document)
            data.append(UInt8(ascii: "\n"))
            return data
        } catch {
            throw .encodingFailed(reason: "\(error)")
        }
    }

    /// The bytes of `path`, refusing files larger than `limit` before reading them, and anything that is
    /// not a regular file (a FIFO would block forever).
    static func read(path: String, limit: Int) throws(EvaluationError) -> Data {
        switch RegularFile.contents(path: path, limit: limit) {
        case .success(let bytes): return Data(bytes)
        case .failure(.tooLarge): throw .fileTooLarge(path: path, limit: limit)
        case .failure(let failure): throw .unreadable(path: path, reason: failure.reason)
        }
    }

    /// Decodes `type` from `data`, describing a failure in one line for `source`.
    static func decode<Document: Decodable>(_ type: Document.Type, from data: Data, source: String)
        throws(EvaluationError) -> Document
    {
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch let error as DecodingError {
            throw .malformed(path: source, reason: describe(error))
        } catch {
            throw .malformed(path: source, reason: "not JSON (\(Self.reason(of: error)))")
        }
    }

    /// A one-line reason: where in the document (`confusion_matrix[2][5]`) and what was wrong.
    static func describe(_ error: DecodingError) -> String {
        func location(_ path: [CodingKey]) -> String {
            var text = ""
            for key in path {
                if let index = key.intValue {
                    text += "[\(index)]"
                } else {
                    text += (text.isEmpty ? "" : ".") + key.stringValue
                }
            }
            return text.isEmpty ? "the document" : text.quotedForMessage()
        }
        switch error {
        case .typeMismatch(let type, let context):
            return "\(location(context.codingPath)): expected \(Self.typeName(type))"
        case .valueNotFound(let type, let context):
            return "\(location(context.codingPath)): expected \(Self.typeName(type)), found null"
        case .keyNotFound(let key, let context):
            return "\(location(context.codingPath + [key])): missing"
        case .dataCorrupted(let context):
            // Foundation reports a non-integer, negative or too large count where an integer is expected as
            // "not valid JSON"; say what the schema needs.
            let detail = context.debugDescription.quotedForMessage(maxLength: 120)
            return context.codingPath.isEmpty
                ? "not valid JSON, or a count that is not an integer in 0...2^64-1 (\(detail))"
                : "\(location(context.codingPath)): \(detail)"
        @unknown default:
            return "\(error)".quotedForMessage(maxLength: 120)
        }
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is UInt64.Type: return "a non-negative integer"
        case is Int.Type: return "an integer"
        case is String.Type: return "a string"
        case is Bool.Type: return "true or false"
        default: return "\(type)".quotedForMessage()
        }
    }

    static func reason(of error: Error) -> String {
        String((error as NSError).localizedDescription.quotedForMessage(maxLength: 160).dropFirst().dropLast())
    }
}
