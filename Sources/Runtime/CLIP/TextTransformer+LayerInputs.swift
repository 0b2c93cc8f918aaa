public import Layout

extension TextTransformer {
    /// The hidden state *entering* each of the first `layers` text blocks, at `positions` of the
    /// token sequence `tokenIDs`: `[layers][positions.count × width]`, row-major.
    ///
    /// Layer 0's input is token + position embedding; layer i's is block i−1's output. This is what
    /// LDVC's "pretrain" prompt initialisation copies (paper §3.3). Prompts stored in the file are not
    /// inserted: the initialisation reads the pretrained encoder. Under the causal mask position p
    /// depends on positions ≤ p only, so running up to the last requested position gives exactly what
    /// the full-context run gives there (padding positions included).
    public static func layerInputs(
        weights: any WeightStore, architecture: TextArchitecture, embedDim: Int, tokenIDs: [Int], positions: [Int],
        layers: Int
    ) throws(RuntimeError) -> [[Float]] {
        let encoder = try TextTransformer(
            WeightScope(store: weights), architecture: architecture, embedDim: embedDim, prompts: nil)
        return try encoder.layerInputs(tokenIDs: tokenIDs, positions: positions, layers: layers)
    }

    func layerInputs(tokenIDs: [Int], positions: [Int], layers: Int) throws(RuntimeError) -> [[Float]] {
        let width = architecture.width, context = architecture.contextLength
        guard !tokenIDs.isEmpty, tokenIDs.count <= context else {
            throw .invalidInput(path: path, reason: "\(tokenIDs.count) tokens; the context holds \(context)")
        }
        if let bad = tokenIDs.first(where: { $0 < 0 || $0 >= architecture.vocabSize }) {
            throw .invalidInput(
                path: path, reason: "token id \(bad) is outside the vocabulary of \(architecture.vocabSize)")
        }
        guard let last = positions.max(), positions.allSatisfy({ $0 >= 0 }), last < tokenIDs.count else {
            throw .invalidInput(
                path: path, reason: "positions \(positions) are not all inside the \(tokenIDs.count) tokens")
        }
        guard (1...architecture.layers).contains(layers) else {
            throw .invalidInput(
                path: path, reason: "\(layers) layers requested; the text tower has \(architecture.layers)")
        }
        let length = last + 1
        var x = Matrix(rows: length, columns: width)
        for position in 0..<length {
            let token = tokenIDs[position] * width, place = position * width
            for column in 0..<width {
                x.values[place + column] = tokenEmbedding[token + column] + positionEmbedding[place + column]
            }
        }
        func gather(_ x: Matrix) -> [Float] { positions.flatMap { x.row($0) } }
        var result = [gather(x)]
        for block in blocks.prefix(layers - 1) {
            x = block(consume x, sequences: [0..<length], causal: true)
            result.append(gather(x))
        }
        return result
    }
}
