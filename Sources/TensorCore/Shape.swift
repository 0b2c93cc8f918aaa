/// Shape arithmetic shared by tensors and the readers that validate them before allocating.
public enum Shape {
    /// Number of elements of `shape`, or an error when a dimension is negative or the product overflows.
    public static func elementCount(_ shape: [Int]) throws(TensorError) -> Int {
        var count = 1
        for dimension in shape {
            if dimension < 0 { throw .negativeDimension(shape: shape) }
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            if overflow { throw .elementCountOverflow(shape: shape) }
            count = product
        }
        return count
    }

    /// Row-major (C order) strides of `shape`, in elements.
    public static func contiguousStrides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var running = 1
        for axis in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[axis] = running
            running &*= max(shape[axis], 1)
        }
        return strides
    }

    /// True when a view with these strides walks its elements as one packed row-major run
    /// (axes of length 1 may have any stride; a view of no elements is trivially packed).
    public static func isRowMajorPacked(shape: [Int], strides: [Int]) -> Bool {
        // A view without elements is packed whatever its strides (its row-major strides, 1 past a
        // zero dimension, would otherwise look wrong to the check below).
        if shape.contains(0) { return true }
        var expected = 1
        for axis in stride(from: shape.count - 1, through: 0, by: -1) where shape[axis] != 1 {
            if strides[axis] != expected { return false }
            expected *= shape[axis]
        }
        return true
    }

    /// The smallest storage length (in elements) that holds every element of a strided view,
    /// or an error if it cannot be computed without overflow. A view with a zero dimension needs none.
    public static func requiredStorageElements(shape: [Int], strides: [Int], storageOffset: Int) throws(TensorError)
        -> Int
    {
        guard shape.count == strides.count else { throw .rankMismatch(shape: shape, strides: strides) }
        if shape.contains(0) { return 0 }
        if storageOffset < 0 {
            throw .viewOutOfBounds(shape: shape, strides: strides, storageOffset: storageOffset, storageElements: 0)
        }
        var last = storageOffset
        for (dimension, stride) in zip(shape, strides) {
            if dimension < 0 { throw .negativeDimension(shape: shape) }
            if stride < 0 {
                throw .viewOutOfBounds(shape: shape, strides: strides, storageOffset: storageOffset, storageElements: 0)
            }
            let (span, overflow1) = (dimension - 1).multipliedReportingOverflow(by: stride)
            let (sum, overflow2) = last.addingReportingOverflow(span)
            if overflow1 || overflow2 { throw .elementCountOverflow(shape: shape) }
            last = sum
        }
        let (count, overflow) = last.addingReportingOverflow(1)
        if overflow { throw .elementCountOverflow(shape: shape) }
        return count
    }
}
