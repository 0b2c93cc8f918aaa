/// Bob Jenkins' lookup3 `hashlittle`, the checksum of every HDF5 structure since format version 2
/// (HDF5 `H5checksum.c::H5_checksum_lookup3`, called with initial value 0), and the hash of link
/// and attribute names in dense storage.
enum Lookup3 {
    static func hash(_ bytes: ArraySlice<UInt8>, initialValue: UInt32 = 0) -> UInt32 {
        var a: UInt32 = 0xdead_beef &+ UInt32(truncatingIfNeeded: bytes.count) &+ initialValue
        var b = a
        var c = a
        var index = bytes.startIndex
        var length = bytes.count
        func word(_ start: Int, _ count: Int) -> UInt32 {
            var value: UInt32 = 0
            for offset in 0..<count { value |= UInt32(bytes[start + offset]) << (8 * UInt32(offset)) }
            return value
        }
        while length > 12 {
            a &+= word(index, 4)
            b &+= word(index + 4, 4)
            c &+= word(index + 8, 4)
            mix(&a, &b, &c)
            length -= 12
            index += 12
        }
        if length == 0 { return c }
        // The last 1 … 12 bytes fill a, b, c from the low byte up, as lookup3's fall-through switch.
        a &+= word(index, min(length, 4))
        if length > 4 { b &+= word(index + 4, min(length - 4, 4)) }
        if length > 8 { c &+= word(index + 8, length - 8) }
        final(&a, &b, &c)
        return c
    }

    static func hash(_ bytes: [UInt8]) -> UInt32 { hash(bytes[...]) }

    private static func rotate(_ value: UInt32, _ count: UInt32) -> UInt32 {
        (value << count) | (value >> (32 - count))
    }

    private static func mix(_ a: inout UInt32, _ b: inout UInt32, _ c: inout UInt32) {
        a &-= c; a ^= rotate(c, 4); c &+= b
        b &-= a; b ^= rotate(a, 6); a &+= c
        c &-= b; c ^= rotate(b, 8); b &+= a
        a &-= c; a ^= rotate(c, 16); c &+= b
        b &-= a; b ^= rotate(a, 19); a &+= c
        c &-= b; c ^= rotate(b, 4); b &+= a
    }

    private static func final(_ a: inout UInt32, _ b: inout UInt32, _ c: inout UInt32) {
        c ^= b; c &-= rotate(b, 14)
        a ^= c; a &-= rotate(c, 11)
        b ^= a; b &-= rotate(a, 25)
        c ^= b; c &-= rotate(b, 16)
        a ^= c; a &-= rotate(c, 4)
        b ^= a; b &-= rotate(a, 14)
        c ^= b; c &-= rotate(b, 24)
    }
}
