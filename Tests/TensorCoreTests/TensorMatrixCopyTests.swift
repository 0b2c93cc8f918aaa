import Testing

@testable import TensorCore

/// The tiled packing of 2-D views gives exactly what the element-by-element walk gives.
@Suite("Packing strided matrices (ONNX transposed weights)")
struct TensorMatrixCopyTests {
    /// The reference: element by element, as `contiguousBytes` walks views of any rank.
    func walk(_ tensor: Tensor) -> [UInt8] {
        var bytes: [UInt8] = []
        let size = tensor.dtype.itemSize
        for row in 0..<tensor.shape[0] {
            for column in 0..<tensor.shape[1] {
                let element = tensor.storageOffset + row * tensor.strides[0] + column * tensor.strides[1]
                bytes += tensor.storage[(element * size)..<((element + 1) * size)]
            }
        }
        return bytes
    }

    @Test("transposes, column subsets and offsets, for 2-, 4- and 8-byte elements", arguments: [DType.f16, .f32, .i64])
    func views(_ dtype: DType) throws {
        let storage = (0..<(97 * 70 * dtype.itemSize + 64)).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 7) }
        let views: [(shape: [Int], strides: [Int], offset: Int)] = [
            ([70, 97], [1, 70], 0),  // a transposed [97, 70]
            ([33, 40], [1, 97], 5),  // a transposed block at an offset
            ([20, 30], [97, 2], 1),  // every other column
            ([1, 65], [0, 1], 3),  // a broadcast row
            ([64, 1], [1, 64], 0),
        ]
        for view in views {
            let tensor = try Tensor(
                dtype: dtype, shape: view.shape, strides: view.strides, storageOffset: view.offset, storage: storage)
            #expect(tensor.packedMatrixBytes() == walk(tensor), "\(view)")
            #expect(tensor.contiguousBytes == walk(tensor), "\(view)")
        }
    }
}
