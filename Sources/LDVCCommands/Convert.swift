import ArgumentParser
import Conventions
import Conversion
import Foundation
import Layout
import Prompts

extension LDVCConvert {
    /// `ldvc-convert [convert] INPUT [-o OUTPUT]`.
    struct Convert: LDVCCommand {
        static let configuration = CommandConfiguration(
            abstract: "Convert a checkpoint into the native HDF5 layout (the default subcommand).",
            discussion: """
                The output is written to a temporary file beside the destination and renamed into place \
                only when complete and checked against the layout schema; an existing file is never \
                replaced without --force and the input is never modified.
                """)

        @Argument(
            help: ArgumentHelp(
                "The model to convert: a checkpoint (.pt, .pth, .bin, .safetensors, .onnx; the format is read from the file's bytes), a model folder (HuggingFace, open_clip hub, HuggingFace cache), or a sharded checkpoint's index or any one of its shards.",
                valueName: "input"),
            completion: .file())
        var input: String

        @Option(
            name: [.short, .long],
            help: ArgumentHelp(
                "Where to write the HDF5 file (default: beside the input, its name with .h5; FOLDER.h5 for a folder).",
                valueName: "path"),
            completion: .file(extensions: ["h5"]))
        var output: String?

        @OptionGroup var writing: WriteOptions

        @Option(
            name: .long,
            help: ArgumentHelp("Element type to store: keep (as in the input), f32, f16 or bf16.", valueName: "policy"))
        var dtype: DTypePolicy = .keep

        @OptionGroup var architecture: ArchitectureOptions

        @Flag(
            name: .long,
            help:
                "Fail when the input holds tensors that are not part of CLIP, or when a setting no source states would be assumed (default: warn)."
        )
        var strict = false

        @Option(
            name: .customLong("init-prompts"),
            help: ArgumentHelp(
                "Also add LDVC deep prompts, the language prompts initialised from this template (see init-prompts).",
                valueName: "template"))
        var initPrompts: String?

        @OptionGroup(title: "Prompts (with --init-prompts)") var prompts: PromptOptions

        func execute() throws(PromptsError) -> ExitCode {
            var options = ConversionOptions()
            options.dtype = dtype
            options.overwrite = writing.force
            options.strict = strict
            architecture.apply(to: &options)
            let reporter = writing.reporter
            let started = Date()
            let plan: ConversionPlan
            let output: String
            let build: LayoutBuildReport
            var injection: PromptInjectionReport?
            if let initPrompts {
                let result = try PromptInjector.convert(
                    input: input, output: self.output, options: options,
                    request: prompts.request(template: initPrompts),
                    reporter: reporter)
                (plan, output, injection) = (result.conversion, result.injection.output, result.injection)
                build = result.injection.build
            } else {
                do {
                    let report = try Converter.convert(
                        input: input, output: self.output, options: options, reporter: reporter)
                    (plan, output, build) = (report.plan, report.output, report.build)
                } catch {
                    throw .conversion(error)
                }
            }
            let seconds = String(format: "%.2f", Date().timeIntervalSince(started))
            var details = [
                "convention": plan.convention.name, "source_format": plan.format.rawValue, "seconds": seconds,
            ]
            if let injection { details["prompts"] = LDVCConvert.InitPrompts.summary(injection) }
            let assumed = plan.assumed.map { "\($0.name) = \($0.value) (assumed)" }
            if !assumed.isEmpty { details["assumed"] = assumed.joined(separator: ", ") }
            let result = WrittenFile(
                command: "convert", output: output, tensors: build.tensorCount, bytes: build.bytes,
                dtypes: build.dtypes.keys.sorted(), details: details)
            writing.report(
                result,
                line: "wrote \(output): \(result.tensors) tensors, \(result.bytes / 1_000_000) MB, "
                    + "\(plan.convention.name) convention, \(plan.format.rawValue) input, "
                    + "\(LDVCConvert.dtypeSummary(build.dtypes)), \(seconds) s"
                    + (injection.map { "; " + LDVCConvert.InitPrompts.summary($0) } ?? "")
                    + (assumed.isEmpty ? "" : "; " + assumed.joined(separator: ", ")))
            if let injection { for warning in injection.warnings { Terminal.warning(warning) } }
            return .success
        }
    }
}

extension DTypePolicy: ExpressibleByArgument {}
extension Activation: ExpressibleByArgument {}

/// What shapes cannot tell, for when no config sits beside the checkpoint.
struct ArchitectureOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Naming convention of the input: \(ConventionRegistry.builtIn.conventions(of: .clip).map(\.name).joined(separator: ", ")) (default: detected).",
            valueName: "name"))
    var convention: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "MLP activation: quick_gelu or gelu (default: from the config, else the ONNX graph or TorchScript code, else the convention's, with a warning).",
            valueName: "name"))
    var activation: Activation?

    @OptionGroup var heads: HeadOptions

    @Option(
        name: .long,
        help: ArgumentHelp(
            "A model configuration to read instead of the ones beside the input: HF config.json, or open_clip's (hub open_clip_config.json or model_configs/*.json), recognised by content.",
            valueName: "path"),
        completion: .file(extensions: ["json"]))
    var config: String?

    @Flag(name: .customLong("text-only"), help: "Convert only the text tower (when the image tower cannot be run).")
    var textOnly = false

    @Flag(name: .customLong("vision-only"), help: "Convert only the image tower (when the text tower cannot be run).")
    var visionOnly = false

    func validate() throws {
        if let convention, ConventionRegistry.builtIn.named(convention)?.kind != .clip {
            throw ValidationError(
                "--convention must be one of \(ConventionRegistry.builtIn.conventions(of: .clip).map(\.name).joined(separator: ", "))"
            )
        }
        if textOnly && visionOnly { throw ValidationError("--text-only and --vision-only exclude each other") }
    }

    func apply(to options: inout ConversionOptions) {
        options.convention = convention
        options.activation = activation
        options.config = config
        options.towers = textOnly ? .textOnly : visionOnly ? .visionOnly : .both
        heads.apply(to: &options)
    }
}
