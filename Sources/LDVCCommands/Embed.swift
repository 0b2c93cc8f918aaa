import ArgumentParser
import Foundation
import Inference
import Layout
import TensorCore

extension LDVCConvert {
    /// `ldvc-convert embed MODEL.h5 --image photo.jpg --text "a cat" -o embeddings.npz`.
    struct Embed: LDVCCommand {
        static let configuration = CommandConfiguration(
            abstract: "Image and text embeddings of a converted CLIP model, raw and L2-normalised.",
            discussion: """
                Images go through the model's own preprocessing (stored in the file by convert; inspect shows \
                it), texts through CLIP's tokenizer as given (no template). The output kind follows -o's \
                extension: .npz holds image_embeds, image_embeds_normalized, text_embeds and \
                text_embeds_normalized ([count, embed_dim] float32); .npy one array, the normalised embeddings \
                of the images then the texts; .json everything with the file names and texts. Without -o a \
                short summary is printed.
                """)

        @Argument(help: ArgumentHelp("A model file written by ldvc-convert.", valueName: "model"))
        var model: String

        @Option(
            name: .customLong("image"),
            help: ArgumentHelp("An image file (PNG or JPEG); repeatable.", valueName: "file"))
        var images: [String] = []

        @Option(name: .customLong("text"), help: ArgumentHelp("A text; repeatable.", valueName: "text"))
        var texts: [String] = []

        @OptionGroup var tokens: TokenOptions

        @Option(
            name: [.short, .long], help: ArgumentHelp("Where to write: .npy, .npz or .json.", valueName: "path"))
        var output: String?

        @OptionGroup var writing: WriteOptions
        @OptionGroup var threads: ThreadOptions
        @OptionGroup var assumptions: StrictOptions

        func validate() throws {
            if images.isEmpty && texts.isEmpty && tokens.tokenIDs.isEmpty {
                throw ValidationError("give at least one --image or --text")
            }
            if let output, !["npy", "npz", "json"].contains(URL(fileURLWithPath: output).pathExtension.lowercased()) {
                throw ValidationError("-o must end in .npy, .npz or .json")
            }
        }

        func execute() throws(InferenceError) -> ExitCode {
            let reporter = ImageProgress.reporter(quiet: writing.quiet || writing.json)
            // Reserved first: an existing output is refused before the model runs.
            var reserved: AtomicOutput?
            if let output {
                reserved = try OutputFiles(overwrite: writing.force, inputs: [model] + images).reserve(output)
            }
            let session = try InferenceModel(path: model, threads: threads.count)
            if !images.isEmpty { try session.checkPreprocessingStated(strict: assumptions.strict, reporter: reporter) }
            let ids = try ClassList.tokenIDs(tokens.tokenIDs)
            let textInputs =
                texts.isEmpty && ids != nil ? ids!.map { $0.map(String.init).joined(separator: " ") } : texts
            let result = try Embedder.embed(
                model: session, images: images, texts: textInputs, tokenIDs: ids, reporter: reporter)
            if let reserved, let output {
                let bytes: [UInt8]
                switch URL(fileURLWithPath: output).pathExtension.lowercased() {
                case "npy": bytes = NumpyEncoding.npy(result.normalizedArray)
                case "npz":
                    guard NumpyEncoding.fitsZip(result.arrays) else {
                        throw .usage(
                            what: output, reason: "the embeddings exceed a zip without 64-bit extensions; use .npy")
                    }
                    bytes = NumpyEncoding.npz(result.arrays)
                default: bytes = Array(Self.json(result).utf8) + [0x0A]
                }
                try OutputFiles.commit(bytes, to: reserved)
                if !writing.quiet && !writing.json {
                    print(
                        "wrote \(output): \(result.images.count) image and \(result.texts.count) text embeddings of \(result.embedDim)"
                    )
                    return .success
                }
            }
            if writing.json {
                print(Self.json(result))
            } else if output == nil {
                for row in result.images + result.texts {
                    let head = row.normalized.prefix(4).map { String(format: "%.4f", $0) }.joined(separator: ", ")
                    let norm = row.raw.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
                    print(
                        "\(row.source.escapedForTerminal()): norm \(String(format: "%.4f", norm)), normalised [\(head), …]"
                    )
                }
            }
            return .success
        }

        static func json(_ result: Embeddings) -> String {
            struct Row: Encodable {
                let source: String, embedding: [Float], normalized: [Float]
            }
            struct Document: Encodable {
                let model: String, embedDim: Int, images: [Row], texts: [Row]
                enum CodingKeys: String, CodingKey {
                    case model, images, texts
                    case embedDim = "embed_dim"
                }
            }
            let rows = { (rows: [Embeddings.Row]) in
                rows.map { Row(source: $0.source, embedding: $0.raw, normalized: $0.normalized) }
            }
            return JSONOutput.text(
                Document(
                    model: result.model, embedDim: result.embedDim, images: rows(result.images),
                    texts: rows(result.texts)))
        }
    }
}
