/// Element-wise activations, in place. Each optionally adds a per-column bias first, so that a linear
/// layer followed by its activation (the MLPs' `fc1`) makes one pass over its output instead of seeding
/// it with the bias before the product and activating it after.
enum Activations {
    /// QuickGELU `x · σ(1.702x)`, OpenAI CLIP `clip/model.py::QuickGELU`.
    static func quickGELU(_ x: inout Matrix, bias: [Float]? = nil) {
        apply(&x, bias: bias) { row, shift, count in
            var index = 0
            while index + 8 <= count {
                let raw = UnsafeMutableRawPointer(row + index)
                var value = raw.loadUnaligned(as: SIMD8<Float>.self)
                if let shift { value += UnsafeRawPointer(shift + index).loadUnaligned(as: SIMD8<Float>.self) }
                let sigmoid = 1 / (1 + FastMath.exp(value * -1.702))
                raw.storeBytes(of: value * sigmoid, as: SIMD8<Float>.self)
                index += 8
            }
            while index < count {
                let value = row[index] + (shift?[index] ?? 0)
                row[index] = value / (1 + FastMath.exp(value * -1.702))
                index += 1
            }
        }
    }

    /// Exact GELU `x · Φ(x) = x/2 · (1 + erf(x/√2))`, `nn.GELU()` with its default `approximate='none'`,
    /// with the vectorised `erf` of `FastMath`, eight lanes at a time.
    static func gelu(_ x: inout Matrix, bias: [Float]? = nil) {
        apply(&x, bias: bias) { row, shift, count in
            var index = 0
            while index + 8 <= count {
                let raw = UnsafeMutableRawPointer(row + index)
                var value = raw.loadUnaligned(as: SIMD8<Float>.self)
                if let shift { value += UnsafeRawPointer(shift + index).loadUnaligned(as: SIMD8<Float>.self) }
                raw.storeBytes(of: 0.5 * value * (1 + FastMath.erf(value * 0.70710678118654752)), as: SIMD8<Float>.self)
                index += 8
            }
            while index < count {
                let value = row[index] + (shift?[index] ?? 0)
                row[index] = 0.5 * value * (1 + FastMath.erf(SIMD8(repeating: value * 0.70710678118654752))[0])
                index += 1
            }
        }
    }

    static func relu(_ x: inout Matrix, bias: [Float]? = nil) {
        apply(&x, bias: bias) { row, shift, count in
            for index in 0..<count {
                let value = row[index] + (shift?[index] ?? 0)
                row[index] = value < 0 ? 0 : value
            }
        }
    }

    /// Logistic sigmoid `1 / (1 + e^{-x})` (ZegCLIP `semantic_inference`), over the score planes of a
    /// crop (20 × 512² values for VOC), eight lanes at a time and spread over the workers.
    static func sigmoid(_ values: inout [Float]) {
        let count = values.count
        values.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            let pointer = Parallel.Pointer(base: base)
            let chunk = 4096
            Parallel.forEachChunk((count + chunk - 1) / chunk, cost: chunk) { chunks in
                let start = chunks.lowerBound * chunk, end = min(count, chunks.upperBound * chunk)
                var index = start
                while index + 8 <= end {
                    let raw = UnsafeMutableRawPointer(pointer.base + index)
                    let value = raw.loadUnaligned(as: SIMD8<Float>.self)
                    raw.storeBytes(of: 1 / (1 + FastMath.exp(-value)), as: SIMD8<Float>.self)
                    index += 8
                }
                while index < end {
                    pointer.base[index] = 1 / (1 + FastMath.exp(-pointer.base[index]))
                    index += 1
                }
            }
        }
    }

    /// Runs `body(row, bias, columns)` on every row, rows split over the workers.
    private static func apply(
        _ x: inout Matrix, bias: [Float]?,
        _ body: @Sendable (UnsafeMutablePointer<Float>, UnsafePointer<Float>?, Int) -> Void
    ) {
        let columns = x.columns
        precondition(
            bias == nil || bias?.count == columns, "activation bias of \(bias?.count ?? 0) for \(columns) columns")
        let shift = bias ?? []
        x.values.withUnsafeMutableBufferPointer { buffer in
            shift.withUnsafeBufferPointer { biasBuffer in
                guard let base = buffer.baseAddress else { return }
                let pointer = Parallel.Pointer(base: base)
                // An empty array may still have a base address: only a given bias yields a pointer.
                let biasPointer =
                    bias == nil
                    ? nil : biasBuffer.baseAddress.map { Parallel.Pointer(base: UnsafeMutablePointer(mutating: $0)) }
                Parallel.forEachChunk(x.rows, cost: columns) { range in
                    for row in range {
                        body(pointer.base + row * columns, biasPointer.map { UnsafePointer($0.base) }, columns)
                    }
                }
            }
        }
    }
}
