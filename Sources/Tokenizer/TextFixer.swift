/// The part of `ftfy.fix_text` (ftfy 6.3.1, default `TextFixerConfig`) that CLIP's cleaning depends on.
///
/// Implemented, in ftfy's order (ftfy/__init__.py::fix_and_explain), repeated until the text stops changing:
/// `unescape_html` (auto: off from the first line holding a '<'), `fix_c1_controls`, `fix_latin_ligatures`,
/// `fix_character_width`, `uncurl_quotes`, `fix_line_breaks`, `remove_terminal_escapes`, `remove_control_chars`,
/// NFC. Text is fixed line by line (segments end after each "\n", at most 1,000,000 scalars), like `fix_text`.
///
/// Not implemented:
/// - `fix_encoding` (mojibake repair: "cafÃ©" → "café", with `restore_byte_a0`, `replace_lossy_sequences`,
///   `decode_inconsistent_utf8`). It guesses with ftfy's heuristic badness score and re-decodes through a dozen
///   legacy code pages; real prompts do not contain mojibake, and a partial copy would be wrong in subtler ways.
///   Such text is tokenized as if ftfy had `fix_encoding=False`; the goldens record both results.
/// - `fix_surrogates`: a Swift `String` cannot hold unpaired surrogates, so there is nothing to fix.
enum TextFixer {
    /// ftfy's `max_decode_length`: the longest segment fixed at once.
    static let maxSegmentLength = 1_000_000

    /// `ftfy.fix_text(text)` without `fix_encoding`.
    static func fixText(_ scalars: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var result: [Unicode.Scalar] = []
        result.reserveCapacity(scalars.count)
        var unescapeHTML = true  // "auto"
        var start = 0
        while start < scalars.count {
            var end = (scalars[start...].firstIndex(of: "\n") ?? (scalars.count - 1)) + 1
            end = min(end, start + maxSegmentLength)
            let segment = Array(scalars[start..<end])
            // fix_text replaces the config, so once a line contains '<' HTML stays escaped for the rest.
            if unescapeHTML && segment.contains("<") {
                unescapeHTML = false
            }
            result.append(contentsOf: fixSegment(segment, unescapeHTML: unescapeHTML))
            start = end
        }
        return result
    }

    /// ftfy/__init__.py::fix_and_explain: the fixers in order, until a full round changes nothing.
    static func fixSegment(_ segment: [Unicode.Scalar], unescapeHTML: Bool) -> [Unicode.Scalar] {
        var text = segment
        while true {
            let original = text
            if unescapeHTML {
                text = HTMLUnescaper.ftfyUnescape(text)
            }
            // fix_encoding: not implemented (see the type's documentation).
            text = text.map { fixC1Control($0) }
            text = translate(text, fixLatinLigature)
            text = translate(text, fixCharacterWidth)
            text = text.map { uncurlQuote($0) }
            text = fixLineBreaks(text)
            // fix_surrogates: not applicable to Swift strings.
            text = removeTerminalEscapes(text)
            text = text.filter { !isRemovedControl($0) }
            text = ReferenceUnicode.nfc(text)
            if text == original {
                return text
            }
        }
    }

    static func translate(
        _ text: [Unicode.Scalar], _ replacement: (Unicode.Scalar) -> [Unicode.Scalar]?
    ) -> [Unicode.Scalar] {
        var result: [Unicode.Scalar] = []
        result.reserveCapacity(text.count)
        for scalar in text {
            if let replaced = replacement(scalar) {
                result.append(contentsOf: replaced)
            } else {
                result.append(scalar)
            }
        }
        return result
    }

    // MARK: - Fixers

    /// fixes.py::fix_c1_controls: U+0080…U+009F decoded as (sloppy) Windows-1252, like browsers do.
    static func fixC1Control(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        guard (0x80...0x9F).contains(scalar.value) else { return scalar }
        return windows1252C1[Int(scalar.value - 0x80)]
    }

    /// fixes.py::fix_latin_ligatures with chardata.py `LIGATURES`.
    static func fixLatinLigature(_ scalar: Unicode.Scalar) -> [Unicode.Scalar]? {
        latinLigatures[scalar.value]
    }

    /// fixes.py::fix_character_width with chardata.py `WIDTH_MAP` (generated table).
    static func fixCharacterWidth(_ scalar: Unicode.Scalar) -> [Unicode.Scalar]? {
        guard scalar.value == 0x3000 || (0xFF01...0xFFEF).contains(scalar.value) else { return nil }
        return widthMap[scalar.value]
    }

    /// fixes.py::uncurl_quotes: `[\u02bc\u2018-\u201b]` → `'`, `[\u201c-\u201f]` → `"`.
    static func uncurlQuote(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        switch scalar.value {
        case 0x02BC, 0x2018...0x201B: return "'"
        case 0x201C...0x201F: return "\""
        default: return scalar
        }
    }

    /// fixes.py::fix_line_breaks: "\r\n", then "\r", U+2028, U+2029, U+0085 each become "\n".
    static func fixLineBreaks(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var result: [Unicode.Scalar] = []
        result.reserveCapacity(text.count)
        var index = 0
        while index < text.count {
            switch text[index].value {
            case 0x0D:
                result.append("\n")
                index += index + 1 < text.count && text[index + 1] == "\n" ? 2 : 1
                continue
            case 0x2028, 0x2029, 0x85:
                result.append("\n")
            default:
                result.append(text[index])
            }
            index += 1
        }
        return result
    }

    /// fixes.py::remove_terminal_escapes: deletes `\033\[((?:\d|;)*)([a-zA-Z])` (`\d` is any decimal digit, Nd).
    static func removeTerminalEscapes(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard text.contains("\u{1B}") else { return text }
        var result: [Unicode.Scalar] = []
        result.reserveCapacity(text.count)
        var index = 0
        while index < text.count {
            if text[index] == "\u{1B}", index + 1 < text.count, text[index + 1] == "[" {
                var end = index + 2
                while end < text.count, text[end] == ";" || isDecimalDigit(text[end]) {
                    end += 1
                }
                if end < text.count, text[end].isASCII, text[end].properties.isAlphabetic {
                    index = end + 1
                    continue
                }
            }
            result.append(text[index])
            index += 1
        }
        return result
    }

    static func isDecimalDigit(_ scalar: Unicode.Scalar) -> Bool {
        ReferenceUnicode.isKnownToReference(scalar) && scalar.properties.generalCategory == .decimalNumber
    }

    /// fixes.py::remove_control_chars with chardata.py `CONTROL_CHARS`: C0 controls except \t \n \f \r,
    /// DEL, deprecated Arabic format controls, the BOM and the interlinear annotation / object replacement marks.
    static func isRemovedControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x08, 0x0B, 0x0E...0x1F, 0x7F, 0x206A...0x206F, 0xFEFF, 0xFFF9...0xFFFC: return true
        default: return false
        }
    }

    // MARK: - Tables

    /// Bytes 0x80…0x9F in (sloppy) Windows-1252: ftfy's `sloppy-windows-1252` codec, and also Python html's
    /// `_invalid_charrefs` for `&#128;`…`&#159;`. The five unassigned bytes (0x81, 0x8D, 0x8F, 0x90, 0x9D) map
    /// to themselves.
    static let windows1252C1: [Unicode.Scalar] = [
        "\u{20AC}", "\u{0081}", "\u{201A}", "\u{0192}", "\u{201E}", "\u{2026}", "\u{2020}", "\u{2021}",  // 80-87
        "\u{02C6}", "\u{2030}", "\u{0160}", "\u{2039}", "\u{0152}", "\u{008D}", "\u{017D}", "\u{008F}",  // 88-8F
        "\u{0090}", "\u{2018}", "\u{2019}", "\u{201C}", "\u{201D}", "\u{2022}", "\u{2013}", "\u{2014}",  // 90-97
        "\u{02DC}", "\u{2122}", "\u{0161}", "\u{203A}", "\u{0153}", "\u{009D}", "\u{017E}", "\u{0178}",  // 98-9F
    ]

    /// chardata.py `LIGATURES`: Latin ligatures and legacy digraphs, never æ or œ.
    static let latinLigatures: [UInt32: [Unicode.Scalar]] = [
        0x0132: ["I", "J"],  // Ĳ  Dutch
        0x0133: ["i", "j"],  // ĳ
        0x0149: ["\u{02BC}", "n"],  // ŉ  Afrikaans (the apostrophe is then uncurled)
        0x01F1: ["D", "Z"],  // Ǳ  Serbian/Croatian digraphs
        0x01F2: ["D", "z"],  // ǲ
        0x01F3: ["d", "z"],  // ǳ
        0x01C4: ["D", "\u{017D}"],  // Ǆ → DŽ
        0x01C5: ["D", "\u{017E}"],  // ǅ → Dž
        0x01C6: ["d", "\u{017E}"],  // ǆ → dž
        0x01C7: ["L", "J"],  // Ǉ
        0x01C8: ["L", "j"],  // ǈ
        0x01C9: ["l", "j"],  // ǉ
        0x01CA: ["N", "J"],  // Ǌ
        0x01CB: ["N", "j"],  // ǋ
        0x01CC: ["n", "j"],  // ǌ
        0xFB00: ["f", "f"],  // ﬀ  typographic ligatures
        0xFB01: ["f", "i"],  // ﬁ
        0xFB02: ["f", "l"],  // ﬂ
        0xFB03: ["f", "f", "i"],  // ﬃ
        0xFB04: ["f", "f", "l"],  // ﬄ
        0xFB05: ["\u{017F}", "t"],  // ﬅ → ſt
        0xFB06: ["s", "t"],  // ﬆ
    ]

    /// chardata.py `WIDTH_MAP`, parsed from the generated table.
    static let widthMap: [UInt32: [Unicode.Scalar]] = {
        var map: [UInt32: [Unicode.Scalar]] = [:]
        for line in TextCleaningTables.ftfyWidthMap.split(separator: "\n") {
            let values = line.split(separator: " ").compactMap { UInt32($0, radix: 16) }
            guard let source = values.first else { continue }
            map[source] = values.dropFirst().compactMap(Unicode.Scalar.init)
        }
        return map
    }()
}
