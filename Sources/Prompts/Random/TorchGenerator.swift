/// PyTorch's CPU random generator, reproduced bit for bit: `torch.manual_seed(seed)` followed by
/// `tensor.uniform_(a, b)` / `tensor.normal_(mean, std)` on contiguous float32 tensors.
///
/// What torch does, and therefore what this does (read from `aten/src/ATen/CPUGeneratorImpl.cpp`,
/// `core/MT19937RNGEngine.h`, `core/TransformationHelper.h`, `native/cpu/DistributionTemplates.h`):
/// - the engine is the standard 32-bit MT19937 seeded with the low 32 bits of the seed;
///   `random()` is one draw, `random64()` two draws as `first << 32 | second`;
/// - `uniform_` draws one value per element in order: `(random() & (2²⁴−1)) · 2⁻²⁴` scaled to
///   `[from, to)` as `x·(to−from) + from` in float (bounds first rounded to float);
/// - `normal_` on 16 or more contiguous floats (`normal_fill`) first fills the whole tensor with
///   uniforms in [0, 1), then turns each run of 16 into 16 normals by Box–Muller over the pairs
///   (j, j+8); a tail that is not a whole run redraws the *last 16* elements and transforms them
///   again. Fewer than 16 elements take the element-wise path: double uniforms, libm
///   `log1p`/`sin`/`cos`, and the second Box–Muller value cached for the next call.
///
/// Torch's float kernels differ by CPU build. This reproduces the AVX2/AVX-512 kernels, which
/// x86-64 CPUs from 2013 on select: they compile `x·(to−from)+from` and `n·std+mean` into fused
/// multiply-adds and evaluate Box–Muller with `avx_mathfun.h`'s Cephes polynomials (`CephesFloat`).
/// Torch's DEFAULT (non-vector) build uses unfused arithmetic and libm instead and gives other
/// last bits; `Fixtures/prompts/README.md` records the capability the fixtures were made with.
public struct TorchGenerator: Sendable {
    private var state: [UInt32]
    private var index: Int
    /// The cached second value of the element-wise Box–Muller (`next_double_normal_sample`).
    private var cachedNormal: Double?

    /// The state after `torch.manual_seed(seed)`.
    public init(seed: UInt64) {
        var state = [UInt32](repeating: 0, count: 624)
        state[0] = UInt32(truncatingIfNeeded: seed)
        for position in 1..<624 {
            let previous = state[position - 1]
            state[position] = 1_812_433_253 &* (previous ^ (previous >> 30)) &+ UInt32(position)
        }
        self.state = state
        index = 624
        cachedNormal = nil
    }

    /// One 32-bit draw (`CPUGeneratorImpl::random`).
    public mutating func nextUInt32() -> UInt32 {
        if index >= 624 { twist() }
        var value = state[index]
        index += 1
        value ^= value >> 11
        value ^= (value << 7) & 0x9D2C_5680
        value ^= (value << 15) & 0xEFC6_0000
        value ^= value >> 18
        return value
    }

    /// Two draws, the first in the high half (`CPUGeneratorImpl::random64`).
    public mutating func nextUInt64() -> UInt64 {
        let high = UInt64(nextUInt32())
        return high << 32 | UInt64(nextUInt32())
    }

    private mutating func twist() {
        for position in 0..<624 {
            let bits = (state[position] & 0x8000_0000) | (state[(position + 1) % 624] & 0x7FFF_FFFF)
            state[position] = state[(position + 397) % 624] ^ (bits >> 1) ^ ((bits & 1) != 0 ? 0x9908_B0DF : 0)
        }
        index = 0
    }

    /// `uniform_real_distribution<float>`: 24 random bits in [0, 1), then scaled with one rounding.
    private mutating func uniformFloat(from: Float, to: Float) -> Float {
        let unit = Float(nextUInt32() & 0xFF_FFFF) * (1 / 16_777_216)
        return from.addingProduct(unit, to - from)
    }

    /// `uniform_real_distribution<double>(0, 1)`: 53 random bits.
    private mutating func uniformDouble() -> Double {
        Double(nextUInt64() & ((1 << 53) - 1)) * (1 / 9_007_199_254_740_992)
    }

    /// `torch.empty(count).uniform_(from, to)`.
    public mutating func uniform(count: Int, from: Double, to: Double) -> [Float] {
        let low = Float(from), high = Float(to)
        var values = [Float](repeating: 0, count: count)
        for position in 0..<count { values[position] = uniformFloat(from: low, to: high) }
        return values
    }

    /// `torch.empty(count).normal_(mean, std)` for a contiguous float32 tensor.
    public mutating func normal(count: Int, mean: Double, std: Double) -> [Float] {
        guard count >= 16 else { return elementwiseNormal(count: count, mean: mean, std: std) }
        var values = [Float](repeating: 0, count: count)
        for position in 0..<count { values[position] = uniformFloat(from: 0, to: 1) }
        let mean = Float(mean), std = Float(std)
        var start = 0
        while start + 16 <= count {
            Self.boxMuller16(&values, start: start, mean: mean, std: std)
            start += 16
        }
        if count % 16 != 0 {
            for position in (count - 16)..<count { values[position] = uniformFloat(from: 0, to: 1) }
            Self.boxMuller16(&values, start: count - 16, mean: mean, std: std)
        }
        return values
    }

    /// `normal_fill_16_AVX2`: uniforms u at j and j+8 become r·cos θ and r·sin θ, with
    /// r = √(−2 ln(1−u_j)) and θ = 2π·u_{j+8}, then `fma(n, std, mean)`.
    private static func boxMuller16(_ values: inout [Float], start: Int, mean: Float, std: Float) {
        // `_mm256_set1_ps(2.0f * c10::pi<double>)`: the double product rounded to float once.
        let twoPi = Float(2 * Double.pi)
        for lane in 0..<8 {
            let radius = (-2 * CephesFloat.log(1 - values[start + lane])).squareRoot()
            let (sine, cosine) = CephesFloat.sinCos(twoPi * values[start + lane + 8])
            values[start + lane] = mean.addingProduct(radius * cosine, std)
            values[start + lane + 8] = mean.addingProduct(radius * sine, std)
        }
    }

    /// `normal_distribution<double>` element by element (tensors under 16 elements).
    private mutating func elementwiseNormal(count: Int, mean: Double, std: Double) -> [Float] {
        var values = [Float](repeating: 0, count: count)
        for position in 0..<count {
            let sample: Double
            if let cached = cachedNormal {
                cachedNormal = nil
                sample = cached
            } else {
                let u1 = uniformDouble(), u2 = uniformDouble()
                let radius = (-2 * Math.log1p(-u2)).squareRoot()
                let theta = 2 * Double.pi * u1
                cachedNormal = radius * Math.sin(theta)
                sample = radius * Math.cos(theta)
            }
            values[position] = Float(mean.addingProduct(sample, std))
        }
        return values
    }
}
