import Testing

@testable import Tokenizer

@Suite("CLIP tokenizer API")
struct CLIPTokenizerTests {
    let tokenizer: CLIPTokenizer

    init() throws {
        tokenizer = try CLIPTokenizer.bundled
    }

    @Test("\"a photo of a\" tokenizes to SOT 320 1125 539 320 EOT and zero padding")
    func photoOfA() throws {
        #expect(tokenizer.encode("a photo of a") == [320, 1125, 539, 320])
        let row = try tokenizer.tokenize("a photo of a")
        #expect(row.count == 77)
        #expect(Array(row.prefix(6)) == [49406, 320, 1125, 539, 320, 49407])
        #expect(row.dropFirst(6).allSatisfy { $0 == 0 })
        #expect(tokenizer.encode("this is a photo of a") == [589, 533, 320, 1125, 539, 320])
    }

    @Test("Vocabulary constants match CLIP")
    func constants() {
        #expect(CLIPTokenizer.vocabularySize == 49_408)
        #expect(CLIPTokenizer.mergeCount == 48_894)
        #expect(CLIPTokenizer.startOfTextID == 49_406)
        #expect(CLIPTokenizer.endOfTextID == 49_407)
    }

    @Test("The bundled merges are the generator's bytes", .timeLimit(.minutes(1)))
    func bundledMergesFingerprint() throws {
        let goldens = try TokenizerFixtures.goldens()
        let bytes = Array(CLIPTokenizer.bundledMergesText.utf8)
        #expect(bytes.count == goldens.merges.utf8Count)
        #expect(bytes.count == CLIPMerges.utf8Count)
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in bytes {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        }
        #expect(String(hash, radix: 16) == goldens.merges.fnv1a64.drop { $0 == "0" })
        #expect(hash == CLIPMerges.fingerprint)
        let lines = CLIPTokenizer.bundledMergesText.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 1 + 48_894)
        #expect(lines.first == "\"bpe_simple_vocab_16e6.txt#version: 0.2")
        #expect(lines.last == "jeky ll</w>")
    }

    @Test("A tokenizer built from the merges text at run time equals the bundled one")
    func runtimeMergesText() throws {
        let rebuilt = try CLIPTokenizer(mergesText: CLIPTokenizer.bundledMergesText)
        // The complete original file has more lines after the first 48,894 merges; they are ignored.
        let longer = try CLIPTokenizer(mergesText: CLIPTokenizer.bundledMergesText + "\nha bib</w>\nfoo bar\n")
        for text in ["a photo of a cat.", "Zürich 🐱", "supercalifragilisticexpialidocious"] {
            #expect(rebuilt.encode(text) == tokenizer.encode(text))
            #expect(longer.encode(text) == tokenizer.encode(text))
        }
    }

    @Test(
        "decode inverts encode on ASCII text up to spacing and case",
        arguments: [
            "a photo of a cat.", "hello, world!", "the quick brown fox jumps over the lazy dog",
            "don't stop believing", "x x x x x x person", "3.14159 is pi", "c++ and c# and f#",
        ])
    func decodeRoundTrip(_ text: String) throws {
        let decoded = try tokenizer.decode(tokenizer.encode(text))
        // Each word ends in `</w>`, which decodes to a space; punctuation pieces are words of their own.
        #expect(decoded.hasSuffix(" "))
        #expect(decoded.filter { $0 != " " } == text.lowercased().filter { $0 != " " })
        #expect(tokenizer.encode(decoded) == tokenizer.encode(text))
    }

    @Test("decode of SOT ... EOT keeps the special spellings")
    func decodeSpecials() throws {
        #expect(
            try tokenizer.decode([49406, 320, 1125, 539, 320, 49407]) == "<|startoftext|>a photo of a <|endoftext|>")
        #expect(try tokenizer.decode([]) == "")
        #expect(try tokenizer.decode([0, 0]) == "!!")
    }

    @Test("decode rejects ids outside the vocabulary", arguments: [Int32(-1), 49_408, .max])
    func decodeUnknownID(_ id: Int32) {
        #expect(throws: TokenizerError.unknownTokenID(id, vocabularySize: 49_408)) {
            try tokenizer.decode([320, id])
        }
    }

    @Test("Truncation keeps the first contextLength ids and ends with EOT")
    func truncation() throws {
        let text = Array(repeating: "cat", count: 100).joined(separator: " ")
        let ids = tokenizer.encode(text)
        #expect(ids.count == 100)
        let row = try tokenizer.tokenize(text, truncate: true)
        #expect(row.count == 77)
        #expect(row[0] == CLIPTokenizer.startOfTextID)
        #expect(Array(row[1..<76]) == Array(ids.prefix(75)))
        #expect(row[76] == CLIPTokenizer.endOfTextID)

        let short = try tokenizer.tokenize(text, contextLength: 5, truncate: true)
        #expect(short == [49406, ids[0], ids[1], ids[2], 49407])
    }

    @Test("Exactly fitting text needs no truncation; one more token does")
    func fitBoundary() throws {
        let fits = Array(repeating: "cat", count: 75).joined(separator: " ")
        let row = try tokenizer.tokenize(fits, truncate: false)
        #expect(row.last == CLIPTokenizer.endOfTextID)
        let tooLong = fits + " cat"
        #expect(
            throws: TokenizerError.textTooLong(index: 1, text: tooLong, tokenCount: 78, contextLength: 77)
        ) {
            try tokenizer.tokenize(["a photo of a", tooLong], truncate: false)
        }
    }

    @Test("The too-long error is one line naming the text and the context length")
    func tooLongMessage() {
        let text = "line one\nline two " + String(repeating: "word ", count: 100)
        do {
            _ = try tokenizer.tokenize([text])
            Issue.record("expected textTooLong")
        } catch {
            let message = error.description
            #expect(!message.contains("\n"))
            #expect(message.contains("context length 77"))
            #expect(message.contains("\"line one\\nline two"))
        }
    }

    @Test("Context lengths below 2 or above the maximum are refused", arguments: [-1, 0, 1, 65_537, .max])
    func invalidContextLength(_ length: Int) {
        #expect(throws: TokenizerError.invalidContextLength(length)) {
            try tokenizer.tokenize(["cat"], contextLength: length, truncate: true)
        }
    }

    @Test("tokenize of several texts gives one padded row each")
    func batch() throws {
        let rows = try tokenizer.tokenize(["a photo of a cat.", "", "dog"], contextLength: 8)
        #expect(
            rows == [
                [49406, 320, 1125, 539, 320, 2368, 269, 49407],
                [49406, 49407, 0, 0, 0, 0, 0, 0],
                [49406, 1929, 49407, 0, 0, 0, 0, 0],
            ])
    }

    @Test("Copies share one tokenizer and concurrent use gives the same ids")
    func concurrentUse() async throws {
        let texts = (0..<64).map { "a photo of a thing number \($0) 🐱" }
        let expected = texts.map { tokenizer.encode($0) }
        let shared = tokenizer
        let results = await withTaskGroup(of: (Int, [Int32]).self) { group in
            for (index, text) in texts.enumerated() {
                group.addTask { (index, shared.encode(text)) }
            }
            var results = [[Int32]](repeating: [], count: texts.count)
            for await (index, ids) in group {
                results[index] = ids
            }
            return results
        }
        #expect(results == expected)
    }
}

@Suite("Merges text validation")
struct MergesTextTests {
    static let mergeLines = CLIPTokenizer.bundledMergesText.split(separator: "\n", omittingEmptySubsequences: false)

    static func text(replacingLine index: Int, with line: String) -> String {
        var lines = mergeLines
        lines[index] = Substring(line)
        return lines.joined(separator: "\n")
    }

    @Test("A text without the version header is refused")
    func missingHeader() {
        let text = Self.mergeLines.dropFirst().joined(separator: "\n")
        #expect(throws: TokenizerError.missingMergesHeader(firstLine: "i n")) {
            try CLIPTokenizer(mergesText: text)
        }
    }

    @Test("Too few merge lines are refused")
    func tooFew() {
        let text = Self.mergeLines.prefix(1001).joined(separator: "\n")
        #expect(throws: TokenizerError.tooFewMerges(found: 1000, required: 48_894)) {
            try CLIPTokenizer(mergesText: text)
        }
        #expect(throws: TokenizerError.tooFewMerges(found: 1000, required: 48_894)) {
            try CLIPTokenizer(mergesText: text + "\n")
        }
        #expect(throws: TokenizerError.self) { try CLIPTokenizer(mergesText: "") }
    }

    @Test("A merge line must be two symbols and one space", arguments: ["in", "i  n", " i n", "i n ", "i n x", ""])
    func malformed(_ line: String) {
        #expect(throws: TokenizerError.malformedMergeLine(lineNumber: 11, line: line)) {
            try CLIPTokenizer(mergesText: Self.text(replacingLine: 10, with: line))
        }
    }

    @Test("A merge of a symbol that is not in the vocabulary yet is refused")
    func unknownSymbol() {
        // Line 3 is "a n"; "th" only exists after line 2's merge "t h", so use a symbol made later.
        #expect(throws: TokenizerError.unknownMergeSymbol(lineNumber: 3, symbol: "the</w>")) {
            try CLIPTokenizer(mergesText: Self.text(replacingLine: 2, with: "the</w> x"))
        }
        #expect(throws: TokenizerError.unknownMergeSymbol(lineNumber: 3, symbol: "n\r")) {
            try CLIPTokenizer(mergesText: Self.text(replacingLine: 2, with: "a n\r"))
        }
    }

    @Test("A repeated merge is refused")
    func duplicate() {
        #expect(throws: TokenizerError.duplicateMerge(lineNumber: 4, line: "i n")) {
            try CLIPTokenizer(mergesText: Self.text(replacingLine: 3, with: "i n"))
        }
    }

    @Test("Error messages are one line")
    func messages() {
        let errors: [TokenizerError] = [
            .missingMergesHeader(firstLine: "a\nb"), .tooFewMerges(found: 1, required: 2),
            .malformedMergeLine(lineNumber: 3, line: "x\ty"), .unknownMergeSymbol(lineNumber: 4, symbol: "\u{2028}"),
            .duplicateMerge(lineNumber: 5, line: "i n"),
            .textTooLong(index: 0, text: String(repeating: "long\n", count: 100), tokenCount: 201, contextLength: 77),
            .invalidContextLength(1), .unknownTokenID(-1, vocabularySize: 49_408),
        ]
        for error in errors {
            #expect(!error.description.contains("\n"))
            #expect(!error.description.contains("\u{2028}"))
        }
    }
}
