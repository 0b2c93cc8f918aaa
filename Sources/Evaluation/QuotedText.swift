/// Quotes text that came from a file (class and image names, JSON fragments) for one-line messages.
enum QuotedText {
    /// `"text"` with quotes, backslashes, line breaks and other control characters escaped, shortened past `limit`.
    static func quoted(_ text: String, limit: Int = 80) -> String {
        "\"" + escaped(text, limit: limit) + "\""
    }

    /// `text` escaped like `quoted`, without the quotes.
    static func escaped(_ text: String, limit: Int = 80) -> String {
        var result = ""
        var count = 0
        for scalar in text.unicodeScalars {
            if count == limit {
                result += "…"
                break
            }
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            default:
                let category = scalar.properties.generalCategory
                if category == .control || category == .lineSeparator || category == .paragraphSeparator
                    || category == .format
                {
                    result += "\\u{\(String(scalar.value, radix: 16))}"
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
            count += 1
        }
        return result
    }
}
