/// Softmax, PyTorch `softmax(dim=-1)` semantics: subtract the row maximum, exponentiate, divide by the
/// sum. Causal rows (CLIP's text mask) call it on their first r + 1 entries and zero the rest, which is
/// what the additive −inf mask gives since exp(−inf) is exactly 0.
enum Softmax {
    /// Softmax of `count` contiguous values, in place.
    @inline(__always)
    static func normalize(_ start: UnsafeMutablePointer<Float>, count: Int) {
        var maximum = -Float.infinity
        for index in 0..<count where start[index] > maximum { maximum = start[index] }
        var index = 0
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
        let scale = 1 / sum
        for index in 0..<count { start[index] *= scale }
    }
}
