/// A dataspace message (format specification "Level 2A2", type 0x0001), versions 1 and 2: scalar,
/// simple (rank ≤ 32) or null, each maximum dimension at least its dimension or unlimited.
struct Dataspace {
    static let maxRank = 32
    static let unlimited = UInt64.max

    /// Empty for a scalar.
    let dimensions: [UInt64]
    let isNull: Bool

    /// The number of elements, checked against overflow.
    func elementCount(at offset: UInt64) throws(PreflightFailure) -> UInt64 {
        if isNull { return 0 }
        var count: UInt64 = 1
        for dimension in dimensions {
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            guard !overflow else { throw .malformed(offset, "dimensions \(dimensions) multiply past 2^64") }
            count = product
        }
        return count
    }

    static func decode(_ cursor: inout ByteCursor) throws(PreflightFailure) -> Dataspace {
        let start = cursor.fileOffset
        let version = try cursor.u8("the dataspace version")
        let rank = Int(try cursor.u8("the rank"))
        let flags = try cursor.u8()
        var isNull = false
        switch version {
        case 1:
            try cursor.skip(5)
        case 2:
            let type = try cursor.u8("the dataspace type")
            guard type <= 2 else { throw .malformed(start, "dataspace type \(type) is not scalar, simple or null") }
            isNull = type == 2
            guard type == 1 || rank == 0 else { throw .malformed(start, "a scalar or null dataspace of rank \(rank)") }
        default:
            throw .malformed(start, "dataspace version \(version) is not 1 or 2")
        }
        guard rank <= maxRank else { throw .malformed(start, "rank \(rank) is above \(maxRank)") }
        guard flags & ~0x01 == 0 else {
            throw .malformed(start, "dataspace flags \(flags) (permutations are not accepted)")
        }
        var dimensions: [UInt64] = []
        for _ in 0..<rank { dimensions.append(try cursor.u64("a dimension")) }
        if flags & 0x01 != 0 {
            for dimension in dimensions {
                let maximum = try cursor.u64("a maximum dimension")
                guard maximum == unlimited || maximum >= dimension else {
                    throw .malformed(start, "maximum dimension \(maximum) is below the dimension \(dimension)")
                }
            }
        }
        return Dataspace(dimensions: dimensions, isNull: isNull)
    }
}
