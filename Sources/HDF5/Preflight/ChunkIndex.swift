/// The version-1 B-tree that indexes a chunked dataset's chunks (format specification "Level 1A1",
/// node type 1): every chunk's key inside the dataset's extent and on the chunk grid, its stored
/// bytes inside the file and within `HDF5Limits.maxChunkBytes`, no chunk twice, no more chunks than
/// the grid has, and every compressed chunk inflating to exactly the chunk's size.
enum ChunkIndex {
    static func check(
        btree: UInt64, dimensions: [UInt64], chunk: [UInt64], chunkBytes: UInt64, filters: [UInt16],
        superblock: Superblock, file: PreflightFile, limits: HDF5Limits
    ) throws(PreflightFailure) {
        var gridCount: UInt64 = 1
        for (dimension, size) in zip(dimensions, chunk) {
            let (product, overflow) = gridCount.multipliedReportingOverflow(
                by: dimension / size + (dimension % size == 0 ? 0 : 1))
            guard !overflow else { throw .malformed(btree, "chunk grid overflows") }
            gridCount = product
        }
        var seen: Set<[UInt64]> = []
        try walk(
            node: btree, expectedLevel: nil, rank: dimensions.count, dimensions: dimensions, chunk: chunk,
            chunkBytes: chunkBytes, filters: filters, gridCount: gridCount, superblock: superblock, file: file,
            limits: limits, seen: &seen)
    }

    private static func walk(
        node address: UInt64, expectedLevel: Int?, rank: Int, dimensions: [UInt64], chunk: [UInt64],
        chunkBytes: UInt64, filters: [UInt16], gridCount: UInt64, superblock: Superblock, file: PreflightFile,
        limits: HDF5Limits, seen: inout Set<[UInt64]>
    ) throws(PreflightFailure) {
        let node = try V1BTreeNode.read(
            at: address, type: 1, keySize: 8 + 8 * (rank + 1), maxEntries: 2 * superblock.chunkNodeK, file: file)
        if let expectedLevel, node.level != expectedLevel {
            throw .malformed(address, "chunk B-tree level \(node.level), expected \(expectedLevel)")
        }
        for (index, child) in node.children.enumerated() {
            if node.level > 0 {
                try walk(
                    node: child, expectedLevel: node.level - 1, rank: rank, dimensions: dimensions, chunk: chunk,
                    chunkBytes: chunkBytes, filters: filters, gridCount: gridCount, superblock: superblock,
                    file: file, limits: limits, seen: &seen)
                continue
            }
            var key = node.keys[index]
            let stored = UInt64(try key.u32("a chunk size"))
            let mask = try key.u32("a filter mask")
            var offsets: [UInt64] = []
            for _ in 0...rank { offsets.append(try key.u64("a chunk offset")) }
            for axis in 0..<rank where offsets[axis] >= dimensions[axis] || offsets[axis] % chunk[axis] != 0 {
                throw .malformed(address, "a chunk at \(offsets) is off the grid of \(dimensions)")
            }
            guard offsets[rank] == 0 else { throw .malformed(address, "a chunk at \(offsets)") }
            guard stored >= 1, stored <= UInt64(limits.maxChunkBytes) else {
                throw .limit("the stored bytes of one chunk", limits.maxChunkBytes)
            }
            guard file.contains(child, length: stored) else {
                throw .malformed(address, "chunk data \(child) + \(stored) lies outside the file")
            }
            try file.claim(child, "the chunk data at \(child)")
            try checkFilteredSize(
                at: child, stored: stored, mask: mask, filters: filters, chunkBytes: chunkBytes, file: file)
            guard seen.insert(offsets).inserted else {
                throw .malformed(address, "the chunk at \(offsets) appears twice")
            }
            guard UInt64(seen.count) <= gridCount else {
                throw .malformed(address, "more chunks than its grid of \(gridCount)")
            }
        }
    }

    /// What the filters undo, in reverse order, must give back exactly `chunkBytes`: Fletcher-32
    /// removes its 4 bytes, deflate inflates (counted here), shuffle keeps the size. A bit of `mask`
    /// means that filter was skipped for this chunk.
    private static func checkFilteredSize(
        at address: UInt64, stored: UInt64, mask: UInt32, filters: [UInt16], chunkBytes: UInt64, file: PreflightFile
    ) throws(PreflightFailure) {
        guard mask >> UInt32(filters.count) == 0 else {
            throw .malformed(address, "chunk filter mask \(mask) for \(filters.count) filters")
        }
        let active = filters.enumerated().filter { mask & (1 << UInt32($0.offset)) == 0 }.map(\.element)
        var payload = stored
        if active.contains(FilterPipeline.fletcher32) {
            guard payload > 4 else { throw .malformed(address, "a checksummed chunk of \(stored) bytes") }
            payload -= 4
        }
        if active.contains(FilterPipeline.deflate) {
            let data = try file.readData(at: address, count: Int(payload), "compressed chunk data")
            do {
                payload = UInt64(try InflatedSize.of(zlib: data[...], limit: Int(chunkBytes)))
            } catch {
                switch error {
                case .tooLong:
                    throw .malformed(address, "a chunk inflates past its \(chunkBytes) bytes")
                case .malformed(let reason):
                    throw .malformed(address, "a compressed chunk is not valid zlib data (\(reason))")
                }
            }
        }
        guard payload == chunkBytes else {
            throw .malformed(address, "a chunk holds \(payload) bytes, its dimensions need \(chunkBytes)")
        }
    }
}
