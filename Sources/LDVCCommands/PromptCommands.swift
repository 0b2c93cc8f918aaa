import ArgumentParser
import Conversion
import Foundation
import Layout
import Prompts

/// How many prompts, and how the language prompts start: shared by `init-prompts` and
/// `convert --init-prompts`.
struct PromptOptions: ParsableArguments {
    @Option(
        name: .customLong("visual-tokens"),
        help: ArgumentHelp(
            "Visual prompt tokens per vision layer (N_v; ZegCLIP/LDVC COCO 100, LDVC VOC 40; 0 = none).", valueName: "n"
        ))
    var visualTokens = 100

    @Option(
        name: .customLong("text-tokens"),
        help: ArgumentHelp("Language prompt tokens per text layer (N_t; LDVC 6; 0 = none).", valueName: "n"))
    var textTokens = TextPromptInitializer.defaultTokens

    @Option(
        name: .customLong("text-layers"),
        help: ArgumentHelp("Prompted text layers, from the first (default: all).", valueName: "n"))
    var textLayers: Int?

    @Option(
        name: .customLong("deep-layers"),
        help: ArgumentHelp(
            "Vision layers after the first that get their own prompts (default: all, ZegCLIP's total_d_layer).",
            valueName: "n"))
    var deepLayers: Int?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Template positions whose hidden states become the language prompts, comma-separated (default: 0 … N_t−1, i.e. SOT, the template's tokens, EOT).",
            valueName: "list"),
        transform: PromptOptions.parsePositions)
    var positions: [Int]?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "torch.manual_seed value for the random initialisations (visual prompts; language prompts with --text-init random).",
            valueName: "n"))
    var seed: UInt64 = 0

    static func parsePositions(_ text: String) throws -> [Int] {
        let parts = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let values = parts.compactMap { Int($0) }
        guard !parts.isEmpty, values.count == parts.count else {
            throw ValidationError("--positions takes comma-separated integers, e.g. 0,1,2,3,4,5")
        }
        return values
    }

    func validate() throws {
        if visualTokens < 0 { throw ValidationError("--visual-tokens cannot be negative") }
        if textTokens < 0 { throw ValidationError("--text-tokens cannot be negative") }
        if let textLayers, textLayers <= 0 { throw ValidationError("--text-layers must be positive") }
        if let deepLayers, deepLayers < 0 { throw ValidationError("--deep-layers cannot be negative") }
    }

    func request(template: String?) -> PromptRequest {
        var request = PromptRequest()
        request.visualTokens = visualTokens
        request.visualDeepLayers = deepLayers
        request.textTokens = textTokens
        request.textLayers = textLayers
        request.positions = positions
        request.seed = seed
        request.textInitialization = template.map { .template($0) } ?? .random
        return request
    }
}

/// How the language prompts start.
enum TextInitialization: String, ExpressibleByArgument, CaseIterable {
    /// Hidden states of the template (LDVC's "pretrain", paper §3.3).
    case pretrain
    /// N(0, 0.02²) from --seed (the paper's "Random").
    case random
}

extension LDVCConvert {
    /// `ldvc-convert init-prompts MODEL.h5 --template "a photo of a" [--visual-tokens 100] [--text-tokens 6]`.
    struct InitPrompts: LDVCCommand {
        static let configuration = CommandConfiguration(
            commandName: "init-prompts",
            abstract: "Add freshly initialised LDVC deep prompts to a converted CLIP model.",
            discussion: """
                Writes a copy of the model with visual prompts (VPT-deep, initialised as ZegCLIP does: uniform \
                within √(6/(3·P²+W)), Kaiming-normal projection, identity norm) and language prompts. With \
                --template the language prompts of layer i are the hidden states entering text layer i at \
                positions 0 … N_t−1 of [SOT, template, EOT, padding] (LDVC's "pretrain"); a template that does \
                not give exactly N_t tokens is used all the same, with a warning. Random values reproduce \
                PyTorch's torch.manual_seed(--seed) bit for bit. The input is never modified.
                """)

        @Argument(
            help: ArgumentHelp(
                "A model file written by ldvc-convert (plain CLIP, without prompts).", valueName: "model"),
            completion: .file(extensions: ["h5"]))
        var model: String

        @Option(
            name: .long,
            help: ArgumentHelp(
                "Hand-crafted template whose embeddings start the language prompts, e.g. \"a photo of a\".",
                valueName: "text"))
        var template: String?

        @Option(
            name: .customLong("text-init"),
            help: ArgumentHelp(
                "pretrain (from --template) or random (default: pretrain when --template is given, else random).",
                valueName: "method"))
        var textInit: TextInitialization?

        @OptionGroup var prompts: PromptOptions

        @Option(
            name: [.short, .long],
            help: ArgumentHelp("Where to write the result (default: <model>-prompts.h5 beside it).", valueName: "path"),
            completion: .file(extensions: ["h5"]))
        var output: String?

        @OptionGroup var writing: WriteOptions

        func validate() throws {
            if textInit == .pretrain && template == nil {
                throw ValidationError("--text-init pretrain needs --template")
            }
            if textInit == .random && template != nil {
                throw ValidationError("--template is for --text-init pretrain; drop one of them")
            }
        }

        func execute() throws(PromptsError) -> ExitCode {
            let report = try PromptInjector.inject(
                input: model, output: output, request: prompts.request(template: template), overwrite: writing.force,
                producer: ConversionOptions().producer, reporter: writing.reporter)
            for warning in report.warnings { Terminal.warning(warning) }
            writing.report(
                WrittenFile(
                    command: "init-prompts", output: report.output, tensors: report.build.tensorCount,
                    bytes: report.build.bytes, dtypes: report.build.dtypes.keys.sorted(),
                    details: ["prompts": Self.summary(report)]),
                line: "wrote \(report.output): " + Self.summary(report) + "; "
                    + LDVCConvert.dtypeSummary(report.build.dtypes))
            return .success
        }

        /// `visual prompts 8 × 2 layers (seed 0); language prompts 6 × 3 layers from "…" at positions […]`.
        static func summary(_ report: PromptInjectionReport) -> String {
            var parts: [String] = []
            if let visual = report.visual {
                parts.append(
                    "visual prompts \(visual.architecture.tokens) × \(visual.architecture.deepLayers + 1) layers (seed \(visual.initialization.seed ?? 0))"
                )
            }
            if let text = report.text {
                let how =
                    text.initialization.method == .pretrain
                    ? "from \"\(text.initialization.template ?? "")\" at positions \(text.initialization.positions ?? [])"
                    : "random, seed \(text.initialization.seed ?? 0)"
                parts.append("language prompts \(text.architecture.tokens) × \(text.architecture.layers) layers \(how)")
            }
            return parts.joined(separator: "; ")
        }
    }
}
