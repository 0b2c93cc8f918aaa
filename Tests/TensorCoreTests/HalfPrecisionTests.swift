import Testing

@testable import TensorCore

/// Our bit-level conversions against the standard library's IEEE `Float16`, an independent implementation.
@Suite("Half-precision conversions")
struct HalfPrecisionTests {
    @Test("every one of the 65,536 half bit patterns widens exactly")
    func halfToFloatIsExact() {
        for bits in 0...UInt16.max {
            let ours = HalfPrecision.floatFromHalfBits(bits)
            let reference = Float(Float16(bitPattern: bits))
            if reference.isNaN {
                #expect(ours.isNaN, "pattern \(bits)")
            } else {
                #expect(ours.bitPattern == reference.bitPattern, "pattern \(bits)")
            }
        }
    }

    @Test("bfloat16 is the upper half of a float")
    func bfloat16ToFloat() {
        for bits: UInt16 in [0x0000, 0x8000, 0x3F80, 0xBF80, 0x7F80, 0x0001, 0x4049, 0x7FC0] {
            #expect(HalfPrecision.floatFromBFloat16Bits(bits).bitPattern == UInt32(bits) << 16)
        }
        #expect(HalfPrecision.floatFromBFloat16Bits(0x3F80) == 1.0)
        #expect(HalfPrecision.floatFromBFloat16Bits(0xC040) == -3.0)
    }

    @Test("narrowing rounds to nearest even exactly like Float16(_:)")
    func floatToHalfMatchesStandardLibrary() {
        var generator = SystemRandomNumberGenerator()
        var samples: [Float] = [
            0, -0, 1, -1, 65504, 65519.99, 65520, -65520, 1e-8, 5.9604645e-8, 2.9802322e-8, 2.9802326e-8,
            6.1035156e-5, 6.1e-5, .infinity, -.infinity, 0.1, 1.0009765625, 1.00048828125, 1.00146484375,
        ]
        for _ in 0..<200_000 {
            samples.append(
                Float(bitPattern: UInt32.random(in: 0x2E00_0000...0x4780_0000, using: &generator))
                    * (Bool.random() ? 1 : -1))
        }
        for value in samples {
            let (bits, overflowed) = HalfPrecision.halfBits(from: value)
            let reference = Float16(value)
            #expect(bits == reference.bitPattern, "value \(value)")
            #expect(overflowed == (value.isFinite && reference.isInfinite), "value \(value)")
        }
        #expect(HalfPrecision.halfBits(from: .nan).bits & 0x7C00 == 0x7C00)
        #expect(HalfPrecision.halfBits(from: .nan).bits & 0x03FF != 0)
    }
}
