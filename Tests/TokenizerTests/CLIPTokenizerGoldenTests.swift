import Testing

@testable import Tokenizer

/// Every string of Fixtures/tokenizer/clip_tokenizer_goldens.json, id for id against OpenAI CLIP and open_clip.
@Suite("CLIP tokenizer matches the Python reference goldens")
struct CLIPTokenizerGoldenTests {
    let tokenizer: CLIPTokenizer

    init() throws {
        tokenizer = try CLIPTokenizer.bundled
    }

    @Test("The goldens come from the pinned reference and describe this vocabulary")
    func goldenHeader() throws {
        let goldens = try TokenizerFixtures.goldens()
        #expect(goldens.versions["ftfy"] == "6.3.1")
        #expect(goldens.versions["open_clip_torch"] == "3.3.0")
        #expect(goldens.versions["openai-clip"] == "1.0.1")
        #expect(goldens.versions["unicodedata"] == "14.0.0")
        #expect(goldens.contextLength == CLIPTokenizer.defaultContextLength)
        #expect(goldens.startOfText == CLIPTokenizer.startOfTextID)
        #expect(goldens.endOfText == CLIPTokenizer.endOfTextID)
        #expect(goldens.vocabularySize == CLIPTokenizer.vocabularySize)
        #expect(goldens.cases.count >= 500)
        #expect(goldens.templateCases.count == 171 * 15)
    }

    @Test(
        "encode, tokenize and decode give the reference's exact output",
        arguments: try TokenizerFixtures.goldens().cases)
    func goldenCase(_ golden: TokenizerFixtures.Goldens.Case) throws {
        // JSON decoding must hand over the exact code points the script wrote.
        #expect(golden.text.unicodeScalars.count == golden.scalarCount)

        let ids = tokenizer.encode(golden.text)
        if let mojibake = golden.mojibake {
            // Known divergence: ftfy repairs mojibake, this port does not; it must equal the reference run with
            // ftfy's fix_encoding switched off, and therefore differ from the real reference.
            #expect(ids == mojibake.encodeWithoutRepair)
            #expect(ids != golden.encode)
            return
        }
        #expect(ids == golden.encode)

        let padded = try tokenizer.tokenize(golden.text, truncate: true)
        #expect(padded == golden.tokenize)
        #expect(padded.count == CLIPTokenizer.defaultContextLength)

        if golden.tooLong {
            #expect(throws: TokenizerError.self) { try tokenizer.tokenize(golden.text, truncate: false) }
        } else {
            #expect(try tokenizer.tokenize(golden.text, truncate: false) == golden.tokenize)
        }

        #expect(TokenizerFixtures.scalars(try tokenizer.decode(ids)) == TokenizerFixtures.scalars(golden.decoded))

        if let openCLIP = golden.openCLIP {
            // Only the special-token spelling separates the two references; OpenAI's spelling is followed.
            #expect(openCLIP.encode != golden.encode)
        }
    }

    @Test("All 171 x 15 ZegCLIP template prompts encode like the reference")
    func templatePrompts() throws {
        let goldens = try TokenizerFixtures.goldens()
        var mismatches: [String] = []
        for golden in goldens.templateCases where tokenizer.encode(golden.text) != golden.encode {
            mismatches.append(golden.text)
        }
        #expect(mismatches.isEmpty, "prompts that differ: \(mismatches.prefix(10))")
    }

    @Test(
        "decode of arbitrary id lists (partial UTF-8, specials, padding)",
        arguments: try TokenizerFixtures.goldens().decodeCases)
    func decodeCase(_ golden: TokenizerFixtures.Goldens.DecodeCase) throws {
        let text = try tokenizer.decode(golden.ids)
        #expect(TokenizerFixtures.scalars(text) == TokenizerFixtures.scalars(golden.text))
    }

    @Test("The goldens cover every category the brief asks for")
    func coverage() throws {
        let categories = Set(try TokenizerFixtures.goldens().cases.map(\.category))
        for required in [
            "voc-class", "voc-prompt", "coco-class", "coco-prompt", "template", "punctuation", "digits", "accents",
            "scripts", "emoji", "html", "quotes", "ligatures", "width", "whitespace", "empty", "control", "special",
            "mojibake", "length",
        ] {
            #expect(categories.contains(required), "no golden case of category \(required)")
        }
    }
}
