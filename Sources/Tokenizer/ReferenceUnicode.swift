import Foundation

/// The Unicode behaviour of the reference's Python (3.11, Unicode 14.0), on top of Swift's newer tables.
///
/// Why: `str.lower()` and `unicodedata.normalize('NFC')` in the pinned reference use Unicode 14.0 data, while
/// Swift 6.3 ships Unicode 17.0. For a scalar Python 3.11 does not know (assigned in 15.0 or later, or unassigned)
/// Python has no case mapping, no case properties, no decomposition and combining class 0, so this file treats
/// such scalars the same way. The split pattern's categories come from the `regex` module, which already uses
/// Unicode 17.0 like Swift; `PreTokenizer` therefore needs no such gate.
enum ReferenceUnicode {
    /// The Unicode version of `unicodedata` in the Python that produced the goldens.
    static let referenceVersion = (major: 14, minor: 0)

    /// Whether Python 3.11's Unicode database knows the scalar (assigned in Unicode 14.0 or earlier).
    static func isKnownToReference(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.value < 0x0378 {
            return true  // Latin, IPA, combining marks: all assigned since Unicode 1.1
        }
        guard let age = scalar.properties.age else { return false }
        return (age.major, age.minor) <= referenceVersion
    }

    /// `str.isspace()` in Python 3.11: bidirectional class WS, B or S, or category Zs. Differs from the `regex`
    /// module's `\s` only in U+001C…U+001F (information separators), which `str.strip()` removes and `\s` keeps.
    static func isPythonSpace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x1C...0x1F: return true
        default: return PreTokenizer.isRegexWhitespace(scalar)
        }
    }

    /// `str.strip()`: drops `isPythonSpace` scalars at both ends.
    static func stripped(_ scalars: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard let first = scalars.firstIndex(where: { !isPythonSpace($0) }),
            let last = scalars.lastIndex(where: { !isPythonSpace($0) })
        else { return [] }
        if first == 0 && last == scalars.count - 1 {
            return scalars
        }
        return Array(scalars[first...last])
    }

    // MARK: - Lower case

    /// `str.lower()`: full lower-case mappings (SpecialCasing's unconditional ones, e.g. İ → i + U+0307) plus the
    /// one context rule Python implements, Final_Sigma (CPython Objects/unicodeobject.c::handle_capital_sigma).
    static func lowercased(_ scalars: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var result: [Unicode.Scalar] = []
        result.reserveCapacity(scalars.count)
        for (index, scalar) in scalars.enumerated() {
            if scalar.value < 0x80 {
                let isUpper = scalar.value >= 0x41 && scalar.value <= 0x5A
                result.append(isUpper ? Unicode.Scalar(UInt8(scalar.value + 0x20)) : scalar)
            } else if scalar.value == 0x03A3 {
                result.append(isFinalSigma(scalars, at: index) ? "\u{03C2}" : "\u{03C3}")
            } else if isKnownToReference(scalar) && scalar.properties.changesWhenLowercased {
                result.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
            } else {
                result.append(scalar)
            }
        }
        return result
    }

    /// Final_Sigma as CPython tests it: a cased scalar before (skipping case-ignorable ones), and no cased scalar
    /// after (skipping case-ignorable ones). Context is read from the original text, as CPython does.
    static func isFinalSigma(_ scalars: [Unicode.Scalar], at index: Int) -> Bool {
        var before = index - 1
        while before >= 0, isCaseIgnorable(scalars[before]) {
            before -= 1
        }
        guard before >= 0, isCased(scalars[before]) else { return false }
        var after = index + 1
        while after < scalars.count, isCaseIgnorable(scalars[after]) {
            after += 1
        }
        return after == scalars.count || !isCased(scalars[after])
    }

    static func isCased(_ scalar: Unicode.Scalar) -> Bool {
        if casedOnlyInReference.contains(scalar.value) {
            return true
        }
        return isKnownToReference(scalar) && scalar.properties.isCased
    }

    static func isCaseIgnorable(_ scalar: Unicode.Scalar) -> Bool {
        if caseIgnorableOnlyInReference.contains(scalar.value) {
            return true
        }
        return isKnownToReference(scalar) && scalar.properties.isCaseIgnorable
    }

    /// Old scalars that lost a case property after Unicode 14.0; Python 3.11 still has it. Found by the exhaustive
    /// final-sigma test in ReferenceUnicodeTests (no other old scalar changed in a way Final_Sigma can see).
    static let casedOnlyInReference: Set<UInt32> = [
        0x0295  // ʕ LATIN LETTER PHARYNGEAL VOICED FRICATIVE: Ll (Cased) in 14.0, Lo since 16.0
    ]
    static let caseIgnorableOnlyInReference: Set<UInt32> = [
        0x1171E  // AHOM CONSONANT SIGN MEDIAL RA: Mn (Case_Ignorable) in 14.0, Mc since 16.0
    ]

    // MARK: - NFC

    /// `unicodedata.normalize('NFC', text)` with Python 3.11's data.
    ///
    /// Scalars unknown to the reference are inert starters there (no decomposition, class 0, compose with
    /// nothing), so NFC of the whole equals NFC of the runs between them with those scalars kept in place. Each run
    /// goes through Foundation's NFC; text below U+0300 is already NFC (no combining marks, no singletons).
    static func nfc(_ scalars: [Unicode.Scalar]) -> [Unicode.Scalar] {
        if scalars.allSatisfy({ $0.value < 0x0300 }) {
            return scalars
        }
        var result: [Unicode.Scalar] = []
        result.reserveCapacity(scalars.count)
        var runStart = 0
        func flush(upTo end: Int) {
            guard runStart < end else { return }
            var run = String()
            run.unicodeScalars.append(contentsOf: scalars[runStart..<end])
            result.append(contentsOf: run.precomposedStringWithCanonicalMapping.unicodeScalars)
        }
        for (index, scalar) in scalars.enumerated() where !isKnownToReference(scalar) {
            flush(upTo: index)
            result.append(scalar)
            runStart = index + 1
        }
        flush(upTo: scalars.count)
        return result
    }
}
