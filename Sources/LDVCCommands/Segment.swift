import ArgumentParser
import Foundation
import Inference
import TensorCore

extension LDVCConvert {
    /// `ldvc-convert segment zegclip.h5 photo.jpg --classes "sky,grass,road,cat" -o out/`.
    struct Segment: LDVCCommand {
        static let configuration = CommandConfiguration(
            abstract: "Segment images with a ZegCLIP/LDVC model: label PNGs, overlays with a legend, summaries.",
            discussion: """
                Each image goes through the model's test pipeline (stored by import; inspect shows it): keep-ratio \
                resize, sliding windows of the head's crop and stride, scores resized back to the image's size, \
                argmax. Per image, in the output folder: STEM.labels.png (8-bit palette PNG, pixel = class \
                index), STEM.overlay.png (the classes blended over the image, a legend of those present), \
                STEM.json (classes present and their pixel fractions) and with --scores STEM.scores.npy \
                ([classes, height, width] float32). Every image is decoded and every output name checked \
                before anything is written.
                """)

        @Argument(help: ArgumentHelp("A ZegCLIP/LDVC model file (ldvc-convert import).", valueName: "model"))
        var model: String

        @Argument(help: ArgumentHelp("Image files (PNG or JPEG).", valueName: "image"))
        var images: [String]

        @Option(
            name: .long,
            help: ArgumentHelp(
                "Class names: a comma-separated list or a file with one per line (default: the model's).",
                valueName: "classes"))
        var classes: String?

        @Option(
            name: .long,
            help: ArgumentHelp(
                "Seen (training) classes, names or indices, or none (default: the model's split when the classes are its own).",
                valueName: "classes"))
        var seen: String?

        @Option(
            name: .long,
            help: ArgumentHelp("The class prompt; {} is the name (default: the model's).", valueName: "text"))
        var template: String?

        @Option(
            name: [.short, .long], help: ArgumentHelp("Output folder (default: the current one).", valueName: "dir"))
        var output = "."

        @Flag(name: .long, help: "Also write each image's class scores as STEM.scores.npy.")
        var scores = false

        @OptionGroup var tokens: TokenOptions
        @OptionGroup var writing: WriteOptions
        @OptionGroup var threads: ThreadOptions
        @OptionGroup var assumptions: StrictOptions

        func validate() throws {
            if images.isEmpty { throw ValidationError("give at least one image") }
        }

        func execute() throws(InferenceError) -> ExitCode {
            let reporter = ImageProgress.reporter(quiet: writing.quiet || writing.json)
            let session = try InferenceModel(path: model, threads: threads.count)
            try session.checkPreprocessingStated(strict: assumptions.strict, reporter: reporter)
            let names = try Segmenter.classNames(
                given: try classes.map { (text) throws(InferenceError) in try ClassList.parse(text, option: "--classes")
                },
                model: session)
            let seenIndices = try Segmenter.seenClasses(given: seen, classNames: names, model: session)
            let summaries = try Segmenter.run(
                model: session, images: images, classNames: names, seen: seenIndices, template: template,
                tokenIDs: try ClassList.tokenIDs(tokens.tokenIDs), folder: output, writeScores: scores,
                overwrite: writing.force, reporter: reporter)
            if writing.json {
                struct Document: Encodable {
                    let model: String, images: [SegmentationSummary]
                }
                print(JSONOutput.text(Document(model: model, images: summaries)))
            } else if !writing.quiet {
                for summary in summaries {
                    let shares = summary.present.sorted { $0.pixels > $1.pixels }.map {
                        "\($0.name.escapedForTerminal()) \(String(format: "%.1f%%", $0.fraction * 100))"
                    }
                    print(
                        "\(summary.image.escapedForTerminal()) → \((summary.files?.overlay ?? "").escapedForTerminal()): "
                            + shares.joined(separator: ", "))
                }
            }
            return .success
        }
    }
}
