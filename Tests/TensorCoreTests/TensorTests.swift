import Testing

@testable import TensorCore

@Suite("Tensor views and materialisation")
struct TensorTests {
    /// A 2×3 f32 tensor with values 0…5.
    func matrix() throws -> Tensor { try Tensor(shape: [2, 3], floats: [0, 1, 2, 3, 4, 5]) }

    @Test("a transposed view packs into the transposed order")
    func transposedView() throws {
        let base = try matrix()
        let view = try Tensor(dtype: .f32, shape: [3, 2], strides: [1, 3], storageOffset: 0, storage: base.storage)
        #expect(!view.isContiguous)
        #expect(view.floats() == [0, 3, 1, 4, 2, 5])
        #expect(view.contiguous().strides == [2, 1])
    }

    @Test("an offset view reads from its offset")
    func offsetView() throws {
        let base = try matrix()
        let row = try Tensor(dtype: .f32, shape: [3], strides: [1], storageOffset: 3, storage: base.storage)
        #expect(row.isRowMajorPacked)
        #expect(!row.isContiguous)
        #expect(row.floats() == [3, 4, 5])
    }

    @Test("a view reaching past its storage is refused")
    func viewOutOfBounds() throws {
        let base = try matrix()
        #expect(throws: TensorError.self) {
            _ = try Tensor(dtype: .f32, shape: [4], strides: [1], storageOffset: 3, storage: base.storage)
        }
        #expect(throws: TensorError.self) {
            _ = try Tensor(dtype: .f32, shape: [2, 2], strides: [5, 1], storageOffset: 0, storage: base.storage)
        }
    }

    @Test("element counts that overflow are refused before allocation")
    func overflowRefused() {
        #expect(throws: TensorError.elementCountOverflow(shape: [1 << 40, 1 << 40])) {
            _ = try Shape.elementCount([1 << 40, 1 << 40])
        }
        #expect(throws: TensorError.negativeDimension(shape: [2, -1])) { _ = try Shape.elementCount([2, -1]) }
    }

    @Test("f16 and bf16 widen exactly and f16 narrowing counts overflows")
    func conversions() throws {
        // 1.0, -2.0, 65504 (max half) in f16 bits.
        let half = try Tensor(dtype: .f16, shape: [3], bytes: [0x00, 0x3C, 0x00, 0xC0, 0xFF, 0x7B])
        #expect(half.floats() == [1, -2, 65504])
        let bf16 = try Tensor(dtype: .bf16, shape: [2], bytes: [0x80, 0x3F, 0x40, 0xC0])
        #expect(bf16.floats() == [1, -3])
        let big = try Tensor(shape: [3], floats: [1, 70000, -1e9])
        let (narrow, overflows) = try big.converted(to: .f16)
        #expect(overflows == 2)
        #expect(narrow.floats() == [1, .infinity, -.infinity])
        #expect(throws: TensorError.self) {
            _ = try Tensor(dtype: .i64, shape: [1], bytes: [UInt8](repeating: 0, count: 8)).converted(to: .f16)
        }
    }
}
