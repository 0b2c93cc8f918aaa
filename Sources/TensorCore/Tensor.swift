/// A small n-dimensional array value: dtype, shape, strides and a byte storage.
///
/// Storage is little-endian bytes, as every supported source format stores them. A tensor can be a
/// strided view into a larger storage (PyTorch checkpoints keep views and shared storages), and
/// `contiguous()` materialises it into packed row-major order. Values are copied on write.
public struct Tensor: Sendable, Equatable {
    public let dtype: DType
    public let shape: [Int]
    /// Strides in elements, one per dimension.
    public let strides: [Int]
    /// Offset of element [0, 0, …] in `storage`, in elements.
    public let storageOffset: Int
    /// The raw bytes the view indexes into.
    public let storage: [UInt8]

    /// A packed row-major tensor over `bytes`, which must hold exactly the shape's elements.
    public init(dtype: DType, shape: [Int], bytes: [UInt8]) throws(TensorError) {
        let count = try Shape.elementCount(shape)
        let (byteCount, overflow) = count.multipliedReportingOverflow(by: dtype.itemSize)
        if overflow { throw .elementCountOverflow(shape: shape) }
        guard bytes.count == byteCount else { throw .byteCountMismatch(expected: byteCount, actual: bytes.count) }
        self.dtype = dtype
        self.shape = shape
        self.strides = Shape.contiguousStrides(shape)
        self.storageOffset = 0
        self.storage = bytes
    }

    /// A strided view into `storage`; refuses a view that reaches outside the storage.
    public init(dtype: DType, shape: [Int], strides: [Int], storageOffset: Int, storage: [UInt8]) throws(TensorError) {
        let needed = try Shape.requiredStorageElements(shape: shape, strides: strides, storageOffset: storageOffset)
        let available = storage.count / dtype.itemSize
        guard needed <= available else {
            throw .viewOutOfBounds(
                shape: shape, strides: strides, storageOffset: storageOffset, storageElements: available)
        }
        self.dtype = dtype
        self.shape = shape
        self.strides = strides
        self.storageOffset = storageOffset
        self.storage = storage
    }

    /// A packed f32 tensor.
    public init(shape: [Int], floats: [Float]) throws(TensorError) {
        let count = try Shape.elementCount(shape)
        guard count == floats.count else { throw .byteCountMismatch(expected: count * 4, actual: floats.count * 4) }
        try self.init(dtype: .f32, shape: shape, bytes: TensorBytes.bytes(fromFloats: floats))
    }

    public var rank: Int { shape.count }

    /// Number of elements (the shape was validated at construction).
    public var elementCount: Int { shape.reduce(1, *) }

    public var byteCount: Int { elementCount * dtype.itemSize }

    /// True when the elements are packed in row-major order starting at the storage's first byte
    /// and the storage holds nothing else.
    public var isContiguous: Bool {
        isRowMajorPacked && storageOffset == 0 && storage.count == byteCount
    }

    /// True when the elements are packed in row-major order (possibly at an offset inside a larger storage).
    public var isRowMajorPacked: Bool { Shape.isRowMajorPacked(shape: shape, strides: strides) }

    /// The packed row-major bytes of this view.
    public var contiguousBytes: [UInt8] {
        if isContiguous { return storage }
        let itemSize = dtype.itemSize
        if isRowMajorPacked {
            let start = storageOffset * itemSize
            return Array(storage[start..<(start + byteCount)])
        }
        if let packed = packedMatrixBytes() { return packed }
        var result = [UInt8](repeating: 0, count: byteCount)
        var index = [Int](repeating: 0, count: rank)
        var destination = 0
        let count = elementCount
        for _ in 0..<count {
            var source = storageOffset
            for axis in 0..<rank { source += index[axis] * strides[axis] }
            let sourceByte = source * itemSize
            for byte in 0..<itemSize { result[destination + byte] = storage[sourceByte + byte] }
            destination += itemSize
            // Advance the multi-index in row-major order.
            var axis = rank - 1
            while axis >= 0 {
                index[axis] += 1
                if index[axis] < shape[axis] { break }
                index[axis] = 0
                axis -= 1
            }
        }
        return result
    }

    /// This view materialised as a packed row-major tensor with its own storage.
    public func contiguous() -> Tensor {
        if isContiguous { return self }
        // The shape was validated when this view was made, so packing it cannot fail.
        return Tensor(unchecked: dtype, shape: shape, bytes: contiguousBytes)
    }

    /// Elements widened to `Float`, in row-major order. Exact for f16, bf16 and f32; f64 and
    /// integers are rounded to the nearest float.
    public func floats() -> [Float] {
        TensorBytes.floats(from: contiguousBytes, dtype: dtype)
    }

    /// A copy with elements converted to `target`. Only float targets f32, f16 and bf16 are
    /// supported (round to nearest even); `overflowCount` is the number of finite values that became
    /// ±inf (the f16 range is ±65504).
    public func converted(to target: DType) throws(TensorError) -> (tensor: Tensor, overflowCount: Int) {
        if target == dtype { return (contiguous(), 0) }
        guard dtype.isFloatingPoint, target == .f32 || target == .f16 || target == .bf16 else {
            throw .unsupportedConversion(from: dtype, to: target)
        }
        let values = floats()
        switch target {
        case .f32:
            return (Tensor(unchecked: .f32, shape: shape, bytes: TensorBytes.bytes(fromFloats: values)), 0)
        case .f16:
            let (bytes, overflows) = TensorBytes.halfBytes(fromFloats: values)
            return (Tensor(unchecked: .f16, shape: shape, bytes: bytes), overflows)
        default:
            let (bytes, overflows) = TensorBytes.bfloat16Bytes(fromFloats: values)
            return (Tensor(unchecked: .bf16, shape: shape, bytes: bytes), overflows)
        }
    }

    /// Element-wise bit equality of two views (same dtype and shape, same bytes once packed).
    public static func == (lhs: Tensor, rhs: Tensor) -> Bool {
        lhs.dtype == rhs.dtype && lhs.shape == rhs.shape && lhs.contiguousBytes == rhs.contiguousBytes
    }

    /// Internal: builds a packed tensor whose invariants the caller has already established.
    init(unchecked dtype: DType, shape: [Int], bytes: [UInt8]) {
        self.dtype = dtype
        self.shape = shape
        self.strides = Shape.contiguousStrides(shape)
        self.storageOffset = 0
        self.storage = bytes
    }
}
