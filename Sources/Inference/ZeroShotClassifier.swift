import Foundation
public import Layout
import Runtime

/// Zero-shot classification of images against text labels (`ldvc-convert classify`).
public struct Classification: Sendable {
    public struct Prediction: Sendable {
        public var index: Int
        public var label: String
        /// `logit_scale · cos(image, text)`.
        public var logit: Float
        /// Softmax over all labels.
        public var probability: Float
    }

    public struct ImageResult: Sendable {
        public var image: String
        /// One per label, in label order.
        public var probabilities: [Float]
        public var logits: [Float]
        /// The `topK` most probable labels, best first.
        public var top: [Prediction]
    }

    public var model: String
    public var labels: [String]
    /// The prompts the labels were put into (nil when token ids were given).
    public var prompts: [String]?
    /// `exp(logit_scale)`, clamped at 100.
    public var logitScale: Float
    public var images: [ImageResult]
}

public enum ZeroShotClassifier {
    /// The largest scale CLIP trains with (`logit_scale` clamped at ln 100).
    public static let maximumLogitScale: Float = 100

    /// Classifies each image file among `labels` put into `template` (`{}` is the label), or among the token
    /// sequences `tokenIDs` (one per label). Probabilities are CLIP's: softmax of `exp(logit_scale)` times
    /// the cosine of the normalised embeddings, in float32; a file without `logit_scale` uses 100 (noted).
    public static func classify(
        model: InferenceModel, images: [String], labels: [String], template: String = "a photo of a {}.",
        tokenIDs: [[Int]]? = nil, topK: Int = 5, strict: Bool = false, reporter: Reporter = .silent
    ) throws(InferenceError) -> Classification {
        guard labels.count >= 1 else { throw .usage(what: "--labels", reason: "no labels given") }
        guard topK >= 1 else { throw .usage(what: "--top-k", reason: "must be at least 1") }
        guard tokenIDs != nil || template.contains("{}") else {
            throw .usage(what: "--template", reason: "'\(template)' has no '{}' for the label")
        }
        let scale: Float
        if let stored = model.storedLogitScale {
            scale = min(Float(exp(Double(stored))), maximumLogitScale)
        } else {
            // The probabilities depend on the scale: an assumed one is a warning, or with `strict` a refusal.
            let fix = "convert the CLIP checkpoint that holds logit_scale"
            if strict {
                throw .refused(
                    path: model.path, reason: "no logit_scale stored: CLIP's trained value 100 would be assumed; \(fix)"
                )
            }
            reporter.warning(
                "\(model.path): no logit_scale stored; assumed CLIP's trained value 100; \(fix), or pass --strict to refuse"
            )
            scale = maximumLogitScale
        }
        let tokens = try model.tokens(for: labels, template: template, tokenIDs: tokenIDs)
        let textRaw = try Embedder.textEmbeddings(model: model, tokens: tokens)
        let texts = (0..<labels.count).map { Embedder.normalized(textRaw.row($0)) }
        let embeddings = try Embedder.embed(model: model, images: images, texts: [], reporter: reporter)
        var results: [Classification.ImageResult] = []
        for image in embeddings.images {
            // torch: logit_scale * image_features @ text_features.t() in float32, then softmax.
            let logits = texts.map { text in scale * zip(image.normalized, text).reduce(Float(0)) { $0 + $1.0 * $1.1 } }
            let probabilities = softmax(logits)
            let order = probabilities.indices.sorted { probabilities[$0] > probabilities[$1] }
            let top = order.prefix(topK).map {
                Classification.Prediction(
                    index: $0, label: labels[$0], logit: logits[$0], probability: probabilities[$0])
            }
            results.append(
                Classification.ImageResult(image: image.source, probabilities: probabilities, logits: logits, top: top))
        }
        return Classification(
            model: model.path, labels: labels,
            prompts: tokenIDs == nil ? labels.map { template.replacingOccurrences(of: "{}", with: $0) } : nil,
            logitScale: scale, images: results)
    }

    /// Softmax in float32 after subtracting the maximum, as PyTorch does.
    static func softmax(_ logits: [Float]) -> [Float] {
        let largest = logits.max() ?? 0
        let exponentials = logits.map { Float(exp(Double($0 - largest))) }
        let sum = exponentials.reduce(0, +)
        return exponentials.map { $0 / sum }
    }
}
