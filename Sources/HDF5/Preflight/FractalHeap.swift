/// A fractal heap (format specification "Level 1G") holding the link or attribute messages of a
/// dense group or object: header, indirect and direct blocks checksummed and inside the file, block
/// offsets where the doubling table puts them, and each object found by its heap ID lying inside
/// one direct block. Filtered heaps and "huge" objects are refused (HDF5 writes them only for heaps
/// with I/O filters or objects past 64 KiB, neither of which these files have).
final class FractalHeap {
    let address: UInt64
    let idLength: Int
    private let maxManagedSize: UInt64
    private let width: Int
    private let startingBlockSize: UInt64
    private let maxDirectBlockSize: UInt64
    private let maxHeapBits: Int
    private let rootAddress: UInt64
    private let rootRows: Int
    private let checksummedDirectBlocks: Bool
    private let file: PreflightFile
    /// Direct blocks already read (the name and creation-order indexes lead to the same ones).
    private var directBlocks: [UInt64: [UInt8]] = [:]
    private var indirectBlocks: [UInt64: [UInt64]] = [:]

    private var offsetBytes: Int { (maxHeapBits + 7) / 8 }
    private var lengthBytes: Int {
        // `H5HF__hdr_finish_init_phase1`: enough for a block offset, and for the largest object.
        min((Self.log2(maxDirectBlockSize) + 7) / 8, Self.log2(maxManagedSize) / 8 + 1)
    }
    private var firstRowBits: Int { Self.log2(startingBlockSize) + Self.log2(UInt64(width)) }
    private var maxDirectRows: Int { Self.log2(maxDirectBlockSize) - Self.log2(startingBlockSize) + 2 }
    private var directBlockHeaderSize: Int { 5 + 8 + offsetBytes + (checksummedDirectBlocks ? 4 : 0) }

    init(at address: UInt64, file: PreflightFile) throws(PreflightFailure) {
        try file.claim(address, "the fractal heap at \(address)")
        var cursor = try file.read(at: address, count: 146, "a fractal heap header")
        try cursor.signature("FRHP")
        let version = try cursor.u8()
        idLength = Int(try cursor.u16("the heap ID length"))
        let filterLength = try cursor.u16("the filter length")
        let flags = try cursor.u8("the heap flags")
        maxManagedSize = UInt64(try cursor.u32("the maximum managed object size"))
        _ = try cursor.u64("the next huge object ID")
        let hugeTree = try cursor.u64("the huge object B-tree")
        try cursor.skip(8 * 2, "free space fields")
        try cursor.skip(8 * 4, "managed space fields")
        let hugeSize = try cursor.u64(), hugeCount = try cursor.u64()
        try cursor.skip(8 * 2, "tiny object fields")
        width = Int(try cursor.u16("the table width"))
        startingBlockSize = try cursor.u64("the starting block size")
        maxDirectBlockSize = try cursor.u64("the maximum direct block size")
        maxHeapBits = Int(try cursor.u16("the maximum heap size"))
        _ = try cursor.u16("the starting number of rows")
        rootAddress = try cursor.u64("the root block address")
        rootRows = Int(try cursor.u16("the number of root rows"))
        checksummedDirectBlocks = flags & 0x02 != 0
        self.address = address
        self.file = file
        guard version == 0, filterLength == 0, flags & ~0x03 == 0 else {
            throw .malformed(address, "fractal heap version \(version), filters \(filterLength), flags \(flags)")
        }
        try V2BTree.checksum(cursor, what: "fractal heap header")
        guard hugeTree == Superblock.undefined, hugeSize == 0, hugeCount == 0 else {
            throw .malformed(address, "huge fractal heap objects are not accepted")
        }
        guard Self.isPowerOfTwo(UInt64(width)), width <= 65536, Self.isPowerOfTwo(startingBlockSize),
            startingBlockSize >= 64, Self.isPowerOfTwo(maxDirectBlockSize), maxDirectBlockSize >= startingBlockSize,
            maxDirectBlockSize <= 1 << 26, maxHeapBits >= firstRowBits, maxHeapBits <= 48,
            maxManagedSize >= 1, maxManagedSize <= maxDirectBlockSize
        else {
            throw .malformed(
                address,
                "fractal heap table: width \(width), blocks \(startingBlockSize) … \(maxDirectBlockSize), \(maxHeapBits) bits"
            )
        }
        guard rootRows <= maxHeapBits - firstRowBits + 1 else { throw .malformed(address, "\(rootRows) root rows") }
        guard idLength >= 1 + offsetBytes + lengthBytes, idLength <= 64 else {
            throw .malformed(address, "heap IDs of \(idLength) bytes")
        }
    }

    /// The object a heap ID names.
    func object(_ id: ByteCursor) throws(PreflightFailure) -> ByteCursor {
        var cursor = id
        guard cursor.remaining == idLength else { throw cursor.failure("a heap ID of \(cursor.remaining) bytes") }
        let flags = try cursor.u8("the heap ID flags")
        guard flags >> 6 == 0 else { throw cursor.failure("heap ID version \(flags >> 6)") }
        switch (flags >> 4) & 0x03 {
        case 0:
            let offset = try cursor.unsigned(byteCount: offsetBytes, "a heap offset")
            let length = try cursor.unsigned(byteCount: lengthBytes, "a heap object length")
            guard length >= 1, length <= maxManagedSize else {
                throw cursor.failure("a heap object of \(length) bytes (at most \(maxManagedSize))")
            }
            return try managed(offset: offset, length: Int(length), at: id.origin)
        case 2:
            // Tiny objects live in the ID itself; IDs past 18 bytes use two bytes for the length.
            let extended = idLength > 18
            var length = Int(flags & 0x0F)
            if extended { length = length << 8 | Int(try cursor.u8()) }
            return try cursor.sub(length + 1, "a tiny heap object")
        default:
            throw cursor.failure("huge heap objects are not accepted")
        }
    }

    private func managed(offset: UInt64, length: Int, at idOffset: UInt64) throws(PreflightFailure) -> ByteCursor {
        guard rootAddress != Superblock.undefined else { throw .malformed(idOffset, "a heap ID into an empty heap") }
        var blockAddress = rootAddress
        var blockSize = startingBlockSize
        var blockOffset: UInt64 = 0  // of the current block in the heap's address space
        var rows = rootRows
        var descents = 0
        while rows > 0 {
            // Row and column of the entry holding `offset` (`H5HF__dtable_lookup`).
            let relative = offset - blockOffset
            let row: Int
            let column: UInt64
            if relative < startingBlockSize * UInt64(width) {
                row = 0
                column = relative / startingBlockSize
            } else {
                let highBit = Self.log2(relative)
                row = highBit - firstRowBits + 1
                column = (relative - (1 << UInt64(highBit))) / rowBlockSize(row)
            }
            guard row < rows else { throw .malformed(idOffset, "heap offset \(offset) is past the heap's rows") }
            let children = try indirectBlock(at: blockAddress, offset: blockOffset, rows: rows)
            let entry = row * width + Int(column)
            blockOffset += rowOffset(row) + column * rowBlockSize(row)
            blockAddress = children[entry]
            guard blockAddress != Superblock.undefined else {
                throw .malformed(idOffset, "heap offset \(offset) is in a block that was never written")
            }
            if row < maxDirectRows {
                blockSize = rowBlockSize(row)
                rows = 0
            } else {
                rows = Self.log2(rowBlockSize(row)) - firstRowBits + 1
            }
            descents += 1
            guard descents <= 64 else { throw .malformed(idOffset, "fractal heap blocks nest too deep") }
        }
        let block = try directBlock(at: blockAddress, offset: blockOffset, size: Int(blockSize))
        let start = offset - blockOffset
        guard start >= UInt64(directBlockHeaderSize), start <= blockSize, UInt64(length) <= blockSize - start else {
            throw .malformed(idOffset, "heap object \(offset) + \(length) is not inside its block")
        }
        return ByteCursor(Array(block[Int(start)..<(Int(start) + length)]), origin: blockAddress + start)
    }

    private func rowBlockSize(_ row: Int) -> UInt64 {
        row == 0 ? startingBlockSize : startingBlockSize << UInt64(row - 1)
    }
    private func rowOffset(_ row: Int) -> UInt64 {
        row == 0 ? 0 : startingBlockSize * UInt64(width) << UInt64(row - 1)
    }

    private func indirectBlock(at blockAddress: UInt64, offset: UInt64, rows: Int) throws(PreflightFailure) -> [UInt64]
    {
        if let children = indirectBlocks[blockAddress] { return children }
        try file.claim(blockAddress, "the fractal heap block at \(blockAddress)")
        let entries = rows * width
        var cursor = try file.read(at: blockAddress, count: 5 + 8 + offsetBytes + 8 * entries + 4, "a heap block")
        try cursor.signature("FHIB")
        let version = try cursor.u8()
        let header = try cursor.u64("the heap header address")
        let storedOffset = try cursor.unsigned(byteCount: offsetBytes, "the block offset")
        guard version == 0, header == address, storedOffset == offset else {
            throw cursor.failure("indirect block version \(version), heap \(header), offset \(storedOffset)")
        }
        var children: [UInt64] = []
        for _ in 0..<entries {
            let child = try cursor.u64("a child block address")
            guard child == Superblock.undefined || file.contains(child, length: 1) else {
                throw cursor.failure("child block \(child) outside the file")
            }
            children.append(child)
        }
        try V2BTree.checksum(cursor, what: "fractal heap indirect block")
        indirectBlocks[blockAddress] = children
        return children
    }

    private func directBlock(at blockAddress: UInt64, offset: UInt64, size: Int) throws(PreflightFailure) -> [UInt8] {
        if let bytes = directBlocks[blockAddress] { return bytes }
        try file.claim(blockAddress, "the fractal heap block at \(blockAddress)")
        var cursor = try file.read(at: blockAddress, count: size, "a heap block")
        try cursor.signature("FHDB")
        let version = try cursor.u8()
        let header = try cursor.u64("the heap header address")
        let storedOffset = try cursor.unsigned(byteCount: offsetBytes, "the block offset")
        guard version == 0, header == address, storedOffset == offset else {
            throw cursor.failure("direct block version \(version), heap \(header), offset \(storedOffset)")
        }
        if checksummedDirectBlocks {
            // The checksum covers the whole block with its own four bytes taken as zero.
            var bytes = cursor.bytes
            let at = cursor.position
            let stored = try cursor.u32("the direct block checksum")
            bytes.replaceSubrange(at..<(at + 4), with: [0, 0, 0, 0])
            guard Lookup3.hash(bytes) == stored else {
                throw .malformed(blockAddress, "the direct block checksum does not match")
            }
        }
        directBlocks[blockAddress] = cursor.bytes
        return cursor.bytes
    }

    static func isPowerOfTwo(_ value: UInt64) -> Bool { value != 0 && value & (value - 1) == 0 }
    static func log2(_ value: UInt64) -> Int { value == 0 ? 0 : 63 - value.leadingZeroBitCount }
}
