import Foundation

/// Element-wise activations, in place.
enum Activations {
    /// QuickGELU `x · σ(1.702x)`, OpenAI CLIP `clip/model.py::QuickGELU`.
    static func quickGELU(_ x: inout Matrix) {
        apply(&x) { pointer, count in
            var index = 0
            while index + 8 <= count {
                let raw = UnsafeMutableRawPointer(pointer + index)
                let value = raw.loadUnaligned(as: SIMD8<Float>.self)
                let sigmoid = 1 / (1 + FastMath.exp(value * -1.702))
                raw.storeBytes(of: value * sigmoid, as: SIMD8<Float>.self)
                index += 8
            }
            while index < count {
                pointer[index] = pointer[index] / (1 + FastMath.exp(pointer[index] * -1.702))
                index += 1
            }
        }
    }

    /// Exact GELU `x · Φ(x) = x/2 · (1 + erf(x/√2))`, `nn.GELU()` with its default `approximate='none'`.
    static func gelu(_ x: inout Matrix) {
        apply(&x) { pointer, count in
            for index in 0..<count {
                let value = pointer[index]
                pointer[index] = 0.5 * value * (1 + erff(value * 0.70710678118654752))
            }
        }
    }

    static func relu(_ x: inout Matrix) {
        apply(&x) { pointer, count in
            for index in 0..<count where pointer[index] < 0 { pointer[index] = 0 }
        }
    }

    /// Logistic sigmoid `1 / (1 + e^{-x})` (ZegCLIP `semantic_inference`).
    static func sigmoid(_ values: inout [Float]) {
        for index in values.indices { values[index] = 1 / (1 + Foundation.exp(-values[index])) }
    }

    private static func apply(_ x: inout Matrix, _ body: @Sendable (UnsafeMutablePointer<Float>, Int) -> Void) {
        let columns = x.columns
        x.values.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            let pointer = Parallel.Pointer(base: base)
            Parallel.forEachChunk(x.rows, cost: columns) { range in
                body(pointer.base + range.lowerBound * columns, range.count * columns)
            }
        }
    }
}
