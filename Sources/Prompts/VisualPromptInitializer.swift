public import Layout
public import TensorCore

/// Freshly initialised VPT-deep visual prompts (ZegCLIP `models/backbone/img_encoder.py`,
/// `VPTCLIPVisionTransformer._init_prompt`), bit for bit as PyTorch makes them from a seed.
public struct VisualPrompts: Sendable, Equatable {
    /// `prompt_embeddings` [1, N, W].
    public var embeddings: Tensor
    /// `deep_prompt_embeddings` [D, N, W] (nil when D = 0).
    public var deepEmbeddings: Tensor?
    /// `prompt_proj` weight [W, W] and bias [W].
    public var projectionWeight: Tensor
    public var projectionBias: Tensor
    /// `prompt_norm` (LayerNorm, eps 1e-6) weight and bias [W].
    public var normWeight: Tensor
    public var normBias: Tensor
    public var architecture: VisionPromptArchitecture
    public var initialization: PromptInitialization

    /// Canonical layout name → tensor, in the schema's order.
    public var tensors: [(name: String, tensor: Tensor)] {
        var result = [("prompts.vision.embeddings", embeddings)]
        if let deepEmbeddings { result.append(("prompts.vision.deep_embeddings", deepEmbeddings)) }
        result += [
            ("prompts.vision.proj.weight", projectionWeight), ("prompts.vision.proj.bias", projectionBias),
            ("prompts.vision.norm.weight", normWeight), ("prompts.vision.norm.bias", normBias),
        ]
        return result
    }
}

public enum VisualPromptInitializer {
    /// VPT's uniform bound √(6 / (3·P² + W)), Xavier-uniform style over a 3-channel P×P patch and
    /// the prompt width (ZegCLIP computes it the same way, in double).
    public static func bound(patchSize: Int, width: Int) -> Double {
        (6.0 / Double(3 * patchSize * patchSize + width)).squareRoot()
    }

    /// Runs ZegCLIP's initialisation after `torch.manual_seed(seed)`, consuming the generator in the
    /// same order PyTorch does:
    /// 1. `prompt_embeddings` [1, N, W] ~ U(−a, a), a = `bound(patchSize:width:)`;
    /// 2. `deep_prompt_embeddings` [D, N, W] ~ U(−a, a) when D > 0;
    /// 3. `nn.Linear(W, W)`'s own `reset_parameters`: weight ~ U(±1/√W) (Kaiming-uniform with
    ///    a = √5), bias ~ U(±1/√W); the bias is kept, which is what ZegCLIP's code does;
    /// 4. `kaiming_normal_(weight, a=0, mode='fan_out')`: weight ~ N(0, 2/W), overwriting step 3's;
    /// 5. `prompt_norm` starts as the identity: weight 1, bias 0.
    public static func initialize(tokens: Int, deepLayers: Int, width: Int, patchSize: Int, seed: UInt64)
        -> VisualPrompts
    {
        var generator = TorchGenerator(seed: seed)
        let a = bound(patchSize: patchSize, width: width)
        let embeddings = generator.uniform(count: tokens * width, from: -a, to: a)
        let deep = deepLayers > 0 ? generator.uniform(count: deepLayers * tokens * width, from: -a, to: a) : nil
        // torch.nn.init: gain = √(2 / (1 + a²)) with a = √5, std = gain / √fan_in, bound = √3 · std.
        let slope = 5.0.squareRoot()
        let linearStd = (2.0 / (1 + slope * slope)).squareRoot() / Double(width).squareRoot()
        let linearBound = 3.0.squareRoot() * linearStd
        _ = generator.uniform(count: width * width, from: -linearBound, to: linearBound)
        let biasBound = 1 / Double(width).squareRoot()
        let bias = generator.uniform(count: width, from: -biasBound, to: biasBound)
        // kaiming_normal_ with a = 0 (leaky_relu gain √2) and fan_out = W.
        let weight = generator.normal(count: width * width, mean: 0, std: 2.0.squareRoot() / Double(width).squareRoot())
        let tensor = Tensor.packedFloats
        return VisualPrompts(
            embeddings: tensor([1, tokens, width], embeddings),
            deepEmbeddings: deep.map { tensor([deepLayers, tokens, width], $0) },
            projectionWeight: tensor([width, width], weight), projectionBias: tensor([width], bias),
            normWeight: tensor([width], [Float](repeating: 1, count: width)),
            normBias: tensor([width], [Float](repeating: 0, count: width)),
            architecture: VisionPromptArchitecture(tokens: tokens, deepLayers: deepLayers),
            initialization: PromptInitialization(method: .vptUniform, seed: seed, scale: a))
    }
}
