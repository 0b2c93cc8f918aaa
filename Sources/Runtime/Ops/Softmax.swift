/// Row-wise softmax, PyTorch `softmax(dim=-1)` semantics: subtract the row maximum, exponentiate,
/// divide by the sum.
enum Softmax {
    /// Softmax of each of `rows` rows of length `columns` (stride `stride`), in place. When
    /// `causal` is set, row `r` only covers its first `r + 1 + causalOffset` entries and the rest
    /// become 0: the additive −inf mask of CLIP's text transformer, whose `exp(−inf)` is exactly 0.
    static func rows(_ values: UnsafeMutablePointer<Float>, rows: Int, columns: Int, stride: Int,
                     causal: Bool = false) {
        let pointer = Parallel.Pointer(base: values)
        Parallel.forEachChunk(rows, cost: columns) { range in
            for row in range {
                let start = pointer.base + row * stride
                let length = causal ? min(columns, row + 1) : columns
                normalize(start, count: length)
                if length < columns { (start + length).update(repeating: 0, count: columns - length) }
            }
        }
    }

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
