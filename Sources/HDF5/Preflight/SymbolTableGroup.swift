/// The links of a group stored the pre-1.8 way (format specification "Level 1A1", "1B", "1C", "1D"):
/// a version-1 B-tree of symbol table nodes whose entries name objects by offsets into a local
/// heap. Every node is claimed once, entry counts stay within the superblock's K values, and the
/// local heap's free list is walked here first (libhdf5 1.10.8 follows it without a cycle check).
enum SymbolTableGroup {
    /// A link of the group, and the B-tree and heap its entry caches (for a child group).
    struct Entry {
        let link: LinkMessages.Link
        let cache: (btree: UInt64, heap: UInt64)?
    }

    /// The hard links of the group.
    static func links(
        btree: UInt64, heap heapAddress: UInt64, superblock: Superblock, file: PreflightFile, limits: HDF5Limits
    ) throws(PreflightFailure) -> [Entry] {
        let heap = try LocalHeap.read(at: heapAddress, file: file)
        var links: [Entry] = []
        try walk(
            node: btree, expectedLevel: nil, superblock: superblock, heap: heap, file: file, limits: limits,
            into: &links)
        return links
    }

    private static func walk(
        node address: UInt64, expectedLevel: Int?, superblock: Superblock, heap: LocalHeap, file: PreflightFile,
        limits: HDF5Limits, into links: inout [Entry]
    ) throws(PreflightFailure) {
        let node = try V1BTreeNode.read(
            at: address, type: 0, keySize: 8, maxEntries: 2 * superblock.groupInternalNodeK, file: file)
        if let expectedLevel, node.level != expectedLevel {
            throw .malformed(address, "B-tree node level \(node.level), expected \(expectedLevel)")
        }
        for child in node.children {
            if node.level > 0 {
                try walk(
                    node: child, expectedLevel: node.level - 1, superblock: superblock, heap: heap, file: file,
                    limits: limits, into: &links)
            } else {
                try readSymbolNode(
                    at: child, maxEntries: 2 * superblock.groupLeafNodeK, heap: heap, file: file, into: &links)
                guard links.count <= limits.maxLinksPerGroup else {
                    throw .limit("links", limits.maxLinksPerGroup)
                }
            }
        }
    }

    private static func readSymbolNode(
        at address: UInt64, maxEntries: Int, heap: LocalHeap, file: PreflightFile,
        into links: inout [Entry]
    ) throws(PreflightFailure) {
        try file.claim(address, "the symbol table node at \(address)")
        var cursor = try file.read(at: address, count: 8 + 40 * maxEntries, "a symbol table node")
        try cursor.signature("SNOD")
        let version = try cursor.u8()
        guard version == 1 else { throw cursor.failure("symbol table node version \(version)") }
        try cursor.skip(1)
        let count = Int(try cursor.u16("the symbol count"))
        guard count <= maxEntries else { throw cursor.failure("\(count) symbols in a node of \(maxEntries)") }
        for _ in 0..<count {
            let nameOffset = try cursor.u64("a link name offset")
            let objectAddress = try cursor.u64("an object address")
            let cacheType = try cursor.u32("a cache type")
            try cursor.skip(4)
            var cache: (UInt64, UInt64)?
            switch cacheType {
            case 0: try cursor.skip(16)
            case 1: cache = (try cursor.u64("a cached B-tree address"), try cursor.u64("a cached heap address"))
            default: throw cursor.failure("symbol cache type \(cacheType) (soft links are not accepted)")
            }
            let link = LinkMessages.Link(name: try heap.name(at: nameOffset), address: objectAddress)
            links.append(Entry(link: link, cache: cache))
        }
    }
}

/// A local heap (format specification "Level 1D"): the names of a symbol-table group.
struct LocalHeap {
    let address: UInt64
    let data: [UInt8]

    static func read(at address: UInt64, file: PreflightFile) throws(PreflightFailure) -> LocalHeap {
        try file.claim(address, "the local heap at \(address)")
        var cursor = try file.read(at: address, count: 32, "a local heap")
        try cursor.signature("HEAP")
        let version = try cursor.u8()
        guard version == 0 else { throw cursor.failure("local heap version \(version)") }
        try cursor.skip(3)
        let size = try cursor.u64("the heap data size")
        let freeList = try cursor.u64("the free list offset")
        let dataAddress = try cursor.u64("the heap data address")
        guard size >= 1, size <= 1 << 30, file.contains(dataAddress, length: size) else {
            throw .malformed(address, "local heap data \(dataAddress) + \(size) lies outside the file")
        }
        let data = try file.read(at: dataAddress, count: Int(size), "local heap data").bytes
        // Free blocks: offset of the next (1 or all ones ends the list) and size, each 8 bytes.
        var next = freeList
        var seen: Set<UInt64> = []
        while next != 1, next != Superblock.undefined {
            guard next <= size - min(size, 16), next % 8 == 0 else {
                throw .malformed(address, "local heap free block at \(next) lies outside its \(size) bytes")
            }
            var block = ByteCursor(Array(data[Int(next)..<Int(next + 16)]), origin: dataAddress + next)
            let following = try block.u64(), blockSize = try block.u64()
            guard blockSize >= 16, blockSize <= size - next else {
                throw block.failure("free block of \(blockSize) bytes")
            }
            guard seen.insert(next).inserted else { throw block.failure("the local heap free list loops") }
            next = following
        }
        return LocalHeap(address: address, data: data)
    }

    /// The NUL-terminated name at `offset`.
    func name(at offset: UInt64) throws(PreflightFailure) -> String {
        guard offset < UInt64(data.count), let end = data[Int(offset)...].firstIndex(of: 0) else {
            throw .malformed(address, "a link name at heap offset \(offset) is not inside the heap")
        }
        return try Names.decode(Array(data[Int(offset)..<end]), terminated: false, at: address, what: "link")
    }
}

/// A version-1 B-tree node (format specification "Level 1A1"): `TREE`, its type, level and at most
/// `maxEntries` children, each child address inside the file; keys are returned for the caller.
struct V1BTreeNode {
    let level: Int
    let keys: [ByteCursor]
    let children: [UInt64]

    static let maxLevel = 64

    static func read(at address: UInt64, type: UInt8, keySize: Int, maxEntries: Int, file: PreflightFile)
        throws(PreflightFailure) -> V1BTreeNode
    {
        try file.claim(address, "the B-tree node at \(address)")
        let size = 24 + maxEntries * (keySize + 8) + keySize
        var cursor = try file.read(at: address, count: size, "a B-tree node")
        try cursor.signature("TREE")
        let nodeType = try cursor.u8("the node type")
        guard nodeType == type else { throw cursor.failure("B-tree node type \(nodeType), expected \(type)") }
        let level = Int(try cursor.u8("the node level"))
        let count = Int(try cursor.u16("the entries used"))
        guard level <= maxLevel, count <= maxEntries else {
            throw cursor.failure("B-tree node of level \(level) with \(count) entries (at most \(maxEntries))")
        }
        try cursor.skip(16, "the sibling addresses")
        var keys: [ByteCursor] = [], children: [UInt64] = []
        for _ in 0..<count {
            keys.append(try cursor.sub(keySize, "a key"))
            let child = try cursor.u64("a child address")
            guard file.contains(child, length: 1) else {
                throw cursor.failure("child address \(child) outside the file")
            }
            children.append(child)
        }
        keys.append(try cursor.sub(keySize, "the last key"))
        return V1BTreeNode(level: level, keys: keys, children: children)
    }
}
