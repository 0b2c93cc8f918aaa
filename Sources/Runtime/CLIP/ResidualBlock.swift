import Conventions
import Layout

/// The transformer MLP `fc2(act(fc1(x)))` (OpenAI `c_fc`/`c_proj`, HF `fc1`/`fc2`).
struct MLP: Sendable {
    let fc1: Linear
    let fc2: Linear
    let activation: Activation

    init(_ weights: WeightScope, width: Int, hidden: Int, activation: Activation) throws(RuntimeError) {
        fc1 = try Linear(weights.scoped("fc1"), inFeatures: width, outFeatures: hidden)
        fc2 = try Linear(weights.scoped("fc2"), inFeatures: hidden, outFeatures: width)
        self.activation = activation
    }

    func callAsFunction(_ x: Matrix) -> Matrix {
        // fc1's bias is added in the activation's pass rather than seeded before the product.
        var hidden = MatMul.linear(x, weight: fc1.weight, bias: nil, outFeatures: fc1.outFeatures)
        switch activation {
        case .quickGELU: Activations.quickGELU(&hidden, bias: fc1.bias)
        case .gelu: Activations.gelu(&hidden, bias: fc1.bias)
        case .relu: Activations.relu(&hidden, bias: fc1.bias)
        }
        return fc2(hidden)
    }
}

/// CLIP's pre-LN residual block: `x += attn(ln_1(x)); x += mlp(ln_2(x))`
/// (OpenAI `clip/model.py::ResidualAttentionBlock`, HF `CLIPEncoderLayer`).
struct ResidualBlock: Sendable {
    let norm1: LayerNorm
    let attention: MultiHeadSelfAttention
    let norm2: LayerNorm
    let mlp: MLP

    init(_ weights: WeightScope, width: Int, heads: Int, mlpWidth: Int, eps: Double, activation: Activation)
        throws(RuntimeError)
    {
        norm1 = try LayerNorm(weights.scoped("ln_1"), width: width, eps: eps)
        attention = try MultiHeadSelfAttention(weights.scoped("attn"), width: width, heads: heads)
        norm2 = try LayerNorm(weights.scoped("ln_2"), width: width, eps: eps)
        mlp = try MLP(weights.scoped("mlp"), width: width, hidden: mlpWidth, activation: activation)
    }

    /// The blocks `blocks.0 ..< blocks.<layers>` of a tower, all of one shape.
    static func stack(
        _ tower: WeightScope, layers: Int, width: Int, heads: Int, mlpWidth: Int, eps: Double,
        activation: Activation
    ) throws(RuntimeError) -> [ResidualBlock] {
        var blocks: [ResidualBlock] = []
        for index in 0..<layers {
            blocks.append(
                try ResidualBlock(
                    tower.scoped("blocks.\(index)"), width: width, heads: heads, mlpWidth: mlpWidth,
                    eps: eps, activation: activation))
        }
        return blocks
    }

    /// `input` is consumed so that the residual sums update its storage in place instead of copying it.
    func callAsFunction(_ input: consuming Matrix, sequences: [Range<Int>], causal: Bool) -> Matrix {
        var x = input
        x.add(attention(norm1(x), sequences: sequences, causal: causal))
        x.add(mlp(norm2(x)))
        return x
    }
}
