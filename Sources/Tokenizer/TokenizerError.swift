import TensorCore

/// Errors from the CLIP tokenizer. Each message is one line and quotes the offending input.
public enum TokenizerError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The merges text does not start with the `#version` header line that the reference skips.
    case missingMergesHeader(firstLine: String)
    /// The merges text has fewer merge lines than CLIP's vocabulary needs.
    case tooFewMerges(found: Int, required: Int)
    /// A merge line is not two symbols separated by one space.
    case malformedMergeLine(lineNumber: Int, line: String)
    /// A merge names a symbol that no earlier vocabulary entry spells, so it could never apply.
    case unknownMergeSymbol(lineNumber: Int, symbol: String)
    /// A merge repeats a pair or produces a symbol the vocabulary already has (ids would be ambiguous).
    case duplicateMerge(lineNumber: Int, line: String)
    /// `tokenize(truncate: false)` got a text whose tokens (with SOT and EOT) exceed the context length.
    case textTooLong(index: Int, text: String, tokenCount: Int, contextLength: Int)
    /// The context length cannot hold SOT and EOT, or exceeds `CLIPTokenizer.maximumContextLength`.
    case invalidContextLength(Int)
    /// `decode` got an id outside the vocabulary.
    case unknownTokenID(Int32, vocabularySize: Int)

    public var description: String {
        switch self {
        case .missingMergesHeader(let firstLine):
            return "merges text: first line \(firstLine.quotedForMessage()) is not a '#version' header"
        case .tooFewMerges(let found, let required):
            return "merges text: \(found) merge lines, CLIP needs \(required)"
        case .malformedMergeLine(let lineNumber, let line):
            return
                "merges text line \(lineNumber): \(line.quotedForMessage()) is not two symbols separated by one space"
        case .unknownMergeSymbol(let lineNumber, let symbol):
            return
                "merges text line \(lineNumber): symbol \(symbol.quotedForMessage()) is not in the vocabulary built so far"
        case .duplicateMerge(let lineNumber, let line):
            return
                "merges text line \(lineNumber): \(line.quotedForMessage()) repeats an earlier pair or vocabulary entry"
        case .textTooLong(let index, let text, let tokenCount, let contextLength):
            return "text \(index) \(text.quotedForMessage()) is too long for context length \(contextLength) "
                + "(\(tokenCount) tokens with SOT and EOT)"
        case .invalidContextLength(let length):
            return "context length \(length) is outside 2...\(CLIPTokenizer.maximumContextLength) "
                + "(SOT and EOT need 2)"
        case .unknownTokenID(let id, let vocabularySize):
            return "token id \(id) is outside the vocabulary (0..<\(vocabularySize))"
        }
    }
}
