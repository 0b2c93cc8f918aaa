/// The group messages (format specification "Level 2A2"): links (type 0x0006, hard links only),
/// link info (0x0002), group info (0x000A), attribute info (0x0015) and symbol table (0x0011).
enum LinkMessages {
    /// A hard link: a name and the address of the object it names.
    struct Link {
        let name: String
        let address: UInt64
    }

    /// Where dense storage lives; `heap` is undefined for compact storage.
    struct DenseStorage {
        let heap: UInt64
        let nameIndex: UInt64
        let creationOrderIndex: UInt64?

        var isDense: Bool { heap != Superblock.undefined }
    }

    static func link(_ data: ByteCursor) throws(PreflightFailure) -> Link {
        var cursor = data
        let start = cursor.fileOffset
        let version = try cursor.u8("the link version")
        guard version == 1 else { throw .malformed(start, "link message version \(version)") }
        let flags = try cursor.u8("the link flags")
        guard flags & 0xE0 == 0 else { throw .malformed(start, "link flags \(flags)") }
        var type: UInt8 = 0
        if flags & 0x08 != 0 { type = try cursor.u8("the link type") }
        if flags & 0x04 != 0 { _ = try cursor.u64("the link creation order") }
        if flags & 0x10 != 0 {
            let characterSet = try cursor.u8("the link name character set")
            guard characterSet <= 1 else { throw .malformed(start, "link name character set \(characterSet)") }
        }
        let nameLength = try cursor.unsigned(byteCount: 1 << Int(flags & 0x03), "the link name length")
        guard nameLength <= UInt64(Names.maxLength) else {
            throw .malformed(start, "a link name of \(nameLength) bytes")
        }
        let name = try Names.decode(
            try cursor.take(Int(nameLength), "the link name"), terminated: false, at: start, what: "link")
        guard type == 0 else {
            let kind =
                type == 1 ? "a soft link" : type == 64 ? "an external link" : "a user-defined link (type \(type))"
            throw .malformed(start, "link \(Names.quoted(name)) is \(kind); only hard links are accepted")
        }
        return Link(name: name, address: try cursor.u64("the link address"))
    }

    /// The link info message (version 0).
    static func linkInfo(_ data: ByteCursor) throws(PreflightFailure) -> DenseStorage {
        try storage(data, what: "link info", creationIndexBytes: 8)
    }

    /// The attribute info message (version 0).
    static func attributeInfo(_ data: ByteCursor) throws(PreflightFailure) -> DenseStorage {
        try storage(data, what: "attribute info", creationIndexBytes: 2)
    }

    private static func storage(_ data: ByteCursor, what: String, creationIndexBytes: Int) throws(PreflightFailure)
        -> DenseStorage
    {
        var cursor = data
        let start = cursor.fileOffset
        let version = try cursor.u8("the \(what) version")
        let flags = try cursor.u8("the \(what) flags")
        guard version == 0, flags & ~0x03 == 0 else {
            throw .malformed(start, "\(what) version \(version) flags \(flags)")
        }
        if flags & 0x01 != 0 { try cursor.skip(creationIndexBytes, "the maximum creation index") }
        let heap = try cursor.u64("the fractal heap address")
        let nameIndex = try cursor.u64("the name index address")
        let creationOrderIndex = flags & 0x02 != 0 ? try cursor.u64("the creation order index address") : nil
        return DenseStorage(heap: heap, nameIndex: nameIndex, creationOrderIndex: creationOrderIndex)
    }

    /// The group info message (version 0): only its size is checked.
    static func checkGroupInfo(_ data: ByteCursor) throws(PreflightFailure) {
        var cursor = data
        let start = cursor.fileOffset
        let version = try cursor.u8("the group info version")
        let flags = try cursor.u8("the group info flags")
        guard version == 0, flags & ~0x03 == 0 else {
            throw .malformed(start, "group info version \(version) flags \(flags)")
        }
        if flags & 0x01 != 0 {
            let maxCompact = try cursor.u16(), minDense = try cursor.u16()
            guard minDense <= maxCompact &+ 1 else {
                throw .malformed(start, "link storage limits \(maxCompact)/\(minDense)")
            }
        }
        if flags & 0x02 != 0 { try cursor.skip(4, "the estimated entry sizes") }
    }

    /// The symbol table message: the group's version-1 B-tree and local heap.
    static func symbolTable(_ data: ByteCursor) throws(PreflightFailure) -> (btree: UInt64, heap: UInt64) {
        var cursor = data
        return (try cursor.u64("the symbol table B-tree address"), try cursor.u64("the local heap address"))
    }
}
