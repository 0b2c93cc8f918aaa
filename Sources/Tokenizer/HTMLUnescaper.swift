/// The two HTML unescapers CLIP's cleaning runs: ftfy's cautious one inside `fix_text`, then Python's
/// `html.unescape` twice (clip/simple_tokenizer.py::basic_clean).
enum HTMLUnescaper {
    // MARK: - Tables

    /// `html.entities.html5`: name (with its ';' when it has one) → replacement.
    static let html5: [String: [Unicode.Scalar]] = parseEntityTable(TextCleaningTables.html5Entities)

    /// ftfy's `chardata.HTML_ENTITIES`: every html5 name ending in ';' plus upper-cased copies (`EACUTE;`).
    static let ftfyEntities: [String: [Unicode.Scalar]] = {
        var table = html5.filter { $0.key.hasSuffix(";") }
        table.merge(parseEntityTable(TextCleaningTables.ftfyUppercaseEntities)) { original, _ in original }
        return table
    }()

    /// Python html/__init__.py `_invalid_charrefs`: numeric references the HTML5 spec remaps (NUL, CR, and the
    /// C1 range read as Windows-1252).
    static func invalidCharref(_ number: UInt32) -> [Unicode.Scalar]? {
        switch number {
        case 0x00: return ["\u{FFFD}"]
        case 0x0D: return ["\r"]
        case 0x80...0x9F: return [TextFixer.windows1252C1[Int(number - 0x80)]]
        default: return nil
        }
    }

    /// Python html/__init__.py `_invalid_codepoints`: numeric references that decode to nothing.
    static func isInvalidCodepoint(_ number: UInt32) -> Bool {
        switch number {
        case 0x01...0x08, 0x0B, 0x0E...0x1F, 0x7F...0x9F, 0xFDD0...0xFDEF: return true
        default: return number & 0xFFFE == 0xFFFE && number <= 0x10FFFF  // U+xFFFE and U+xFFFF of every plane
        }
    }

    // MARK: - html.unescape

    /// Python's `html.unescape` (html/__init__.py::unescape and `_replace_charref`), on scalars.
    ///
    /// Pattern `&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)`: decimal and hex references with optional
    /// ';', and names of up to 32 characters, which decode as the whole name or else its longest prefix in the table
    /// (so `&notit;` becomes `¬it;`).
    static func pythonUnescape(_ scalars: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard scalars.contains("&") else { return scalars }
        var result: [Unicode.Scalar] = []
        result.reserveCapacity(scalars.count)
        var index = 0
        while index < scalars.count {
            guard scalars[index] == "&", index + 1 < scalars.count else {
                result.append(scalars[index])
                index += 1
                continue
            }
            let next = scalars[index + 1]
            if next == "#" {
                let isHex = index + 2 < scalars.count && (scalars[index + 2] == "x" || scalars[index + 2] == "X")
                let digitsStart = index + (isHex ? 3 : 2)
                let radix: UInt32 = isHex ? 16 : 10
                var end = digitsStart
                var number: UInt32 = 0
                while end < scalars.count, let digit = digitValue(scalars[end], radix: radix) {
                    // Saturate: anything above U+10FFFF decodes the same (U+FFFD), however large.
                    number = min(number * radix + digit, 0x110000)
                    end += 1
                }
                if end > digitsStart {
                    result.append(contentsOf: numericReplacement(number))
                    index = end < scalars.count && scalars[end] == ";" ? end + 1 : end
                    continue
                }
            } else if !isNameTerminator(next) {
                var end = index + 1
                while end < scalars.count, end - index - 1 < 32, !isNameTerminator(scalars[end]) {
                    end += 1
                }
                if end < scalars.count && scalars[end] == ";" {
                    end += 1
                }
                result.append(contentsOf: namedReplacement(Array(scalars[(index + 1)..<end])))
                index = end
                continue
            }
            result.append(scalars[index])
            index += 1
        }
        return result
    }

    /// Characters that cannot be part of a name in `html.unescape`'s pattern: `[^\t\n\f <&#;]`.
    static func isNameTerminator(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "\t", "\n", "\u{0C}", " ", "<", "&", "#", ";": return true
        default: return false
        }
    }

    static func digitValue(_ scalar: Unicode.Scalar, radix: UInt32) -> UInt32? {
        switch scalar.value {
        case 0x30...0x39: return scalar.value - 0x30
        case 0x41...0x46 where radix == 16: return scalar.value - 0x41 + 10
        case 0x61...0x66 where radix == 16: return scalar.value - 0x61 + 10
        default: return nil
        }
    }

    /// `_replace_charref` for a numeric reference.
    static func numericReplacement(_ number: UInt32) -> [Unicode.Scalar] {
        if let replacement = invalidCharref(number) {
            return replacement
        }
        guard let scalar = Unicode.Scalar(number) else {
            return ["\u{FFFD}"]  // surrogate or above U+10FFFF
        }
        return isInvalidCodepoint(number) ? [] : [scalar]
    }

    /// `_replace_charref` for a name (with its ';' if the text had one).
    static func namedReplacement(_ name: [Unicode.Scalar]) -> [Unicode.Scalar] {
        // Entity names are ASCII; only an ASCII prefix can match (and a Swift String key must not meet, say,
        // U+212A KELVIN SIGN, which compares equal to "K").
        let asciiLength = name.firstIndex { !$0.isASCII } ?? name.count
        if asciiLength == name.count, let value = html5[string(name[...])] {
            return value
        }
        // Longest prefix of at least two characters, as the reference's `for x in range(len(s)-1, 1, -1)`.
        var length = min(name.count - 1, asciiLength)
        while length >= 2 {
            if let value = html5[string(name[..<length])] {
                return value + name[length...]
            }
            length -= 1
        }
        return ["&"] + name
    }

    // MARK: - ftfy unescape_html

    /// ftfy 6.3.1 fixes.py::unescape_html: only `&#?[0-9A-Za-z]{1,24};` is touched; names must be in
    /// `ftfyEntities` (with their ';'), numeric references go through `html.unescape` and count only when it
    /// consumed the ';' (so `&#59;`, which decodes to ';', stays as written).
    static func ftfyUnescape(_ scalars: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard scalars.contains("&") else { return scalars }
        var result: [Unicode.Scalar] = []
        result.reserveCapacity(scalars.count)
        var index = 0
        while index < scalars.count {
            guard scalars[index] == "&" else {
                result.append(scalars[index])
                index += 1
                continue
            }
            let hasHash = index + 1 < scalars.count && scalars[index + 1] == "#"
            let nameStart = index + (hasHash ? 2 : 1)
            var end = nameStart
            while end < scalars.count, end - nameStart <= 24, isASCIIAlphanumeric(scalars[end]) {
                end += 1
            }
            let nameLength = end - nameStart
            guard (1...24).contains(nameLength), end < scalars.count, scalars[end] == ";" else {
                result.append(scalars[index])
                index += 1
                continue
            }
            let match = Array(scalars[index...end])
            if !hasHash, let value = ftfyEntities[string(match[1...])] {
                result.append(contentsOf: value)
            } else if hasHash {
                let unescaped = pythonUnescape(match)
                result.append(contentsOf: unescaped.contains(";") ? match : unescaped)
            } else {
                result.append(contentsOf: match)
            }
            index = end + 1
        }
        return result
    }

    static func isASCIIAlphanumeric(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: return true
        default: return false
        }
    }

    // MARK: - Helpers

    static func string(_ scalars: ArraySlice<Unicode.Scalar>) -> String {
        var text = String()
        text.unicodeScalars.append(contentsOf: scalars)
        return text
    }

    /// Parses `name HEX HEX…` lines (see TextCleaningTables+Generated.swift).
    static func parseEntityTable(_ table: String) -> [String: [Unicode.Scalar]] {
        var entries: [String: [Unicode.Scalar]] = [:]
        for line in table.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard let name = fields.first else { continue }
            entries[String(name)] = fields.dropFirst().compactMap { UInt32($0, radix: 16).flatMap(Unicode.Scalar.init) }
        }
        return entries
    }
}
