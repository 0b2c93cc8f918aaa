import Foundation
public import Layout
import Runtime

/// Image and text embeddings of one model (`ldvc-convert embed`).
public struct Embeddings: Sendable {
    public struct Row: Sendable {
        /// The image file or the text.
        public var source: String
        /// `encode_image` / `encode_text`: the projected embedding, not normalised.
        public var raw: [Float]
        /// `raw / ‖raw‖`, as CLIP's `x / x.norm(dim=-1, keepdim=True)` in float32.
        public var normalized: [Float]
    }

    public var model: String
    public var embedDim: Int
    public var images: [Row]
    public var texts: [Row]

    /// The arrays of the `.npz` form: `image_embeds`, `image_embeds_normalized`, `text_embeds`,
    /// `text_embeds_normalized` (`[count, E]`; a kind without inputs is left out).
    public var arrays: [NumpyEncoding.Array] {
        var arrays: [NumpyEncoding.Array] = []
        for (kind, rows) in [("image", images), ("text", texts)] where !rows.isEmpty {
            arrays.append(.init(name: "\(kind)_embeds", shape: [rows.count, embedDim], values: rows.flatMap(\.raw)))
            arrays.append(
                .init(
                    name: "\(kind)_embeds_normalized", shape: [rows.count, embedDim],
                    values: rows.flatMap(\.normalized)))
        }
        return arrays
    }

    /// The `.npy` form: the normalised embeddings of the images, then of the texts, `[images + texts, E]`.
    public var normalizedArray: NumpyEncoding.Array {
        .init(
            name: "embeddings", shape: [images.count + texts.count, embedDim],
            values: images.flatMap(\.normalized) + texts.flatMap(\.normalized))
    }
}

/// Runs the towers on image files and texts.
public enum Embedder {
    /// Embeddings of `images` (files, through the model's preprocessing) and `texts` (CLIP's tokenizer, no
    /// template; or `tokenIDs`, one sequence per text). `reporter` gets a progress step per image.
    public static func embed(
        model: InferenceModel, images: [String], texts: [String], tokenIDs: [[Int]]? = nil,
        reporter: Reporter = .silent
    ) throws(InferenceError) -> Embeddings {
        let embedDim = model.attributes.architecture.embedDim
        var result = Embeddings(model: model.path, embedDim: embedDim, images: [], texts: [])
        if !images.isEmpty {
            guard model.pipeline.isCLIP, model.attributes.architecture.ldvc == nil else {
                throw .usage(
                    what: model.path,
                    reason: "image embeddings need a plain CLIP model; a segmentation model runs with `segment`")
            }
            // Every file is decoded and checked before the model runs, so a bad one stops the run early.
            let prepared = try images.map { (path) throws(InferenceError) in try model.pipeline.prepare(path: path) }
            for (index, image) in prepared.enumerated() {
                reporter.progress(index, images.count, image.path)
                let encoding: VisionEncoding
                do { encoding = try model.runtime.encodeImage(image.input) } catch { throw .runtime(error) }
                result.images.append(row(image.path, encoding.embedding))
            }
            reporter.progress(images.count, images.count, "")
        }
        if !texts.isEmpty {
            let tokens = try model.tokens(for: texts, template: nil, tokenIDs: tokenIDs)
            let raw = try textEmbeddings(model: model, tokens: tokens)
            for (index, text) in texts.enumerated() { result.texts.append(row(text, raw.row(index))) }
        }
        return result
    }

    /// `encode_text` of each sequence, `[count, E]`, not normalised.
    static func textEmbeddings(model: InferenceModel, tokens: [[Int]]) throws(InferenceError) -> Matrix {
        let recorder = TapRecorder()
        do { _ = try model.runtime.encodeTexts(tokens, cache: false, taps: recorder) } catch { throw .runtime(error) }
        let embedDim = model.attributes.architecture.embedDim
        guard let tap = recorder.taps["text.embeds"], tap.shape == [tokens.count, embedDim] else {
            throw .refused(
                path: model.path, reason: "the text tower recorded no [\(tokens.count), \(embedDim)] text.embeds")
        }
        return Matrix(rows: tokens.count, columns: embedDim, values: tap.values)
    }

    static func row(_ source: String, _ raw: [Float]) -> Embeddings.Row {
        Embeddings.Row(source: source, raw: raw, normalized: normalized(raw))
    }

    /// `x / ‖x‖` in float32 (a zero vector stays zero).
    static func normalized(_ values: [Float]) -> [Float] {
        let norm = Float(values.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot())
        return norm > 0 ? values.map { $0 / norm } : values
    }
}
