/// Where a variable-length value lives: `length` units in object `index` of the global heap
/// collection at `collection` (address 0 and length 0 for an empty string).
struct GlobalHeapReference {
    let length: UInt32
    let collection: UInt64
    let index: UInt32
    /// Where the reference itself is, for messages.
    let offset: UInt64
}

/// A global heap collection (format specification "Level 1E"): `GCOL`, version 1, a size of at
/// least 4096 bytes inside the file, and objects that tile it exactly: each object header and its
/// 8-byte-padded data inside the collection, indices unique, object 0 (free space) last.
///
/// libhdf5 1.10.8 walks a collection without these checks: an object size of 0 for index 0 never
/// advances (an endless loop), a huge one wraps its pointer, and a read copies the object's stated
/// size into a buffer sized by the referencing string length.
struct GlobalHeapCollection {
    static let minimumSize: UInt64 = 4096
    /// Sizes of the objects, by index.
    let objectSizes: [UInt32: UInt64]

    static func read(at address: UInt64, file: PreflightFile, limits: HDF5Limits) throws(PreflightFailure)
        -> GlobalHeapCollection
    {
        var head = try file.read(at: address, count: 16, "a global heap collection")
        try head.signature("GCOL")
        let version = try head.u8("the global heap version")
        guard version == 1 else { throw head.failure("global heap version \(version)") }
        try head.skip(3)
        let size = try head.u64("the collection size")
        guard size >= minimumSize, size <= UInt64(limits.maxMetadataBytes), file.contains(address, length: size) else {
            throw .malformed(address, "a global heap collection of \(size) bytes (4096 … inside the file)")
        }
        var cursor = try file.read(at: address, count: Int(size), "a global heap collection")
        try cursor.skip(16)
        var sizes: [UInt32: UInt64] = [:]
        while !cursor.isAtEnd {
            let objectStart = cursor.fileOffset
            // libhdf5 treats a tail shorter than an object header as free space.
            if cursor.remaining < 16 { break }
            let index = try cursor.u16("a heap object index")
            _ = try cursor.u16("a reference count")
            try cursor.skip(4)
            let objectSize = try cursor.u64("a heap object size")
            if index == 0 {
                // The free-space object: its size counts its own header and reaches the end.
                guard objectSize == UInt64(cursor.remaining + 16) else {
                    throw .malformed(objectStart, "the free space object's size \(objectSize) does not reach the end")
                }
                break
            }
            let padded = objectSize <= UInt64(Int.max - 7) ? (objectSize + 7) / 8 * 8 : UInt64.max
            guard padded <= UInt64(cursor.remaining) else {
                throw .malformed(objectStart, "heap object \(index) claims \(objectSize) bytes past its collection")
            }
            guard sizes.updateValue(objectSize, forKey: UInt32(index)) == nil else {
                throw .malformed(objectStart, "heap object index \(index) appears twice")
            }
            try cursor.skip(Int(padded))
        }
        return GlobalHeapCollection(objectSizes: sizes)
    }

    /// Checks that `reference` names an object holding exactly `length` bytes.
    func check(_ reference: GlobalHeapReference) throws(PreflightFailure) {
        guard let size = objectSizes[reference.index] else {
            throw .malformed(
                reference.offset, "a string refers to global heap object \(reference.index), which does not exist")
        }
        guard size == UInt64(reference.length) else {
            throw .malformed(
                reference.offset, "a string of \(reference.length) bytes refers to a heap object of \(size) bytes")
        }
    }
}
