/// A datatype message (format specification "Level 2A2", type 0x0003) of the classes these files
/// use: little- or big-endian integers and IEEE-style floats of standard sizes, fixed-length
/// strings, 1-byte enumerations over an integer (h5py's booleans) and variable-length strings.
/// Compound, array, reference, opaque, bitfield, time and variable-length sequence types are refused,
/// and so are integers or floats whose bits do not fill their bytes.
indirect enum FileDatatype {
    case integer(size: Int)
    case float(size: Int)
    case string(size: Int)
    case enumeration(base: FileDatatype, memberCount: Int)
    /// Each element is a 4-byte length and a global heap reference (address, index).
    case variableString

    /// Bytes of one element as stored in the file.
    var size: Int {
        switch self {
        case .integer(let size), .float(let size), .string(let size): return size
        case .enumeration(let base, _): return base.size
        case .variableString: return 4 + 8 + 4
        }
    }

    /// Strings in attributes and datasets; a name or a JSON document, never megabytes per element.
    static let maxStringSize = 1 << 20

    static func decode(_ cursor: inout ByteCursor, depth: Int = 0) throws(PreflightFailure) -> FileDatatype {
        let start = cursor.fileOffset
        let classAndVersion = try cursor.u8("the datatype class")
        let typeClass = classAndVersion & 0x0F, version = classAndVersion >> 4
        guard (1...3).contains(version) else { throw .malformed(start, "datatype version \(version) is not 1 … 3") }
        let bits = UInt32(try cursor.u8()) | UInt32(try cursor.u8()) << 8 | UInt32(try cursor.u8()) << 16
        let size = Int(try cursor.u32("the datatype size"))
        switch typeClass {
        case 0:
            guard bits & ~0x0F == 0, bits & 0x06 == 0 else { throw .malformed(start, "integer bit fields \(bits)") }
            guard [1, 2, 4, 8].contains(size) else { throw .malformed(start, "a \(size)-byte integer") }
            let offset = try cursor.u16(), precision = Int(try cursor.u16())
            guard offset == 0, precision == 8 * size else {
                throw .malformed(start, "integer of \(precision) bits at bit \(offset) in \(size) bytes")
            }
            return .integer(size: size)
        case 1:
            // Bit 6 is VAX order; bits 4-5 = 3 is a reserved normalisation.
            guard bits & 0x40 == 0, bits & 0x30 != 0x30, bits >> 16 == 0 else {
                throw .malformed(start, "float bit fields \(bits)")
            }
            guard [2, 4, 8].contains(size) else { throw .malformed(start, "a \(size)-byte float") }
            let sign = Int((bits >> 8) & 0xFF)
            let offset = try cursor.u16(), precision = Int(try cursor.u16())
            let exponentLocation = Int(try cursor.u8()), exponentSize = Int(try cursor.u8())
            let mantissaLocation = Int(try cursor.u8()), mantissaSize = Int(try cursor.u8())
            _ = try cursor.u32("the exponent bias")
            guard offset == 0, precision == 8 * size, sign < precision, (1...precision).contains(exponentSize),
                (1...precision).contains(mantissaSize), exponentLocation + exponentSize <= precision,
                mantissaLocation + mantissaSize <= precision
            else { throw .malformed(start, "float fields do not fit its \(size) bytes") }
            return .float(size: size)
        case 3:
            guard bits & ~0xFF == 0, bits & 0x0F <= 2, bits >> 4 <= 1 else {
                throw .malformed(start, "string bit fields \(bits)")
            }
            guard (1...maxStringSize).contains(size) else { throw .malformed(start, "a \(size)-byte string") }
            return .string(size: size)
        case 8:
            guard depth == 0 else { throw .malformed(start, "a nested enumeration") }
            let count = Int(bits & 0xFFFF)
            guard count >= 1 else { throw .malformed(start, "an enumeration without members") }
            let base = try decode(&cursor, depth: depth + 1)
            guard case .integer = base, base.size == size else {
                throw .malformed(start, "an enumeration must be over an integer of its own size")
            }
            for _ in 0..<count {
                // Names end with a NUL; versions 1 and 2 pad them to a multiple of 8 bytes.
                let nameStart = cursor.position
                while try cursor.u8("an enumeration member name") != 0 {}
                if version < 3 {
                    let used = cursor.position - nameStart
                    try cursor.skip((used + 7) / 8 * 8 - used, "name padding")
                }
            }
            try cursor.skip(count * size, "the enumeration values")
            return .enumeration(base: base, memberCount: count)
        case 9:
            guard depth == 0 else { throw .malformed(start, "a nested variable-length type") }
            guard bits & 0x0F == 1, bits & ~0xFFF == 0, (bits >> 4) & 0x0F <= 2, (bits >> 8) & 0x0F <= 1 else {
                throw .malformed(start, "only variable-length strings are accepted (bit fields \(bits))")
            }
            let base = try decode(&cursor, depth: depth + 1)
            guard base.size == 1 else { throw .malformed(start, "a variable-length string of \(base.size)-byte units") }
            // In the file each element is its length, the heap collection's address and the index.
            guard size == FileDatatype.variableString.size else {
                throw .malformed(start, "a variable-length string type of \(size) bytes, not 16")
            }
            return .variableString
        default:
            let names = [
                2: "time", 4: "bitfield", 5: "opaque", 6: "compound", 7: "reference", 10: "array", 11: "complex",
            ]
            throw .malformed(start, "\(names[Int(typeClass)] ?? "class \(typeClass)") datatypes are not accepted")
        }
    }
}
