/// Exact conversions between the 16-bit float formats and `Float`.
///
/// Written with bit operations rather than `Float16` so that NaN payloads, signed zeros and
/// subnormals survive unchanged and the code behaves the same on every platform.
public enum HalfPrecision {
    /// IEEE 754 binary16 → binary32. Every half value is exactly representable as a float.
    @inlinable
    public static func floatFromHalfBits(_ bits: UInt16) -> Float {
        let sign = UInt32(bits & 0x8000) << 16
        let exponent = UInt32(bits >> 10) & 0x1F
        var mantissa = UInt32(bits & 0x03FF)
        if exponent == 0x1F {
            // Inf or NaN: keep the payload in the top mantissa bits.
            return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        }
        if exponent == 0 {
            if mantissa == 0 { return Float(bitPattern: sign) }
            // Subnormal half: normalise it, which every float can represent.
            var shiftedExponent: Int32 = 127 - 15 + 1
            while mantissa & 0x0400 == 0 {
                mantissa <<= 1
                shiftedExponent -= 1
            }
            mantissa &= 0x03FF
            return Float(bitPattern: sign | (UInt32(shiftedExponent) << 23) | (mantissa << 13))
        }
        return Float(bitPattern: sign | ((exponent + 127 - 15) << 23) | (mantissa << 13))
    }

    /// bfloat16 → binary32: bfloat16 is the upper half of a float, so this is exact.
    @inlinable
    public static func floatFromBFloat16Bits(_ bits: UInt16) -> Float {
        Float(bitPattern: UInt32(bits) << 16)
    }

    /// binary32 → bfloat16 with round-to-nearest-even (PyTorch's `.bfloat16()`); NaN stays a quiet
    /// NaN. `overflowed` reports a finite value that rounded to ±inf.
    @inlinable
    public static func bfloat16Bits(from value: Float) -> (bits: UInt16, overflowed: Bool) {
        let bits = value.bitPattern
        if value.isNaN { return (UInt16(truncatingIfNeeded: (bits >> 16) | 0x40), false) }
        let rounded = UInt16(truncatingIfNeeded: (bits &+ 0x7FFF &+ ((bits >> 16) & 1)) >> 16)
        return (rounded, value.isFinite && rounded & 0x7FFF == 0x7F80)
    }

    /// binary32 → binary16 with round-to-nearest-even (the rounding PyTorch's `.half()` uses).
    /// Values beyond the half range become ±inf; `overflowed` reports that so callers can count it.
    @inlinable
    public static func halfBits(from value: Float) -> (bits: UInt16, overflowed: Bool) {
        let bits = value.bitPattern
        let sign = UInt16((bits >> 16) & 0x8000)
        let exponent = Int32((bits >> 23) & 0xFF)
        let mantissa = bits & 0x007F_FFFF
        if exponent == 0xFF {
            // Inf stays inf; NaN keeps a quiet bit so it cannot turn into inf.
            let payload = mantissa == 0 ? 0 : UInt16(0x0200 | (mantissa >> 13))
            return (sign | 0x7C00 | payload, false)
        }
        let halfExponent = exponent - 127 + 15
        if halfExponent >= 0x1F {
            return (sign | 0x7C00, true)
        }
        if halfExponent <= 0 {
            // Result is subnormal (or zero) in half precision.
            if halfExponent < -10 { return (sign, false) }
            let fullMantissa = mantissa | 0x0080_0000
            let shift = UInt32(14 - halfExponent)
            var halfMantissa = fullMantissa >> shift
            let remainder = fullMantissa & ((1 << shift) - 1)
            let halfway = UInt32(1) << (shift - 1)
            if remainder > halfway || (remainder == halfway && (halfMantissa & 1) == 1) {
                halfMantissa += 1
            }
            return (sign | UInt16(halfMantissa), false)
        }
        var result = UInt32(halfExponent) << 10 | (mantissa >> 13)
        let remainder = mantissa & 0x1FFF
        if remainder > 0x1000 || (remainder == 0x1000 && (result & 1) == 1) {
            result += 1  // may carry into the exponent, which is the correct rounding up
        }
        if result >= 0x7C00 { return (sign | 0x7C00, true) }
        return (sign | UInt16(result), false)
    }
}
