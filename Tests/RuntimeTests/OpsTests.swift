import Foundation
import Testing

@testable import Runtime

/// The runtime's numeric kernels on small cases whose answers are worked out by hand (in the comments).
@Suite("Ops")
struct OpsTests {
    @Test("Softmax of log(1…10) is k/55, with the SIMD body and the scalar tail")
    func softmax() {
        var values = (1...10).map { Float(log(Double($0))) }
        values.withUnsafeMutableBufferPointer { Softmax.normalize($0.baseAddress!, count: 10) }
        for (index, value) in values.enumerated() {
            #expect(abs(value - Float(index + 1) / 55) < 1e-7)
        }
    }

    @Test("Vectorised exp is within 2 ulp-ish of libm on [-80, 80]")
    func fastExp() {
        var worst: Float = 0
        var x: Float = -80
        while x <= 80 {
            let approximation = FastMath.exp(x), exact = Float(Foundation.exp(Double(x)))
            worst = max(worst, abs(approximation - exact) / exact)
            x += 0.0137
        }
        #expect(worst < 3e-7)
    }

    @Test("LayerNorm of [1,2,3,4]: mean 2.5, variance 1.25")
    func layerNorm() {
        let x = Matrix(rows: 1, columns: 4, values: [1, 2, 3, 4])
        let y = LayerNormOp.apply(x, weight: [2, 2, 2, 2], bias: [1, 1, 1, 1], eps: 0)
        // (x − 2.5)/√1.25 = ±0.4472136, ±1.3416408; then ×2 + 1.
        let expected: [Float] = [-1.6832816, 0.1055728, 1.8944272, 3.6832816]
        for (a, b) in zip(y.values, expected) { #expect(abs(a - b) < 1e-6) }
    }

    @Test("QuickGELU, GELU and ReLU at ±1")
    func activations() {
        var x = Matrix(rows: 1, columns: 2, values: [1, -1])
        Activations.quickGELU(&x)
        // 1·σ(1.702) = 1/(1 + e^−1.702) = 0.8457957; −1·σ(−1.702) = −0.1542043.
        #expect(abs(x.values[0] - 0.8457957) < 1e-6 && abs(x.values[1] + 0.1542043) < 1e-6)
        x = Matrix(rows: 1, columns: 2, values: [1, -1])
        Activations.gelu(&x)
        // Φ(1) = 0.8413447, −Φ(−1) = −0.1586553.
        #expect(abs(x.values[0] - 0.8413447) < 1e-6 && abs(x.values[1] + 0.1586553) < 1e-6)
        x = Matrix(rows: 1, columns: 2, values: [1, -1])
        Activations.relu(&x)
        #expect(x.values == [1, 0])
    }

    @Test("Bilinear resize with align_corners=False, up and down")
    func bilinear() {
        // 2 → 4: sources −0.25→0, 0.25, 0.75, 1.25→clamped: 1, 1.25, 1.75, 2.
        #expect(
            Resize.bilinear([1, 2], planes: 1, inHeight: 1, inWidth: 2, outHeight: 1, outWidth: 4) == [
                1, 1.25, 1.75, 2,
            ])
        // 4 → 2: sources 0.5 and 2.5, midpoints of neighbours.
        #expect(
            Resize.bilinear([1, 2, 3, 4], planes: 1, inHeight: 1, inWidth: 4, outHeight: 1, outWidth: 2) == [1.5, 3.5])
        // Rows and columns together: 2×2 → 3×3 centre is the mean of all four (source 0.5, 0.5).
        let grid = Resize.bilinear([0, 4, 8, 12], planes: 1, inHeight: 2, inWidth: 2, outHeight: 3, outWidth: 3)
        #expect(grid[4] == 6)
    }

    @Test("Patch embedding: im2col + sgemm equals the strided convolution")
    func patchConv() {
        // One 4×4 image of 3 channels, pixel value = 100·c + 10·y + x; patch 2 → 2×2 grid.
        var image: [Float] = []
        for c in 0..<3 { for y in 0..<4 { for x in 0..<4 { image.append(Float(100 * c + 10 * y + x)) } } }
        // Output 0 sums the patch; output 1 picks channel 2, pixel (1, 0) of the patch.
        var weight = [Float](repeating: 1, count: 12) + [Float](repeating: 0, count: 12)
        weight[12 + 2 * 4 + 1 * 2 + 0] = 1
        let (tokens, h, w) = PatchConv.apply(
            image: image, channels: 3, height: 4, width: 4, weight: weight, outChannels: 2, patch: 2)
        #expect(h == 2 && w == 2)
        // Patch (gy 0, gx 1): pixels y 0–1, x 2–3; sum over c of 4·100c + (0+0+10+10) + (2+3+2+3) = 1200 + 60 + 30.
        #expect(tokens.values[1 * 2 + 0] == 1290)
        #expect(tokens.values[1 * 2 + 1] == 200 + 10 + 2)
    }

    @Test("Depthwise and dense k×k convolutions with zero padding")
    func spatialConv() {
        // 3×3 map of one channel 1…9, all-ones 3×3 kernel: centre sums everything (45), corner its 2×2 block.
        let map = Matrix(rows: 9, columns: 1, values: (1...9).map(Float.init))
        let depthwise = SpatialConv.depthwise(
            map, height: 3, width: 3, weight: [Float](repeating: 1, count: 9), bias: [0.5], kernel: 3)
        #expect(depthwise.values[4] == 45.5)
        #expect(depthwise.values[0] == 1 + 2 + 4 + 5 + 0.5)
        // Dense 2→2 with a centre-only kernel that swaps the channels.
        let two = Matrix(rows: 9, columns: 2, values: (0..<18).map(Float.init))
        var weight = [Float](repeating: 0, count: 2 * 2 * 9)
        weight[(0 * 2 + 1) * 9 + 4] = 1  // out 0 ← in 1
        weight[(1 * 2 + 0) * 9 + 4] = 1  // out 1 ← in 0
        let dense = SpatialConv.dense(
            two, height: 3, width: 3, weight: weight, bias: [0, 0], kernel: 3, outChannels: 2)
        #expect(dense.values[8] == 9 && dense.values[9] == 8)
    }

    @Test("Attention: one head, plain and causal")
    func attention() {
        let q = AttentionOp.Operand(values: [1, 0, 0, 1], rows: 2, stride: 2, offset: 0)
        let v = AttentionOp.Operand(values: [1, 2, 3, 4], rows: 2, stride: 2, offset: 0)
        let out = AttentionOp.attend(query: q, key: q, value: v, heads: 1, headWidth: 2, scale: 1)
        // Row 0 logits [1, 0] → weights [e/(e+1), 1/(e+1)] = [0.7310586, 0.2689414].
        let expected: [Float] = [1.5378828, 2.5378828, 2.4621172, 3.4621172]
        for (a, b) in zip(out.values, expected) { #expect(abs(a - b) < 1e-6) }
        let causal = AttentionOp.attend(query: q, key: q, value: v, heads: 1, headWidth: 2, scale: 1, causal: true)
        #expect(Array(causal.values[0..<2]) == [1, 2])
        for (a, b) in zip(causal.values[2...], expected[2...]) { #expect(abs(a - b) < 1e-6) }
    }

    @Test("Row-split sgemm over two workers equals a double-precision product")
    func rowSplitProduct() {
        let (m, n, k) = (301, 67, 129)
        let a = (0..<(m * k)).map { Float(($0 * 7919) % 23) / 11 - 1 }
        let w = (0..<(n * k)).map { Float(($0 * 104_729) % 19) / 9 - 1 }
        let product = Parallel.$workers.withValue(2) {
            MatMul.linear(Matrix(rows: m, columns: k, values: a), weight: w, bias: nil, outFeatures: n)
        }
        var worst = 0.0
        for row in stride(from: 0, to: m, by: 37) {
            for column in 0..<n {
                var sum = 0.0
                for index in 0..<k { sum += Double(a[row * k + index]) * Double(w[column * k + index]) }
                worst = max(worst, abs(sum - Double(product.values[row * n + column])))
            }
        }
        #expect(worst < 1e-4)
    }

    @Test("Column-split sgemm (more outputs than rows) over two workers equals a double-precision product")
    func columnSplitProduct() {
        let (m, n, k) = (37, 301, 129)
        let a = (0..<(m * k)).map { Float(($0 * 7919) % 23) / 11 - 1 }
        let w = (0..<(n * k)).map { Float(($0 * 104_729) % 19) / 9 - 1 }
        // The linear layer's transposed weight, and the same weight stored [k, n] through `multiply`.
        var plainWeight = [Float](repeating: 0, count: k * n)
        for column in 0..<n { for index in 0..<k { plainWeight[index * n + column] = w[column * k + index] } }
        var plain = [Float](repeating: 0, count: m * n)
        let linear = Parallel.$workers.withValue(2) {
            MatMul.multiply(
                m: m, n: n, k: k, a: a, lda: k, b: plainWeight, ldb: n, transposeB: false, beta: 0, c: &plain, ldc: n)
            return MatMul.linear(Matrix(rows: m, columns: k, values: a), weight: w, bias: nil, outFeatures: n)
        }
        var worst = 0.0
        for row in 0..<m {
            for column in 0..<n {
                var sum = 0.0
                for index in 0..<k { sum += Double(a[row * k + index]) * Double(w[column * k + index]) }
                worst = max(worst, abs(sum - Double(linear.values[row * n + column])))
                worst = max(worst, abs(sum - Double(plain[row * n + column])))
            }
        }
        #expect(worst < 1e-4)
    }

    @Test("Heads spread over two workers give the serial result")
    func parallelHeads() {
        let (tokens, heads, width) = (70, 4, 64)
        let values = (0..<(tokens * width)).map { Float(($0 * 31) % 17) / 8 - 1 }
        let operand = AttentionOp.Operand(values: values, rows: tokens, stride: width, offset: 0)
        let serial = AttentionOp.attend(
            query: operand, key: operand, value: operand, heads: heads, headWidth: width / heads,
            scale: 0.25, parallel: false)
        let parallel = Parallel.$workers.withValue(2) {
            AttentionOp.attend(
                query: operand, key: operand, value: operand, heads: heads, headWidth: width / heads, scale: 0.25)
        }
        #expect(parallel.values == serial.values)
    }

    @Test("Sliding windows follow zegclip.py slide_inference")
    func slidingWindow() {
        // 683×512 with crop 512 / stride 426: rows max(683−512+425, 0)/426 + 1 = 2, the last ending at 683.
        let tiling = SlidingWindow(height: 683, width: 512, crop: 512, stride: 426)
        #expect(tiling.windows.map(\.top) == [0, 171])
        #expect(tiling.windows.allSatisfy { $0.left == 0 && $0.height == 512 && $0.width == 512 })
        // Smaller than the crop: one window, the whole image.
        #expect(
            SlidingWindow(height: 300, width: 200, crop: 512, stride: 426).windows == [
                .init(top: 0, left: 0, height: 300, width: 200)
            ])
    }
}
