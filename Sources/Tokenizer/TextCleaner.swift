/// CLIP's text cleaning before the split (clip/simple_tokenizer.py::SimpleTokenizer.encode):
/// `whitespace_clean(basic_clean(text)).lower()`.
///
/// Works on arrays of Unicode scalars throughout: Swift `String` comparison and `Character` iteration follow
/// canonical equivalence and grapheme clusters, while the reference works code point by code point.
enum TextCleaner {
    static func clean(_ text: String) -> [Unicode.Scalar] {
        var scalars = Array(text.unicodeScalars)
        // basic_clean: ftfy.fix_text, html.unescape twice, strip.
        scalars = TextFixer.fixText(scalars)
        scalars = HTMLUnescaper.pythonUnescape(HTMLUnescaper.pythonUnescape(scalars))
        scalars = ReferenceUnicode.stripped(scalars)
        // whitespace_clean: re.sub(r'\s+', ' ', text), strip. (open_clip's `" ".join(text.split())` splits on
        // str.isspace instead; the two differ only on U+001C…U+001F, which ftfy has already removed.)
        scalars = ReferenceUnicode.stripped(collapsingWhitespace(scalars))
        return ReferenceUnicode.lowercased(scalars)
    }

    /// `re.sub(r'\s+', ' ', text)` with the `regex` module's `\s`.
    static func collapsingWhitespace(_ scalars: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var result: [Unicode.Scalar] = []
        result.reserveCapacity(scalars.count)
        var previousWasSpace = false
        for scalar in scalars {
            if PreTokenizer.isRegexWhitespace(scalar) {
                if !previousWasSpace {
                    result.append(" ")
                }
                previousWasSpace = true
            } else {
                result.append(scalar)
                previousWasSpace = false
            }
        }
        return result
    }
}
