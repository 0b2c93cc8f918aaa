import ArgumentParser
import Foundation
import Inference
import TensorCore

extension LDVCConvert {
    /// `ldvc-convert classify MODEL.h5 photo.jpg --labels "cat,dog,car"`.
    struct Classify: LDVCCommand {
        static let configuration = CommandConfiguration(
            abstract: "Zero-shot classification of images with a converted CLIP model.",
            discussion: """
                Each label is put into the template and encoded by the text tower; an image's probabilities are \
                CLIP's: softmax over labels of exp(logit_scale) (clamped at 100, as CLIP trains) times the cosine \
                of the normalised image and text embeddings. Images go through the model's own preprocessing.
                """)

        @Argument(help: ArgumentHelp("A model file written by ldvc-convert.", valueName: "model"))
        var model: String

        @Argument(help: ArgumentHelp("Image files (PNG or JPEG).", valueName: "image"))
        var images: [String]

        @Option(
            name: .long,
            help: ArgumentHelp(
                "Labels: a comma-separated list, or a file with one label per line.", valueName: "labels"))
        var labels: String

        @Option(name: .long, help: ArgumentHelp("The prompt; {} is the label.", valueName: "text"))
        var template = "a photo of a {}."

        @Option(name: .customLong("top-k"), help: ArgumentHelp("Labels shown per image.", valueName: "k"))
        var topK = 5

        @OptionGroup var tokens: TokenOptions
        @OptionGroup var threads: ThreadOptions
        @OptionGroup var assumptions: StrictOptions

        @Flag(name: [.short, .long], help: "Print only errors and the results.")
        var quiet = false

        @Flag(name: .long, help: "Print machine-readable JSON instead of a table.")
        var json = false

        func validate() throws {
            if images.isEmpty { throw ValidationError("give at least one image") }
            if topK < 1 { throw ValidationError("--top-k must be at least 1") }
        }

        func execute() throws(InferenceError) -> ExitCode {
            let reporter = ImageProgress.reporter(quiet: quiet)
            let names = try ClassList.parse(labels, option: "--labels")
            let session = try InferenceModel(path: model, threads: threads.count)
            try session.checkPreprocessingStated(strict: assumptions.strict, reporter: reporter)
            let result = try ZeroShotClassifier.classify(
                model: session, images: images, labels: names, template: template,
                tokenIDs: try ClassList.tokenIDs(tokens.tokenIDs), topK: topK, strict: assumptions.strict,
                reporter: reporter)
            print(json ? Self.json(result) : Self.table(result))
            return .success
        }

        static func table(_ result: Classification) -> String {
            var lines: [String] = []
            for image in result.images {
                lines.append(image.image.escapedForTerminal())
                let width = image.top.map { $0.label.escapedForTerminal().count }.max() ?? 0
                for prediction in image.top {
                    let label = prediction.label.escapedForTerminal()
                    let bar = String(repeating: "█", count: Int((prediction.probability * 20).rounded()))
                    lines.append(
                        "  \(label.rightPadded(width))  \(String(format: "%6.2f%%", prediction.probability * 100))  \(bar)"
                    )
                }
            }
            lines.append("(logit scale \(String(format: "%.2f", result.logitScale)), \(result.labels.count) labels)")
            return lines.joined(separator: "\n")
        }

        static func json(_ result: Classification) -> String {
            struct Prediction: Encodable { let label: String, index: Int, probability: Float, logit: Float }
            struct Image: Encodable {
                let image: String, top: [Prediction], probabilities: [Float], logits: [Float]
            }
            struct Document: Encodable {
                let model: String, labels: [String], prompts: [String]?, logitScale: Float, images: [Image]
                enum CodingKeys: String, CodingKey {
                    case model, labels, prompts, images
                    case logitScale = "logit_scale"
                }
            }
            return JSONOutput.text(
                Document(
                    model: result.model, labels: result.labels, prompts: result.prompts, logitScale: result.logitScale,
                    images: result.images.map { image in
                        Image(
                            image: image.image,
                            top: image.top.map {
                                Prediction(
                                    label: $0.label, index: $0.index, probability: $0.probability, logit: $0.logit)
                            }, probabilities: image.probabilities, logits: image.logits)
                    }))
        }
    }
}
