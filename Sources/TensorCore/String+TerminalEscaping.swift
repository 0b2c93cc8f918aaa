extension String {
    /// This text made safe to print in a one-line message: control characters (C0, DEL, C1) and
    /// line/paragraph separators and bidirectional overrides become `\u{…}` escapes, so text taken
    /// from a file can neither drive the terminal (ESC sequences), break the message onto several
    /// lines nor reorder what is shown; text longer
    /// than `maxLength` characters is cut and ends with `…`.
    ///
    /// Every error message that quotes a file's text (tensor names, pickle globals, zip members,
    /// ONNX names) passes it through here.
    public func escapedForTerminal(maxLength: Int = 200) -> String {
        var result = ""
        var length = 0
        for scalar in unicodeScalars {
            if length >= maxLength {
                result += "…"
                return result
            }
            let value = scalar.value
            if value < 0x20 || (0x7F...0x9F).contains(value) || (0x2028...0x202E).contains(value)
                || (0x2066...0x2069).contains(value)
            {
                result += "\\u{" + String(value, radix: 16) + "}"
            } else {
                result.unicodeScalars.append(scalar)
            }
            length += 1
        }
        return result
    }
}
