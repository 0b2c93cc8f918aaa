/// The superblock at byte 0 (HDF5 file format specification, "Level 0A"): versions 0 – 3, with
/// 8-byte offsets and lengths, base address 0, no driver information block and no superblock
/// extension, an end-of-file address within the real file, and (version 2 and 3) a valid checksum.
struct Superblock {
    static let signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]
    /// Addresses of all ones mean "no address".
    static let undefined = UInt64.max

    let version: Int
    let rootObjectHeader: UInt64
    /// Entries of a symbol-table node and of a group B-tree node are at most twice these.
    let groupLeafNodeK: Int
    let groupInternalNodeK: Int
    /// Entries of a chunk B-tree node are at most twice this.
    let chunkNodeK: Int
    /// Version 0/1: the B-tree and local heap the root entry caches, when it caches them.
    let rootSymbolTableCache: (btree: UInt64, heap: UInt64)?

    /// Reads and checks the superblock; nil when byte 0 does not start with the HDF5 signature.
    static func read(_ file: PreflightFile) throws(PreflightFailure) -> Superblock? {
        guard file.size >= 8 else { return nil }
        var head = try file.read(at: 0, count: 8, "the signature")
        guard try head.take(8) == signature else { return nil }
        // Version 0 is the longest (96 bytes with 8-byte fields); version 1 adds 4.
        var cursor = try file.read(at: 0, count: Int(min(file.size, 100)), "the superblock")
        try cursor.skip(8)
        let version = Int(try cursor.u8("the superblock version"))
        let length = [0: 96, 1: 100, 2: 48, 3: 48][version] ?? 0
        guard file.size >= UInt64(length) else {
            throw .malformed(0, "the file ends inside its superblock (\(file.size) bytes; an interrupted download?)")
        }
        switch version {
        case 0, 1: return try readVersion0or1(&cursor, version: version, file: file)
        case 2, 3: return try readVersion2or3(&cursor, version: version, file: file)
        default: throw .malformed(8, "superblock version \(version) is not one of 0 … 3")
        }
    }

    private static func readVersion0or1(_ cursor: inout ByteCursor, version: Int, file: PreflightFile)
        throws(PreflightFailure) -> Superblock
    {
        let freeSpaceVersion = try cursor.u8(), rootEntryVersion = try cursor.u8()
        try cursor.skip(1)
        let sharedHeaderVersion = try cursor.u8()
        guard freeSpaceVersion == 0, rootEntryVersion == 0, sharedHeaderVersion == 0 else {
            throw cursor.failure("superblock sub-versions must be 0")
        }
        try checkSizes(&cursor)
        try cursor.skip(1)
        let leafK = Int(try cursor.u16()), internalK = Int(try cursor.u16())
        _ = try cursor.u32("the consistency flags")
        var chunkK = 32  // HDF5's default when the superblock does not store it
        if version == 1 {
            chunkK = Int(try cursor.u16())
            try cursor.skip(2)
        }
        guard (1...1024).contains(leafK), (1...1024).contains(internalK), (1...1024).contains(chunkK) else {
            throw cursor.failure("B-tree K values \(leafK), \(internalK), \(chunkK) are outside 1 … 1024")
        }
        try checkBase(try cursor.u64())
        guard try cursor.u64() == undefined else { throw cursor.failure("a free-space address is not accepted") }
        try checkEnd(try cursor.u64(), file: file, at: cursor.fileOffset - 8)
        guard try cursor.u64() == undefined else {
            throw cursor.failure("a driver information block (family, multi or split files) is not accepted")
        }
        // The root group's symbol table entry.
        _ = try cursor.u64("the root link name offset")
        let root = try cursor.u64("the root object header address")
        let cacheType = try cursor.u32()
        try cursor.skip(4)
        var cache: (UInt64, UInt64)?
        switch cacheType {
        case 0: try cursor.skip(16)
        case 1: cache = (try cursor.u64(), try cursor.u64())
        default: throw cursor.failure("root entry cache type \(cacheType) is not 0 or 1")
        }
        try checkRoot(root, file: file)
        return Superblock(
            version: version, rootObjectHeader: root, groupLeafNodeK: leafK, groupInternalNodeK: internalK,
            chunkNodeK: chunkK, rootSymbolTableCache: cache)
    }

    private static func readVersion2or3(_ cursor: inout ByteCursor, version: Int, file: PreflightFile)
        throws(PreflightFailure) -> Superblock
    {
        try checkSizes(&cursor)
        _ = try cursor.u8("the consistency flags")
        try checkBase(try cursor.u64())
        guard try cursor.u64() == undefined else {
            throw cursor.failure("a superblock extension (shared messages, file-space settings) is not accepted")
        }
        try checkEnd(try cursor.u64(), file: file, at: cursor.fileOffset - 8)
        let root = try cursor.u64("the root object header address")
        let stored = try cursor.u32("the superblock checksum")
        guard Lookup3.hash(cursor.bytes[0..<(cursor.position - 4)]) == stored else {
            throw .malformed(0, "the superblock checksum does not match")
        }
        try checkRoot(root, file: file)
        return Superblock(
            version: version, rootObjectHeader: root, groupLeafNodeK: 4, groupInternalNodeK: 16, chunkNodeK: 32,
            rootSymbolTableCache: nil)
    }

    private static func checkSizes(_ cursor: inout ByteCursor) throws(PreflightFailure) {
        let offsets = try cursor.u8(), lengths = try cursor.u8()
        guard offsets == 8, lengths == 8 else {
            throw cursor.failure("sizes of offsets and lengths are \(offsets) and \(lengths), not 8 and 8")
        }
    }

    private static func checkBase(_ base: UInt64) throws(PreflightFailure) {
        guard base == 0 else { throw .malformed(0, "base address \(base) is not 0 (a user block is not accepted)") }
    }

    private static func checkEnd(_ declared: UInt64, file: PreflightFile, at offset: UInt64) throws(PreflightFailure) {
        guard declared <= file.size else {
            throw PreflightFailure(reason: .truncated(declaredBytes: declared, actualBytes: file.size))
        }
        // Data past the declared end is never read; addresses are checked against the declared end.
        file.end = declared
    }

    private static func checkRoot(_ root: UInt64, file: PreflightFile) throws(PreflightFailure) {
        guard root != undefined, file.contains(root, length: 16) else {
            throw .malformed(0, "the root object header address \(root) lies outside the file")
        }
    }
}
