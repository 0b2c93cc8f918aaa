/// Text from a file made safe to print: a tensor name or a pickle global could otherwise carry
/// escape sequences that retitle or clear the user's terminal, or be megabytes long.
public enum TerminalText {
    /// `text` with every control character (C0, DEL, C1) written as `\u{…}` and, past `maxLength`
    /// characters, cut with `…`.
    public static func escaped(_ text: String, maxLength: Int = 4096) -> String {
        var result = ""
        var count = 0
        for scalar in text.unicodeScalars {
            if count >= maxLength {
                result += "…"
                break
            }
            let value = scalar.value
            if value < 0x20 || (0x7F...0x9F).contains(value) {
                result += "\\u{" + String(value, radix: 16) + "}"
            } else {
                result.unicodeScalars.append(scalar)
            }
            count += 1
        }
        return result
    }
}
