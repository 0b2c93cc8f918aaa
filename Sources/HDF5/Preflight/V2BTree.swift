/// A version-2 B-tree (format specification "Level 1A2") of the record types dense groups and dense
/// attributes use: header, internal and leaf nodes each checksummed, record counts within what the
/// node size allows (computed as HDF5's `H5B2__hdr_init` does), every node claimed once, and the
/// records found equal to the total the header states.
enum V2BTree {
    /// Record types and their sizes: 5 link names, 6 link creation order, 8 attribute names,
    /// 9 attribute creation order.
    static let recordSizes: [UInt8: Int] = [5: 11, 6: 15, 8: 17, 9: 13]
    static let maxDepth = 16

    /// Every record of the tree at `address`, each `recordSizes[type]` bytes.
    static func records(at address: UInt64, type: UInt8, file: PreflightFile, limit: Int, what: String)
        throws(PreflightFailure) -> [ByteCursor]
    {
        guard let recordSize = recordSizes[type] else { throw .malformed(address, "B-tree record type \(type)") }
        try file.claim(address, "the B-tree header at \(address)")
        var cursor = try file.read(at: address, count: 38, "a B-tree header")
        try cursor.signature("BTHD")
        let version = try cursor.u8(), nodeType = try cursor.u8()
        let nodeSize = Int(try cursor.u32("the node size"))
        let storedRecordSize = Int(try cursor.u16("the record size"))
        let depth = Int(try cursor.u16("the depth"))
        try cursor.skip(2, "the split and merge percentages")
        let root = try cursor.u64("the root address")
        let rootCount = Int(try cursor.u16("the root record count"))
        let total = try cursor.u64("the record total")
        try checksum(cursor, what: "B-tree header")
        guard version == 0, nodeType == type, storedRecordSize == recordSize else {
            throw .malformed(address, "B-tree version \(version) type \(nodeType) record size \(storedRecordSize)")
        }
        guard (64...(1 << 20)).contains(nodeSize), depth <= maxDepth else {
            throw .malformed(address, "B-tree node size \(nodeSize), depth \(depth)")
        }
        guard total <= UInt64(limit) else { throw .limit(what, limit) }
        if total == 0 {
            guard root == Superblock.undefined || rootCount == 0 else {
                throw .malformed(address, "empty B-tree with a root")
            }
            return []
        }
        let shape = try Shape(nodeSize: nodeSize, recordSize: recordSize, depth: depth, at: address)
        var records: [ByteCursor] = []
        try walk(
            node: root, depth: depth, count: rootCount, type: type, shape: shape, file: file, into: &records)
        guard UInt64(records.count) == total else {
            throw .malformed(address, "the B-tree holds \(records.count) records, its header says \(total)")
        }
        return records
    }

    /// How many records fit a node at each depth, and the widths of the counts in child pointers.
    struct Shape {
        let nodeSize: Int
        let recordSize: Int
        var maxRecords: [Int] = []
        var cumulativeMaxRecords: [UInt64] = []
        var cumulativeCountBytes: [Int] = []
        let countBytes: Int

        init(nodeSize: Int, recordSize: Int, depth: Int, at address: UInt64) throws(PreflightFailure) {
            self.nodeSize = nodeSize
            self.recordSize = recordSize
            let prefix = 10  // signature, version, type, checksum
            let leafRecords = (nodeSize - prefix) / recordSize
            guard leafRecords >= 2 else {
                throw .malformed(address, "B-tree nodes of \(nodeSize) bytes hold no records")
            }
            maxRecords = [leafRecords]
            cumulativeMaxRecords = [UInt64(leafRecords)]
            cumulativeCountBytes = [0]
            countBytes = Self.bytes(for: UInt64(leafRecords))
            for level in stride(from: 1, through: depth, by: 1) {
                let pointerSize = 8 + countBytes + (level > 1 ? cumulativeCountBytes[level - 1] : 0)
                let records = (nodeSize - prefix - pointerSize) / (recordSize + pointerSize)
                guard records >= 1 else {
                    throw .malformed(address, "B-tree of depth \(depth) in \(nodeSize)-byte nodes")
                }
                let below = cumulativeMaxRecords[level - 1]
                let (product, overflow) = UInt64(records + 1).multipliedReportingOverflow(by: below)
                let cumulative = overflow ? UInt64.max : product &+ UInt64(records)
                maxRecords.append(records)
                cumulativeMaxRecords.append(cumulative < product ? UInt64.max : cumulative)
                cumulativeCountBytes.append(Self.bytes(for: cumulativeMaxRecords[level]))
            }
        }

        /// `(log2(value) + 8) / 8` bytes: HDF5's width for a count up to `value`.
        static func bytes(for value: UInt64) -> Int {
            let log2 = value == 0 ? 0 : 63 - value.leadingZeroBitCount
            return (log2 + 8) / 8
        }
    }

    private static func walk(
        node address: UInt64, depth: Int, count: Int, type: UInt8, shape: Shape, file: PreflightFile,
        into records: inout [ByteCursor]
    ) throws(PreflightFailure) {
        guard count <= shape.maxRecords[depth] else {
            throw .malformed(address, "a B-tree node with \(count) records, at most \(shape.maxRecords[depth]) fit")
        }
        try file.claim(address, "the B-tree node at \(address)")
        var cursor = try file.read(at: address, count: shape.nodeSize, "a B-tree node")
        try cursor.signature(depth == 0 ? "BTLF" : "BTIN")
        let version = try cursor.u8(), nodeType = try cursor.u8()
        guard version == 0, nodeType == type else {
            throw .malformed(address, "B-tree node version \(version) type \(nodeType)")
        }
        for _ in 0..<count { records.append(try cursor.sub(shape.recordSize, "a record")) }
        var children: [(UInt64, Int)] = []
        if depth > 0 {
            for _ in 0...count {
                let child = try cursor.u64("a child address")
                let childCount = Int(try cursor.unsigned(byteCount: shape.countBytes, "a child record count"))
                if depth > 1 { _ = try cursor.unsigned(byteCount: shape.cumulativeCountBytes[depth - 1], "a total") }
                children.append((child, childCount))
            }
        }
        try checksum(cursor, what: "B-tree node")
        for (child, childCount) in children {
            try walk(
                node: child, depth: depth - 1, count: childCount, type: type, shape: shape, file: file, into: &records)
        }
    }

    /// Checks the 4-byte checksum that follows the bytes read so far.
    static func checksum(_ cursor: ByteCursor, what: String) throws(PreflightFailure) {
        var copy = cursor
        let stored = try copy.u32("the \(what) checksum")
        guard Lookup3.hash(cursor.bytes[0..<cursor.position]) == stored else {
            throw cursor.failure("the \(what) checksum does not match")
        }
    }
}
