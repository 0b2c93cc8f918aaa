/// How deep a JSON text nests and how many members its top-level object or array has, measured in
/// one pass without building anything. Readers check these against `ReaderLimits` before handing
/// the text to a decoder, so neither a deeply nested nor a huge document reaches it.
public struct JSONShape: Sendable, Equatable {
    /// Deepest nesting of objects and arrays (a flat object is 1).
    public var depth = 0
    /// Members of the outermost object or array (0 when it is empty or the text is a scalar).
    public var topLevelMembers = 0

    /// Measures `bytes`. Malformed text gives some shape; the decoder refuses it afterwards.
    public init(measuring bytes: [UInt8]) {
        var level = 0
        var inString = false
        var escaped = false
        var sawValueAtTopLevel = false
        for byte in bytes {
            if inString {
                if escaped {
                    escaped = false
                } else if byte == 0x5C {
                    escaped = true
                } else if byte == 0x22 {
                    inString = false
                }
                continue
            }
            switch byte {
            case 0x22:  // "
                inString = true
                if level == 1 { sawValueAtTopLevel = true }
            case 0x7B, 0x5B:  // { [
                if level == 1 { sawValueAtTopLevel = true }
                level += 1
                depth = max(depth, level)
            case 0x7D, 0x5D:  // } ]
                level = max(0, level - 1)
            case 0x2C where level == 1:  // ,
                topLevelMembers += 1
            case 0x20, 0x09, 0x0A, 0x0D:
                break
            default:
                if level == 1 { sawValueAtTopLevel = true }
            }
        }
        if sawValueAtTopLevel { topLevelMembers += 1 }
    }
}
