/// Vectorised `exp` for softmax and the sigmoid of QuickGELU.
///
/// The runtime spends most of its non-sgemm time in softmax over 1125×1125 attention rows; libm's
/// scalar `expf` made that a third of the ViT-B/16 image time. This is Cephes `expf` (range
/// reduction by n·ln2 with ln2 split in two, degree-6 polynomial, 2ⁿ built in the exponent bits),
/// accurate to about 1 ulp on [-87, 88], eight lanes at a time. Inputs below -87.3 are clamped
/// and return ~1e-38 instead of 0, which no softmax sum can notice.
enum FastMath {
    @inline(__always)
    static func exp(_ input: SIMD8<Float>) -> SIMD8<Float> {
        // Clamped by compare-and-select: `clamped(lowerBound:upperBound:)` compiles to two out-of-line
        // calls per vector, which cost more than the polynomial.
        let lower = SIMD8<Float>(repeating: -87.3), upper = SIMD8<Float>(repeating: 88.3)
        var x = input.replacing(with: lower, where: input .< lower)
        x.replace(with: upper, where: x .> upper)
        // n = round(x / ln2) with the 1.5·2²³ trick: adding it leaves n in the low mantissa bits, so n is
        // read from the float's bits without a float→int conversion (which Swift does lane by lane).
        let magic = SIMD8<Float>(repeating: 12_582_912)
        let shifted = x * 1.44269504088896341 + magic
        let n = shifted - magic
        x = x - n * 0.693359375
        x = x - n * -2.12194440e-4
        var y = SIMD8<Float>(repeating: 1.9875691500e-4)
        y = y * x + 1.3981999507e-3
        y = y * x + 8.3334519073e-3
        y = y * x + 4.1665795894e-2
        y = y * x + 1.6666665459e-1
        y = y * x + 5.0000001201e-1
        y = y * (x * x) + x + 1
        // 2ⁿ: the biased exponent n + 127 placed in a float's exponent field.
        let integer = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000
        return y * unsafeBitCast((integer &+ 127) &<< 23, to: SIMD8<Float>.self)
    }

    /// Scalar form with the same polynomial, for loop tails.
    @inline(__always)
    static func exp(_ x: Float) -> Float {
        exp(SIMD8<Float>(repeating: x))[0]
    }
}
