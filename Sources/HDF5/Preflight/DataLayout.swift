/// A data layout message (format specification "Level 2A2", type 0x0008) as HDF5 1.8 – 1.14 write it
/// by default: version 3 compact, contiguous or chunked (version-1 B-tree index), or version 4
/// compact or contiguous. Version 4 chunk indexes, virtual datasets and the pre-1.6 versions 1 and 2
/// are refused.
enum DataLayout {
    case compact(byteCount: Int)
    case contiguous(address: UInt64, byteCount: UInt64)
    /// `chunk` has one entry per dataset dimension; the stored extra entry is `elementSize`.
    case chunked(btree: UInt64, chunk: [UInt64], elementSize: UInt64)

    static func decode(_ cursor: inout ByteCursor) throws(PreflightFailure) -> DataLayout {
        let start = cursor.fileOffset
        let version = try cursor.u8("the layout version")
        guard version == 3 || version == 4 else {
            throw .malformed(start, "layout message version \(version) is not 3 or 4")
        }
        let layoutClass = try cursor.u8("the layout class")
        switch layoutClass {
        case 0:
            let size = Int(try cursor.u16("the compact data size"))
            try cursor.skip(size, "the compact data")
            return .compact(byteCount: size)
        case 1:
            return .contiguous(address: try cursor.u64("the data address"), byteCount: try cursor.u64("the data size"))
        case 2 where version == 3:
            let dimensionality = Int(try cursor.u8("the chunk dimensionality"))
            guard (2...(Dataspace.maxRank + 1)).contains(dimensionality) else {
                throw .malformed(start, "chunk dimensionality \(dimensionality)")
            }
            let btree = try cursor.u64("the chunk B-tree address")
            var sizes: [UInt64] = []
            for _ in 0..<dimensionality {
                let size = UInt64(try cursor.u32("a chunk dimension"))
                guard size > 0 else { throw .malformed(start, "a chunk dimension of 0") }
                sizes.append(size)
            }
            return .chunked(btree: btree, chunk: Array(sizes.dropLast()), elementSize: sizes[sizes.count - 1])
        case 2:
            throw .malformed(start, "version 4 chunk indexes (files written with libver='latest') are not accepted")
        case 3:
            throw .malformed(start, "virtual datasets are not accepted (they read other files)")
        default:
            throw .malformed(start, "layout class \(layoutClass)")
        }
    }
}

/// A filter pipeline message (type 0x000B), versions 1 and 2. Only HDF5's built-in deflate, shuffle
/// and Fletcher-32 filters are accepted: any other would make libhdf5 search for a plugin library.
struct FilterPipeline {
    static let deflate: UInt16 = 1
    static let shuffle: UInt16 = 2
    static let fletcher32: UInt16 = 3

    let filters: [UInt16]

    static func decode(_ cursor: inout ByteCursor) throws(PreflightFailure) -> FilterPipeline {
        let start = cursor.fileOffset
        let version = try cursor.u8("the filter pipeline version")
        let count = Int(try cursor.u8("the filter count"))
        guard version == 1 || version == 2 else { throw .malformed(start, "filter pipeline version \(version)") }
        guard count <= 32 else { throw .malformed(start, "\(count) filters") }
        if version == 1 { try cursor.skip(6) }
        var filters: [UInt16] = []
        for _ in 0..<count {
            let id = try cursor.u16("a filter id")
            var nameLength = 0
            if version == 1 || id >= 256 { nameLength = Int(try cursor.u16("a filter name length")) }
            _ = try cursor.u16("filter flags")
            let valueCount = Int(try cursor.u16("a filter value count"))
            guard [deflate, shuffle, fletcher32].contains(id) else {
                throw .malformed(start, "filter \(id) is not accepted (only deflate, shuffle and fletcher32)")
            }
            guard valueCount <= 16 else { throw .malformed(start, "filter \(id) has \(valueCount) parameters") }
            try cursor.skip(version == 1 ? (nameLength + 7) / 8 * 8 : nameLength, "a filter name")
            try cursor.skip(4 * valueCount, "filter parameters")
            if version == 1, valueCount % 2 == 1 { try cursor.skip(4, "parameter padding") }
            filters.append(id)
        }
        // HDF5 and h5py order them shuffle, deflate, Fletcher-32; each at most once.
        let order = [shuffle, deflate, fletcher32]
        guard zip(filters, filters.dropFirst()).allSatisfy({ order.firstIndex(of: $0)! < order.firstIndex(of: $1)! })
        else { throw .malformed(start, "filters \(filters) are not in the order shuffle, deflate, fletcher32") }
        return FilterPipeline(filters: filters)
    }
}

/// The fill value messages (types 0x0004 and 0x0005): a stored fill value must be exactly one
/// element of the dataset's type.
enum FillValue {
    static func check(_ message: HeaderMessage, elementSize: Int) throws(PreflightFailure) {
        var cursor = message.data
        var hasValue = true
        if message.type == ObjectHeader.MessageType.fillValue {
            let version = try cursor.u8("the fill value version")
            switch version {
            case 1, 2:
                try cursor.skip(2)
                let defined = try cursor.u8()
                hasValue = version == 1 || defined != 0
            case 3:
                let flags = try cursor.u8()
                guard flags & 0xC0 == 0 else { throw cursor.failure("fill value flags \(flags)") }
                hasValue = flags & 0x20 != 0
            default:
                throw cursor.failure("fill value version \(version)")
            }
        }
        guard hasValue else { return }
        let size = Int(try cursor.u32("the fill value size"))
        // libhdf5 reads the size as signed: -1 means "no value".
        if size == Int(UInt32.max) { return }
        guard size == 0 || size == elementSize else {
            throw .malformed(message.offset, "a \(size)-byte fill value for \(elementSize)-byte elements")
        }
        try cursor.skip(size, "the fill value")
    }
}
