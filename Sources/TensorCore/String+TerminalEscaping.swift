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

    /// This text in double quotes for a message, as `escapedForTerminal` makes it safe, with quotes and
    /// backslashes escaped so the quoted part cannot be mistaken for the message around it, line breaks and
    /// tabs spelled `\n`, `\r`, `\t`, and every other format character (zero-width, bidirectional) escaped.
    public func quotedForMessage(maxLength: Int = 80) -> String {
        var result = "\""
        for (count, scalar) in unicodeScalars.enumerated() {
            if count == maxLength {
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
                if scalar.properties.generalCategory == .format {
                    result += "\\u{" + String(scalar.value, radix: 16) + "}"
                } else {
                    result += String(scalar).escapedForTerminal()
                }
            }
        }
        return result + "\""
    }
}
