import PropertyBased
import Testing

@testable import TensorCore

/// Properties over random inputs (swift-property-based): strided views against an element-by-element
/// gather, and the 16-bit float formats against their bit patterns.
@Suite("Tensor properties")
struct TensorPropertyTests {
    /// Bytes from a seed (SplitMix64), so a failing case is reproducible from its inputs.
    static func bytes(count: Int, seed: UInt64) -> [UInt8] {
        var state = seed
        return (0..<count).map { _ in
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return UInt8(truncatingIfNeeded: z ^ (z >> 31))
        }
    }

    @Test("any view (zero, overlapping and gapped strides, any offset) materialises as its element-by-element gather")
    func viewsMaterialiseAsGather() async {
        await propertyCheck(
            count: 300,
            input: Gen.int(in: 0...5).array(of: 0...4), Gen.int(in: 0...7).array(of: 4), Gen.int(in: 0...6),
            Gen.int(in: 0...4), Gen.uint64()
        ) { shape, allStrides, offset, dtypeIndex, seed in
            let dtype = [DType.f32, .f16, .u8, .i64, .bf16][dtypeIndex]
            let strides = Array(allStrides.prefix(shape.count))
            guard let needed = try? Shape.requiredStorageElements(shape: shape, strides: strides, storageOffset: offset)
            else {
                Issue.record("small shapes cannot overflow")
                return
            }
            let storageElements = max(needed, offset) + Int(seed % 3)
            let storage = Self.bytes(count: storageElements * dtype.itemSize, seed: seed)
            guard
                let view = try? Tensor(
                    dtype: dtype, shape: shape, strides: strides, storageOffset: offset, storage: storage)
            else {
                Issue.record("a view inside its storage was refused")
                return
            }
            // The gather: for each row-major index, the element at offset + Σ index·stride.
            var expected: [UInt8] = []
            let count = shape.reduce(1, *)
            for linear in 0..<count {
                var rest = linear
                var element = offset
                for axis in stride(from: shape.count - 1, through: 0, by: -1) {
                    element += (rest % shape[axis]) * strides[axis]
                    rest /= shape[axis]
                }
                expected += storage[(element * dtype.itemSize)..<((element + 1) * dtype.itemSize)]
            }
            let packed = view.contiguous()
            #expect(packed.contiguousBytes == expected)
            #expect(packed.isContiguous && packed.shape == shape)
        }
    }

    @Test("every non-NaN f16 bit pattern survives f16 → f32 → f16")
    func halfRoundTrip() async {
        await propertyCheck(count: 2_000, input: Gen.uint16()) { bits in
            let value = HalfPrecision.floatFromHalfBits(bits)
            guard !value.isNaN else { return }
            let back = HalfPrecision.halfBits(from: value)
            #expect(back.bits == bits && !back.overflowed)
        }
    }

    @Test("bf16 widens exactly: the f32 bits are the bf16 bits followed by sixteen zero bits")
    func bfloat16Widening() async {
        await propertyCheck(count: 2_000, input: Gen.uint16()) { bits in
            let value = HalfPrecision.floatFromBFloat16Bits(bits)
            guard !value.isNaN else { return }
            #expect(value.bitPattern == UInt32(bits) << 16)
            let bytes = [UInt8(bits & 0xFF), UInt8(bits >> 8)]
            #expect(TensorBytes.floats(from: bytes, dtype: .bf16).first?.bitPattern == UInt32(bits) << 16)
        }
    }

    @Test("f32 values exactly representable in f16 convert without loss, through the tensor conversion")
    func representableFloatsConvert() async {
        await propertyCheck(count: 500, input: Gen.uint16().array(of: 1...16)) { patterns in
            let values = patterns.map(HalfPrecision.floatFromHalfBits).filter { !$0.isNaN }
            guard !values.isEmpty, let tensor = try? Tensor(shape: [values.count], floats: values),
                let half = try? tensor.converted(to: .f16)
            else { return }
            #expect(half.overflowCount == 0)
            #expect(half.tensor.floats().map(\.bitPattern) == values.map(\.bitPattern))
        }
    }
}
