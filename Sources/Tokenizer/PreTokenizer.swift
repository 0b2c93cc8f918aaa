/// Splits cleaned text into the pieces that BPE sees, like `regex.findall` with CLIP's pattern.
///
/// The reference (clip/simple_tokenizer.py::SimpleTokenizer.__init__) compiles, with `re.IGNORECASE`,
///
///     <\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+
///
/// `findall` tries the alternatives in that order at each position and skips a character none of them matches.
/// A hand-written scanner over Unicode scalars does the same with general categories; the tests check it against
/// the `regex` module for every code point (Fixtures/tokenizer/clip_tokenizer_unicode_tables.json).
enum PreTokenizer {
    /// Which alternative of the pattern a single scalar can start or continue.
    enum ScalarClass: Equatable, Sendable {
        /// `\s`: matched by no alternative, skipped.
        case whitespace
        /// `[\p{L}]+`: Lu, Ll, Lt, Lm, Lo.
        case letter
        /// `[\p{N}]`: Nd, Nl, No, one scalar per piece.
        case number
        /// `[^\s\p{L}\p{N}]+`: everything else, including unassigned code points.
        case other
        /// Matched by no alternative although not `\s`: under IGNORECASE the `regex` module treats a class as
        /// matching when any case variant of the scalar does. U+0345 COMBINING GREEK YPOGEGRAMMENI (Mn) folds to
        /// U+03B9 (a letter), so `[\p{L}]` does not match it (it is not itself a letter) and the negated class
        /// `[^\s\p{L}\p{N}]` does not match it either (its fold is a letter). `findall` drops it.
        case unmatched
    }

    /// The two special tokens as the pattern spells them.
    static let specialSpellings: [[Unicode.Scalar]] = ["<|startoftext|>", "<|endoftext|>"].map {
        Array($0.unicodeScalars)
    }

    /// `\s` of the `regex` module for str patterns: Unicode White_Space. Data from the `regex` module
    /// (see `pythonRegexWhitespace` in the Unicode tables fixture); unlike `str.isspace` it excludes U+001C…U+001F.
    static func isRegexWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09...0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            return true
        default:
            return false
        }
    }

    static func classify(_ scalar: Unicode.Scalar) -> ScalarClass {
        switch scalar.value {
        case 0x61...0x7A, 0x41...0x5A: return .letter
        case 0x30...0x39: return .number
        case 0x21...0x2F, 0x3A...0x40, 0x5B...0x60, 0x7B...0x7F: return .other
        case 0x0345: return .unmatched
        default: break
        }
        if isRegexWhitespace(scalar) {
            return .whitespace
        }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            return .letter
        case .decimalNumber, .letterNumber, .otherNumber:
            return .number
        default:
            return .other
        }
    }

    /// Case-insensitive comparison of one scalar with one ASCII letter of the pattern, as `regex` does under
    /// IGNORECASE (simple case folding): only ASCII case pairs, plus U+017F LATIN SMALL LETTER LONG S for `s`
    /// (and U+212A KELVIN SIGN for `k`, which the pattern never uses). Checked over all code points by the script.
    static func matchesIgnoringCase(_ scalar: Unicode.Scalar, _ patternCharacter: Unicode.Scalar) -> Bool {
        if scalar == patternCharacter {
            return true
        }
        switch patternCharacter {
        case "a"..."z":
            if scalar.value == patternCharacter.value - 0x20 {
                return true
            }
            return patternCharacter == "s" && scalar.value == 0x017F
        default:
            return false
        }
    }

    /// Whether `scalars[start...]` begins with `literal` under IGNORECASE; returns the end index if so.
    static func matchLiteral(_ literal: [Unicode.Scalar], in scalars: [Unicode.Scalar], at start: Int) -> Int? {
        guard scalars.count - start >= literal.count else { return nil }
        for (offset, character) in literal.enumerated()
        where !matchesIgnoringCase(scalars[start + offset], character) {
            return nil
        }
        return start + literal.count
    }

    /// The contractions of the pattern, in its order: 's 't 're 've 'm 'll 'd.
    static let contractions: [[Unicode.Scalar]] = ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d"].map {
        Array($0.unicodeScalars)
    }

    /// The pieces of `scalars`, as index ranges, in `findall` order.
    static func split(_ scalars: [Unicode.Scalar]) -> [Range<Int>] {
        var pieces: [Range<Int>] = []
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            if scalar == "<" {
                if let end = specialSpellings.lazy.compactMap({ matchLiteral($0, in: scalars, at: index) }).first {
                    pieces.append(index..<end)
                    index = end
                    continue
                }
            } else if scalar == "'" {
                if let end = contractions.lazy.compactMap({ matchLiteral($0, in: scalars, at: index) }).first {
                    pieces.append(index..<end)
                    index = end
                    continue
                }
            }
            let scalarClass = classify(scalar)
            switch scalarClass {
            case .whitespace, .unmatched:
                index += 1
            case .number:
                pieces.append(index..<(index + 1))
                index += 1
            case .letter, .other:
                var end = index + 1
                while end < scalars.count, classify(scalars[end]) == scalarClass {
                    end += 1
                }
                pieces.append(index..<end)
                index = end
            }
        }
        return pieces
    }
}
