import Foundation
import Testing

/// Fixture files of the tokenizer tests, found from this file's path (no bundle resources, no working directory).
enum TokenizerFixtures {
    /// Repository root: three levels above Tests/TokenizerTests/TokenizerFixtures.swift.
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .deletingLastPathComponent()

    static let goldensURL = repositoryRoot.appendingPathComponent("Fixtures/tokenizer/clip_tokenizer_goldens.json")
    static let unicodeTablesURL = repositoryRoot.appendingPathComponent(
        "Fixtures/tokenizer/clip_tokenizer_unicode_tables.json")

    /// Fixtures/tokenizer/clip_tokenizer_goldens.json, written by Fixtures/scripts/make_tokenizer_goldens.py.
    struct Goldens: Decodable, Sendable {
        struct Merges: Decodable, Sendable {
            let utf8Count: Int
            let fnv1a64: String
        }
        struct Case: Decodable, Sendable, CustomTestStringConvertible {
            struct OpenCLIP: Decodable, Sendable {
                let encode: [Int32]
                let tokenize: [Int32]
            }
            struct Mojibake: Decodable, Sendable {
                let ftfyFixed: String
                let encodeWithoutRepair: [Int32]
            }
            let category: String
            let text: String
            let scalarCount: Int
            let encode: [Int32]
            let tokenize: [Int32]
            let tooLong: Bool
            let decoded: String
            let openCLIP: OpenCLIP?
            let mojibake: Mojibake?

            var testDescription: String { "\(category): \(text.debugDescription)" }
        }
        struct TemplateCase: Decodable, Sendable {
            let text: String
            let encode: [Int32]
        }
        struct DecodeCase: Decodable, Sendable, CustomTestStringConvertible {
            let ids: [Int32]
            let text: String
            var testDescription: String { "\(ids)" }
        }
        let versions: [String: String]
        let contextLength: Int
        let startOfText: Int32
        let endOfText: Int32
        let vocabularySize: Int
        let merges: Merges
        let cases: [Case]
        let templateCases: [TemplateCase]
        let decodeCases: [DecodeCase]
    }

    /// Fixtures/tokenizer/clip_tokenizer_unicode_tables.json: per-code-point behaviour of the reference's Python.
    struct UnicodeTables: Decodable, Sendable {
        /// Runs `[first code point, class]`; a run lasts until the next one starts.
        let splitPatternClasses: [[Either]]
        let pythonLower: [[Either]]
        let pythonIsSpace: [UInt32]
        /// Code points c for which `"AcΣ".lower()` ends in final sigma ς.
        let finalSigmaWithScalarBefore: [UInt32]
        /// Code points c for which `"AΣc".lower()` keeps the non-final σ.
        let nonFinalSigmaWithScalarAfter: [UInt32]
        let nfc: [[[UInt32]]]

        /// JSON arrays mixing numbers, strings and lists.
        enum Either: Decodable, Sendable {
            case number(UInt32)
            case string(String)
            case numbers([UInt32])

            init(from decoder: Decoder) throws {
                let container = try decoder.singleValueContainer()
                if let number = try? container.decode(UInt32.self) {
                    self = .number(number)
                } else if let string = try? container.decode(String.self) {
                    self = .string(string)
                } else {
                    self = .numbers(try container.decode([UInt32].self))
                }
            }
        }
    }

    /// The goldens, read once per test process.
    static func goldens() throws -> Goldens { try goldensResult.get() }
    /// The Unicode tables, read once per test process.
    static func unicodeTables() throws -> UnicodeTables { try unicodeTablesResult.get() }

    private static let goldensResult = Result { try load(Goldens.self, goldensURL) }
    private static let unicodeTablesResult = Result { try load(UnicodeTables.self, unicodeTablesURL) }

    struct MissingFixture: Error, CustomStringConvertible {
        let path: String
        let underlying: String
        var description: String {
            "cannot read fixture \(path) (\(underlying)); regenerate with Fixtures/scripts/make_tokenizer_goldens.py"
        }
    }

    private static func load<Value: Decodable>(_ type: Value.Type, _ url: URL) throws -> Value {
        do {
            return try JSONDecoder().decode(Value.self, from: Data(contentsOf: url))
        } catch {
            throw MissingFixture(path: url.path, underlying: "\(error)")
        }
    }

    /// Code points of a string, for comparisons that must not use String's canonical equivalence.
    static func scalars(_ text: String) -> [UInt32] {
        text.unicodeScalars.map(\.value)
    }
}
