import Layout

/// CLIP's text tower (OpenAI `clip/model.py::CLIP.encode_text`), optionally with LDVC's deep language
/// prompts (where they sit is reconstructed; `prompts.text` says).
///
/// Only positions up to each sequence's end token are computed. Under the causal mask position p
/// attends to positions ≤ p only, so the end token's row — the only one pooled — is exactly what
/// the full 77-position run gives. Several prompts are packed into one matrix so every projection
/// is a single sgemm; attention runs per prompt.
public struct TextTransformer: Sendable {
    let architecture: TextArchitecture
    let embedDim: Int
    let tokenEmbedding: [Float]
    let positionEmbedding: [Float]
    let blocks: [ResidualBlock]
    let finalNorm: LayerNorm
    let projection: Linear
    let prompts: (architecture: TextPromptArchitecture, rows: [Matrix])?
    let path: String

    init(
        _ weights: WeightScope, architecture: TextArchitecture, embedDim: Int,
        prompts promptArchitecture: TextPromptArchitecture?
    ) throws(RuntimeError) {
        let width = architecture.width
        guard architecture.heads > 0, width % architecture.heads == 0, architecture.contextLength > 0 else {
            throw .unsupportedArchitecture(
                path: weights.path, reason: "text width \(width) with \(architecture.heads) heads")
        }
        self.architecture = architecture
        self.embedDim = embedDim
        path = weights.path
        let tower = weights.scoped("text")
        tokenEmbedding = try tower.take("token_embedding", shape: [architecture.vocabSize, width])
        positionEmbedding = try tower.take("position_embedding", shape: [architecture.contextLength, width])
        blocks = try ResidualBlock.stack(
            tower, layers: architecture.layers, width: width, heads: architecture.heads,
            mlpWidth: architecture.mlpWidth, eps: architecture.layerNormEps,
            activation: architecture.activation)
        finalNorm = try LayerNorm(tower.scoped("ln_final"), width: width, eps: architecture.layerNormEps)
        projection = try Linear(tower.scoped("proj"), inFeatures: width, outFeatures: embedDim, bias: false)
        if let promptArchitecture {
            let tokens = promptArchitecture.tokens, layers = promptArchitecture.layers
            guard tokens > 0, layers > 0, layers <= architecture.layers, promptArchitecture.start >= 0,
                promptArchitecture.start + tokens < architecture.contextLength
            else {
                throw .unsupportedArchitecture(
                    path: weights.path,
                    reason:
                        "text prompts: \(tokens) tokens from row \(promptArchitecture.start) in \(layers) of \(architecture.layers) layers"
                )
            }
            let values = try weights.take("prompts.text.embeddings", shape: [layers, tokens, width])
            let rows = (0..<layers).map { layer in
                Matrix(
                    rows: tokens, columns: width,
                    values: Array(values[(layer * tokens * width)..<((layer + 1) * tokens * width)]))
            }
            prompts = (promptArchitecture, rows)
        } else {
            prompts = nil
        }
    }

    /// Projected text features `[prompts, E]` (not normalised), one row per token-id sequence.
    /// Each sequence is pooled at its end token, the position of its largest id (`argmax`).
    public func encode(_ sequences: [[Int]], taps: TapRecorder? = nil) throws(RuntimeError) -> Matrix {
        let width = architecture.width, context = architecture.contextLength
        var ranges: [Range<Int>] = []
        var ends: [Int] = []
        for (index, ids) in sequences.enumerated() {
            guard !ids.isEmpty, ids.count <= context else {
                throw .invalidInput(
                    path: path, reason: "prompt \(index) has \(ids.count) tokens; the context holds \(context)")
            }
            if let bad = ids.first(where: { $0 < 0 || $0 >= architecture.vocabSize }) {
                throw .invalidInput(
                    path: path,
                    reason: "prompt \(index) has token id \(bad) outside the vocabulary of \(architecture.vocabSize)")
            }
            // torch.argmax returns the first maximal index.
            var end = 0
            for position in ids.indices where ids[position] > ids[end] { end = position }
            if let prompts, prompts.architecture.start + prompts.architecture.tokens > end {
                throw .invalidInput(
                    path: path,
                    reason:
                        "prompt \(index) ends at position \(end), before the \(prompts.architecture.tokens) prompt rows from \(prompts.architecture.start)"
                )
            }
            let start = ranges.last?.upperBound ?? 0
            ranges.append(start..<(start + end + 1))
            ends.append(end)
        }
        let totalRows = ranges.last?.upperBound ?? 0
        var x = Matrix(rows: totalRows, columns: width)
        for (index, ids) in sequences.enumerated() {
            for position in 0...ends[index] {
                let row = (ranges[index].lowerBound + position) * width
                for column in 0..<width {
                    x.values[row + column] =
                        tokenEmbedding[ids[position] * width + column] + positionEmbedding[position * width + column]
                }
            }
        }
        record("text.embeddings", x, ranges: ranges, taps: taps)
        for (layer, block) in blocks.enumerated() {
            if let prompts, layer < prompts.rows.count {
                insertPrompts(
                    prompts.rows[layer], into: &x, ranges: ranges,
                    addPosition: layer == 0 && prompts.architecture.addPositionAtFirstLayer,
                    start: prompts.architecture.start)
            }
            x = block(consume x, sequences: ranges, causal: true)
            record("text.blocks.\(layer)", x, ranges: ranges, taps: taps)
        }
        var pooledRows = Matrix(rows: sequences.count, columns: width)
        for (index, range) in ranges.enumerated() {
            pooledRows.replaceRows(startingAt: index, with: x.slice(rows: (range.upperBound - 1)..<range.upperBound))
        }
        let pooled = finalNorm(pooledRows)
        let projected = projection(pooled)
        if let taps {
            for index in 0..<sequences.count {
                taps.record("text.pooled", itemShape: [width], values: pooled.row(index))
                taps.record("text.embeds", itemShape: [embedDim], values: projected.row(index))
            }
        }
        return projected
    }

    /// Overwrites rows `start..<start+N_t` of every packed prompt with this layer's prompts; at layer 0
    /// optionally keeps the positional embedding (IVLP) instead of replacing token + position.
    private func insertPrompts(
        _ rows: Matrix, into x: inout Matrix, ranges: [Range<Int>], addPosition: Bool, start: Int
    ) {
        let width = architecture.width
        for range in ranges {
            var block = rows
            if addPosition {
                for row in 0..<rows.rows {
                    for column in 0..<width {
                        block.values[row * width + column] += positionEmbedding[(start + row) * width + column]
                    }
                }
            }
            x.replaceRows(startingAt: range.lowerBound + start, with: block)
        }
    }

    /// Records a packed tensor as `[prompts, context, W]` with zeros after each end token.
    private func record(_ name: String, _ x: Matrix, ranges: [Range<Int>], taps: TapRecorder?) {
        guard let taps else { return }
        let width = architecture.width, context = architecture.contextLength
        for range in ranges {
            var values = [Float](repeating: 0, count: context * width)
            values.replaceSubrange(
                0..<(range.count * width), with: x.values[(range.lowerBound * width)..<(range.upperBound * width)])
            taps.record(name, itemShape: [context, width], values: values, validRows: range.count)
        }
    }
}
