import Testing

@testable import Tokenizer

/// The Swift scanner, lower-casing and NFC against the reference's Python, over the whole code space
/// (Fixtures/tokenizer/clip_tokenizer_unicode_tables.json).
@Suite("Unicode behaviour matches the reference for every code point")
struct ReferenceUnicodeTests {
    @Test("Every scalar falls in the same alternative of the split pattern as in the regex module")
    func splitPatternClasses() throws {
        let runs = try TokenizerFixtures.unicodeTables().splitPatternClasses
        var mismatches: [String] = []
        var checked = 0
        for (runIndex, run) in runs.enumerated() {
            guard case .number(let start) = run[0], case .string(let kind) = run[1] else {
                Issue.record("malformed run \(runIndex)")
                return
            }
            let end: UInt32 =
                if runIndex + 1 < runs.count, case .number(let next) = runs[runIndex + 1][0] { next } else { 0x110000 }
            let expected: PreTokenizer.ScalarClass? =
                switch kind {
                case "W": .whitespace
                case "L": .letter
                case "N": .number
                case "O": .other
                case "X": .unmatched
                default: nil  // surrogates: not scalars
                }
            guard let expected else { continue }
            for value in start..<end {
                guard let scalar = Unicode.Scalar(value) else { continue }
                checked += 1
                let actual = PreTokenizer.classify(scalar)
                if actual != expected && mismatches.count < 20 {
                    mismatches.append("U+\(String(value, radix: 16, uppercase: true)): \(actual), want \(expected)")
                }
            }
        }
        #expect(checked == 0x110000 - 0x800)
        #expect(mismatches.isEmpty, "\(mismatches)")
    }

    @Test("The only scalars that case-fold onto the pattern's letters are the ASCII pairs and long s")
    func caseInsensitiveLetters() {
        for letter in "startofexndvmlk".unicodeScalars {
            var matches: [UInt32] = []
            for value in UInt32(0)..<0x110000 {
                if let scalar = Unicode.Scalar(value), PreTokenizer.matchesIgnoringCase(scalar, letter) {
                    matches.append(value)
                }
            }
            let expected: [UInt32] =
                switch letter {
                case "s": [letter.value - 0x20, letter.value, 0x017F]
                case "k": [letter.value - 0x20, letter.value]  // KELVIN SIGN also folds to k; unused by the pattern
                default: [letter.value - 0x20, letter.value]
                }
            #expect(matches == expected, "letter \(letter)")
        }
    }

    @Test("Lower-casing one scalar equals Python 3.11's str.lower for every code point")
    func lowercaseEveryScalar() throws {
        let table = try TokenizerFixtures.unicodeTables().pythonLower
        var expected: [UInt32: [UInt32]] = [:]
        for entry in table {
            guard case .number(let source) = entry[0], case .numbers(let target) = entry[1] else {
                Issue.record("malformed entry \(entry)")
                return
            }
            expected[source] = target
        }
        var mismatches: [String] = []
        for value in UInt32(0)..<0x110000 {
            guard let scalar = Unicode.Scalar(value) else { continue }
            let actual = ReferenceUnicode.lowercased([scalar]).map(\.value)
            let want = expected[value] ?? [value]
            if actual != want && mismatches.count < 20 {
                mismatches.append("U+\(String(value, radix: 16, uppercase: true)): \(actual), want \(want)")
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches)")
    }

    // Expected values printed by Python 3.11 str.lower().
    @Test(
        "Final sigma follows CPython's context rule",
        arguments: [
            ("ΣΑΣ", "σας"), ("Σ", "σ"), ("ΑΣ.", "ας."), ("ΑΣ.Σ", "ασ.ς"), ("Α\u{0301}Σ", "α\u{0301}ς"),
            ("ΑΣ\u{0301}Β", "ασ\u{0301}β"), ("1Σ", "1σ"), ("ΑΣ 'Β", "ας 'β"), ("Α'Σ", "α'ς"), ("ΑΣ'Β", "ασ'β"),
        ])
    func finalSigma(_ input: String, _ output: String) {
        let lowered = ReferenceUnicode.lowercased(Array(input.unicodeScalars))
        #expect(lowered.map(\.value) == output.unicodeScalars.map(\.value))
    }

    @Test("Final sigma sees the same Cased and Case_Ignorable properties as CPython for every code point")
    func finalSigmaContextEveryScalar() throws {
        let tables = try TokenizerFixtures.unicodeTables()
        let finalBefore = Set(tables.finalSigmaWithScalarBefore)
        let nonFinalAfter = Set(tables.nonFinalSigmaWithScalarAfter)
        var mismatches: [String] = []
        for value in UInt32(0)..<0x110000 {
            guard let scalar = Unicode.Scalar(value) else { continue }
            let before = ReferenceUnicode.isFinalSigma(["A", scalar, "\u{03A3}"], at: 2)
            let after = ReferenceUnicode.isFinalSigma(["A", "\u{03A3}", scalar], at: 1)
            if (before != finalBefore.contains(value) || after == nonFinalAfter.contains(value))
                && mismatches.count < 20
            {
                mismatches.append("U+\(String(value, radix: 16, uppercase: true)): before \(before), after \(after)")
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches)")
    }

    @Test("Python's str.isspace set is the regex \\s set plus U+001C…U+001F")
    func whitespaceSets() throws {
        let pythonSpace = Set(try TokenizerFixtures.unicodeTables().pythonIsSpace)
        for value in UInt32(0)..<0x110000 {
            guard let scalar = Unicode.Scalar(value) else { continue }
            #expect(
                ReferenceUnicode.isPythonSpace(scalar) == pythonSpace.contains(value), "U+\(String(value, radix: 16))")
        }
    }

    @Test("NFC equals Python 3.11's unicodedata.normalize for every decomposable code point")
    func nfcEveryDecomposition() throws {
        let cases = try TokenizerFixtures.unicodeTables().nfc
        #expect(cases.count > 3000)
        var mismatches: [String] = []
        for pair in cases {
            let input = pair[0].compactMap(Unicode.Scalar.init)
            let actual = ReferenceUnicode.nfc(input).map(\.value)
            if actual != pair[1] && mismatches.count < 20 {
                mismatches.append("\(pair[0].map { String($0, radix: 16) }): \(actual), want \(pair[1])")
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches)")
    }

    @Test("Scalars newer than Unicode 14 are left alone by lower-casing and NFC, as Python 3.11 does")
    func newerScalarsAreInert() {
        // U+10D50 GARAY CAPITAL LETTER A (Unicode 16) has a lower-case mapping in Swift's tables only.
        #expect(ReferenceUnicode.lowercased(["\u{10D50}"]) == ["\u{10D50}"])
        #expect(!ReferenceUnicode.isKnownToReference("\u{10D50}"))
        #expect(ReferenceUnicode.isKnownToReference("\u{1F6D7}"))  // ELEVATOR, Unicode 14.0
        #expect(!ReferenceUnicode.isKnownToReference("\u{E0080}"))  // unassigned
    }
}
