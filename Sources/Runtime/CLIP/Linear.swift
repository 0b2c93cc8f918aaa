/// `nn.Linear`: `y = x Wᵀ + b` with the weight stored `[out, in]` (canonical layout).
struct Linear: Sendable {
    let weight: [Float]
    let bias: [Float]?
    let inFeatures: Int
    let outFeatures: Int

    init(_ weights: WeightScope, inFeatures: Int, outFeatures: Int, bias hasBias: Bool = true) throws(RuntimeError) {
        weight = try weights.take("weight", shape: [outFeatures, inFeatures])
        bias = hasBias ? try weights.take("bias", shape: [outFeatures]) : nil
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
    }

    /// Several same-input linears fused into one (q, k, v → one `[3W, W]` product).
    init(concatenating parts: [Linear]) {
        weight = parts.flatMap(\.weight)
        bias = parts.allSatisfy { $0.bias != nil } ? parts.flatMap { $0.bias ?? [] } : nil
        inFeatures = parts.first?.inFeatures ?? 0
        outFeatures = parts.reduce(0) { $0 + $1.outFeatures }
    }

    func callAsFunction(_ x: Matrix) -> Matrix {
        MatMul.linear(x, weight: weight, bias: bias, outFeatures: outFeatures)
    }
}

/// `nn.LayerNorm` over the last axis.
struct LayerNorm: Sendable {
    let weight: [Float]
    let bias: [Float]
    let eps: Float

    init(_ weights: WeightScope, width: Int, eps: Double) throws(RuntimeError) {
        weight = try weights.take("weight", shape: [width])
        bias = try weights.take("bias", shape: [width])
        self.eps = Float(eps)
    }

    func callAsFunction(_ x: Matrix) -> Matrix {
        LayerNormOp.apply(x, weight: weight, bias: bias, eps: eps)
    }
}
