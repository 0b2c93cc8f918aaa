import Foundation
public import Layout
import Runtime
public import TensorCore
import Tokenizer

/// Initialised deep language prompts: one `[N_t, W]` block per prompted text layer.
public struct TextPrompts: Sendable, Equatable {
    /// `prompts.text.embeddings` [L, N_t, W].
    public var embeddings: Tensor
    public var architecture: TextPromptArchitecture
    public var initialization: PromptInitialization
    /// Things the caller should tell the user (a template that does not give exactly N_t tokens).
    public var warnings: [String]
}

/// LDVC's two initialisations of the language prompts (paper §3.3 and Tab. 6).
///
/// **Position rule** ("pretrain"): the template is tokenised as CLIP does, `[SOT, template tokens,
/// EOT]` zero-padded to the context, and prompt row k of every layer is the hidden state entering
/// that layer at position k, for k = 0 … N_t−1. For "a photo of a" and the default N_t = 6 these are
/// exactly SOT, a, photo, of, a, EOT. When the template gives a different
/// count the rule still takes positions 0 … N_t−1 (dropping the tail, EOT included, or running into
/// the padding) and says so in a warning; explicit positions can be given instead.
public enum TextPromptInitializer {
    /// Default N_t (the paper's).
    public static let defaultTokens = 6
    /// Standard deviation of the "Random" initialisation (IVLP/MaPLe's `nn.init.normal_(std=0.02)`).
    public static let randomStd = 0.02

    /// The default rule: positions 0 … tokens−1.
    public static func defaultPositions(tokens: Int) -> [Int] { Array(0..<tokens) }

    /// Hidden states of the text encoder stored in the layout file of `reader`, for `template`.
    public static func pretrain(
        reader: LayoutReader, template: String, tokens: Int, layers: Int? = nil, positions: [Int]? = nil
    ) throws(PromptsError) -> TextPrompts {
        try pretrain(
            weights: reader, architecture: reader.architecture, template: template, tokens: tokens, layers: layers,
            positions: positions)
    }

    /// Hidden states of the pretrained text encoder of `architecture`, loaded from `weights` (a layout
    /// file, or a conversion plan not yet written), for `template`.
    public static func pretrain(
        weights: any WeightStore, architecture: CLIPArchitecture, template: String, tokens: Int, layers: Int? = nil,
        positions: [Int]? = nil
    ) throws(PromptsError) -> TextPrompts {
        let path = weights.path
        guard let text = architecture.text else { throw .missingTower(path: path, tower: "text") }
        let layerCount = try checkCounts(path: path, text: text, tokens: tokens, layers: layers)
        guard !template.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw .emptyTemplate(path: path)
        }
        let tokenizer: CLIPTokenizer
        do { tokenizer = try CLIPTokenizer.bundled } catch { throw .tokenizer(path: path, error) }
        let words = tokenizer.encode(template).map(Int.init)
        guard !words.isEmpty else { throw .emptyTemplate(path: path) }
        let ids = [Int(CLIPTokenizer.startOfTextID)] + words + [Int(CLIPTokenizer.endOfTextID)]
        guard ids.count <= text.contextLength else {
            throw .templateTooLong(path: path, template: template, tokens: ids.count, context: text.contextLength)
        }
        if let outside = ids.first(where: { $0 >= text.vocabSize }) {
            throw .promptCount(
                path: path,
                reason: "the template's token id \(outside) is outside the model's vocabulary of \(text.vocabSize); "
                    + "template initialisation needs CLIP's BPE vocabulary of \(CLIPTokenizer.vocabularySize)")
        }
        var warnings: [String] = []
        let chosen: [Int]
        if let positions {
            guard positions.count == tokens else {
                throw .positions(
                    path: path, reason: "\(positions.count) positions for \(tokens) prompt tokens; give one per token")
            }
            if let outside = positions.first(where: { $0 < 0 || $0 >= text.contextLength }) {
                throw .positions(
                    path: path, reason: "position \(outside) is outside the context of \(text.contextLength)")
            }
            chosen = positions
        } else {
            chosen = defaultPositions(tokens: tokens)
            if ids.count != tokens {
                let detail =
                    ids.count > tokens
                    ? "positions 0…\(tokens - 1) drop the last \(ids.count - tokens) (EOT included)"
                    : "positions \(ids.count)…\(tokens - 1) are padding after EOT"
                warnings.append(
                    "\(path): the template \"\(template)\" gives \(ids.count) tokens with its start and end tokens, "
                        + "not the \(tokens) prompt tokens; \(detail). Use a template of \(tokens - 2) tokens, or choose the positions (--positions)"
                )
            }
        }
        // The zero padding of clip.tokenize, up to the last position needed.
        let sequence = ids + [Int](repeating: 0, count: max(0, (chosen.max() ?? 0) + 1 - ids.count))
        let rows: [[Float]]
        do {
            rows = try TextTransformer.layerInputs(
                weights: weights, architecture: text, embedDim: architecture.embedDim, tokenIDs: sequence,
                positions: chosen, layers: layerCount)
        } catch {
            throw .runtime(error)
        }
        return TextPrompts(
            embeddings: Tensor.packedFloats([layerCount, tokens, text.width], rows.flatMap { $0 }),
            architecture: TextPromptArchitecture(tokens: tokens, layers: layerCount),
            initialization: PromptInitialization(
                method: .pretrain, template: template, tokenIDs: ids, positions: chosen),
            warnings: warnings)
    }

    /// N(0, std²) values after `torch.manual_seed(seed)`, as `nn.init.normal_(torch.empty(L, N_t, W), std=std)`.
    public static func random(
        path: String, text: TextArchitecture, tokens: Int, layers: Int? = nil, seed: UInt64,
        std: Double = randomStd
    ) throws(PromptsError) -> TextPrompts {
        let layerCount = try checkCounts(path: path, text: text, tokens: tokens, layers: layers)
        var generator = TorchGenerator(seed: seed)
        let values = generator.normal(count: layerCount * tokens * text.width, mean: 0, std: std)
        return TextPrompts(
            embeddings: Tensor.packedFloats([layerCount, tokens, text.width], values),
            architecture: TextPromptArchitecture(tokens: tokens, layers: layerCount),
            initialization: PromptInitialization(method: .random, seed: seed, scale: std), warnings: [])
    }

    /// N_t must leave room for SOT before the prompt rows and EOT after them (rows 1 … N_t of the
    /// runtime's `[SOT, P×N_t, name, EOT]`); L must be 1 … the tower's layers.
    static func checkCounts(path: String, text: TextArchitecture, tokens: Int, layers: Int?) throws(PromptsError) -> Int
    {
        guard tokens >= 1, tokens <= text.contextLength - 2 else {
            throw .promptCount(
                path: path,
                reason:
                    "\(tokens) language prompt tokens do not fit: the context of \(text.contextLength) holds at most "
                    + "\(text.contextLength - 2) between the start and end tokens")
        }
        let layerCount = layers ?? text.layers
        guard (1...text.layers).contains(layerCount) else {
            throw .promptCount(
                path: path, reason: "\(layerCount) prompted text layers; the text encoder has \(text.layers)")
        }
        return layerCount
    }
}
