import ArgumentParser
import Conversion
import Foundation
import Layout

extension LDVCConvert {
    /// `ldvc-convert [convert] INPUT [-o OUTPUT]`.
    struct Convert: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Convert a checkpoint into the native HDF5 layout (the default subcommand).",
            discussion: """
                The output is written to a temporary file beside the destination and renamed into place \
                only when complete and checked against the layout schema; an existing file is never \
                replaced without --force and the input is never modified.
                """)

        @Argument(
            help: ArgumentHelp(
                "The checkpoint to convert (.pt, .pth, .bin, .safetensors, .onnx; the format is read from the file's bytes).",
                valueName: "input"),
            completion: .file())
        var input: String

        @Option(
            name: [.short, .long],
            help: ArgumentHelp("Where to write the HDF5 file (default: the input's path with .h5).", valueName: "path"),
            completion: .file(extensions: ["h5"]))
        var output: String?

        @OptionGroup var writing: WriteOptions

        @Option(
            name: .long,
            help: ArgumentHelp("Element type to store: keep (as in the input), f32 or f16.", valueName: "policy"))
        var dtype: DTypePolicy = .keep

        @OptionGroup var architecture: ArchitectureOptions

        @Flag(
            name: .long,
            help: "Fail when the input holds tensors that are not part of CLIP (default: warn and skip them).")
        var strict = false

        @Option(
            name: .customLong("init-prompts"),
            help: ArgumentHelp(
                "Also add LDVC deep prompts, the language prompts initialised from this template (see init-prompts).",
                valueName: "template"))
        var initPrompts: String?

        @OptionGroup(title: "Prompts (with --init-prompts)") var prompts: PromptOptions

        func run() async throws {
            Terminal.installInterruptHandler()
            var options = ConversionOptions()
            options.dtype = dtype
            options.overwrite = writing.force
            options.strict = strict
            architecture.apply(to: &options)
            let observer = Terminal.observer(showProgress: true, quiet: writing.quiet)
            let started = Date()
            if let initPrompts {
                do {
                    try ConvertWithPrompts.run(
                        input: input, output: output, options: options, observer: observer, template: initPrompts,
                        prompts: prompts, quiet: writing.quiet)
                } catch let exit as ExitCode {
                    throw exit
                } catch {
                    throw ExitStatus.fail(error)
                }
                return
            }
            do {
                let report = try Converter.convert(input: input, output: output, options: options, observer: observer)
                if !writing.quiet {
                    let plan = report.plan
                    let seconds = String(format: "%.2f", Date().timeIntervalSince(started))
                    print(
                        "wrote \(report.output): \(plan.items.count) tensors, \(plan.outputBytes / 1_000_000) MB, "
                            + "\(plan.convention.rawValue) convention, \(plan.format.rawValue) input, \(seconds) s")
                }
            } catch {
                throw ExitStatus.fail(error)
            }
        }
    }
}

extension DTypePolicy: ExpressibleByArgument {}
extension Convention: ExpressibleByArgument {}
extension Activation: ExpressibleByArgument {}

/// What shapes cannot tell, for when no sidecar config sits beside the checkpoint.
struct ArchitectureOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Naming convention of the input: openai, open_clip or hf (default: detected).", valueName: "name"))
    var convention: Convention?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "MLP activation: quick_gelu or gelu (default: from config.json/open_clip_config.json, else the convention's).",
            valueName: "name"))
    var activation: Activation?

    @Option(
        name: .customLong("vision-heads"),
        help: ArgumentHelp("Attention heads of the vision tower (default: config, else width / 64).", valueName: "n"))
    var visionHeads: Int?

    @Option(
        name: .customLong("text-heads"),
        help: ArgumentHelp("Attention heads of the text tower (default: config, else width / 64).", valueName: "n"))
    var textHeads: Int?

    func validate() throws {
        if let visionHeads, visionHeads <= 0 { throw ValidationError("--vision-heads must be positive") }
        if let textHeads, textHeads <= 0 { throw ValidationError("--text-heads must be positive") }
    }

    func apply(to options: inout ConversionOptions) {
        options.convention = convention
        options.activation = activation
        options.visionHeads = visionHeads
        options.textHeads = textHeads
    }
}
