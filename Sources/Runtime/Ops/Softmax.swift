/// Softmax, PyTorch `softmax(dim=-1)` semantics: subtract the row maximum, exponentiate, divide by the
/// sum. Causal rows (CLIP's text mask) call it on their first r + 1 entries and zero the rest, which is
/// what the additive −inf mask gives since exp(−inf) is exactly 0.
enum Softmax {
    /// Softmax of `count` contiguous values, in place.
    @inline(__always)
    static func normalize(_ start: UnsafeMutablePointer<Float>, count: Int) {
        let scale = 1 / exponentiate(start, count: count)
        var index = 0
        while index + 8 <= count {
            let raw = UnsafeMutableRawPointer(start + index)
            raw.storeBytes(of: raw.loadUnaligned(as: SIMD8<Float>.self) * scale, as: SIMD8<Float>.self)
            index += 8
        }
        while index < count {
            start[index] *= scale
            index += 1
        }
    }

    /// The unnormalised half of softmax: replaces each value by `exp(x − max)` and returns their sum.
    /// Attention divides its output rows by the sum instead, a head width of values rather than a row
    /// of keys.
    @inline(__always)
    static func exponentiate(_ start: UnsafeMutablePointer<Float>, count: Int) -> Float {
        var index = 0
        var maxima = SIMD8<Float>(repeating: -.infinity)
        while index + 8 <= count {
            let value = UnsafeRawPointer(start + index).loadUnaligned(as: SIMD8<Float>.self)
            maxima.replace(with: value, where: value .> maxima)
            index += 8
        }
        var maximum = maxima.max()
        while index < count {
            maximum = Swift.max(maximum, start[index])
            index += 1
        }
        index = 0
        var partial = SIMD8<Float>(repeating: 0)
        let shift = SIMD8<Float>(repeating: maximum)
        while index + 8 <= count {
            let raw = UnsafeMutableRawPointer(start + index)
            let value = FastMath.exp(raw.loadUnaligned(as: SIMD8<Float>.self) - shift)
            raw.storeBytes(of: value, as: SIMD8<Float>.self)
            partial += value
            index += 8
        }
        var sum = partial.sum()
        while index < count {
            let value = FastMath.exp(start[index] - maximum)
            start[index] = value
            sum += value
            index += 1
        }
        return sum
    }
}
