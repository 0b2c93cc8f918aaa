import ArgumentParser
import Conventions
import Conversion
import Export
import Foundation
import Layout

extension ExportDType: ExpressibleByArgument {}

extension ExportNaming: ExpressibleByArgument {
    public init?(argument: String) {
        guard let naming = ExportNaming.named(argument) else { return nil }
        self = naming
    }

    public static var allValueStrings: [String] { ConventionRegistry.builtIn.names + ["canonical"] }
}

extension LDVCConvert {
    /// `ldvc-convert import ldvc_trained.pth -o ldvc.h5`.
    struct Import: LDVCCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Import a trained ZegCLIP/LDVC checkpoint (MMSegmentation {meta, state_dict}) into the HDF5 layout.",
            discussion: """
                Maps backbone.*, text_encoder.* and decode_head.* (prompts, text adapter, decoder) through the \
                MMSeg name table. Settings come from tensor shapes, then the command line, then meta.config \
                (checked against the shapes), then the reconstruction's defaults; the file records which \
                (architecture_sources, shown by inspect).
                """)

        @Argument(help: ArgumentHelp("The training checkpoint (.pth).", valueName: "checkpoint"), completion: .file())
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

        @OptionGroup var heads: HeadOptions

        @Flag(
            name: .long,
            help:
                "Fail when the checkpoint holds tensors that are not part of ZegCLIP/LDVC (default: warn and skip them)."
        )
        var strict = false

        func execute() throws(ConversionError) -> ExitCode {
            var options = ConversionOptions()
            options.dtype = dtype
            options.overwrite = writing.force
            options.strict = strict
            heads.apply(to: &options)
            let report = try MMSegImporter.importCheckpoint(
                input: input, output: output, options: options,
                reporter: Terminal.reporter(showProgress: true, quiet: writing.quiet))
            let defaults = report.sources.filter { $0.value.hasPrefix("default") }.keys.sorted()
            if !defaults.isEmpty && !writing.quiet {
                Terminal.note("\(input): not in the checkpoint, defaults used for: \(defaults.joined(separator: ", "))")
            }
            guard !writing.quiet else { return .success }
            let head = report.architecture.ldvc?.head
            let classes =
                report.classes.isEmpty
                ? ""
                : ", \(report.classes.count) classes (\(report.classes.prefix(5).joined(separator: ", "))\(report.classes.count > 5 ? ", …" : ""))"
            var split = ""
            if let seen = report.dataset?.seenClasses {
                split = " (\(seen.count) seen, \(report.dataset?.unseenClasses?.count ?? 0) unseen)"
            }
            print(
                "wrote \(report.output): \(report.tensorCount) tensors, \(head?.kind.rawValue ?? "no") head" + classes
                    + split + ", " + LDVCConvert.dtypeSummary(report.build.dtypes))
            return .success
        }
    }

    /// `ldvc-convert export ldvc.h5 --naming openai -o clip.pt`.
    struct Export: LDVCCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Write a converted model back for PyTorch: a state dict (.pt, .safetensors, .npz), a model folder, a training checkpoint, or a layout file (.h5).",
            discussion: """
                Names come from the convention's table read backwards (q/k/v joined into in_proj, projections \
                transposed back), element types are the source checkpoint's (--dtype), so converting a .pt and \
                exporting it in its own naming gives back the same tensors, bit for bit.

                What each target loads as it is:
                  -o DIR/ --naming hf          config.json + model.safetensors: CLIPModel.from_pretrained(DIR)
                  -o DIR/ --naming open_clip   open_clip_config.json + open_clip_model.safetensors:
                                               open_clip.create_model_and_transforms("local-dir:DIR")
                  -o x.pth --naming mmseg      {meta: {config, CLASSES, PALETTE}, state_dict}: ZegCLIP/LDVC's segmentor
                                               loads it strictly (ZegCLIP's loss buffer is recreated; meta.config is
                                               the imported checkpoint's own, else generated from the model's settings)
                  -o x.pt --naming openai      clip.model.CLIP.load_state_dict (a warning when build_model would
                                               infer other heads, or the model is not QuickGELU)
                  -o x.h5                      a layout file again (canonical names, every attribute), e.g. in f16

                A folder output (ending in /, or an existing folder) is written into a temporary folder beside it and \
                renamed into place: a missing or empty folder is created whole; a folder with files is replaced only \
                with --force and only when it holds nothing but an earlier export's files. A model without \
                logit_scale gets CLIP's initial value (with a warning). Tensors a CLIP naming has no name for \
                (prompts, head) are skipped with a warning; --naming mmseg names everything of a ZegCLIP/LDVC model.
                """)

        @Argument(
            help: ArgumentHelp("A model file written by ldvc-convert.", valueName: "model"),
            completion: .file(extensions: ["h5"]))
        var model: String

        @Option(
            name: .long,
            help: ArgumentHelp(
                "openai, open_clip, hf, mmseg (ZegCLIP/LDVC segmentor) or canonical (default: the convention the model was converted from).",
                valueName: "name"))
        var naming: ExportNaming?

        @Option(
            name: [.short, .long],
            help: ArgumentHelp(
                "Output: .pt/.pth/.bin, .safetensors, .npz, .h5 (a layout file), or a folder DIR/ (hf, open_clip).",
                valueName: "path"))
        var output: String

        @Option(
            name: .long,
            help: ArgumentHelp("source (the checkpoint's own, default), stored, f32, f16 or bf16.", valueName: "type"))
        var dtype: ExportDType = .source

        @OptionGroup var writing: WriteOptions

        func execute() throws(ExportError) -> ExitCode {
            let report = try Exporter.exportModel(
                input: model, output: output, naming: naming, dtype: dtype, overwrite: writing.force)
            LDVCConvert.report(report, quiet: writing.quiet)
            return .success
        }
    }

    /// `ldvc-convert export-prompts ldvc.h5 -o prompts.pt`.
    struct ExportPrompts: LDVCCommand {
        static let configuration = CommandConfiguration(
            commandName: "export-prompts",
            abstract: "Write a model's deep prompts to .pt, .safetensors, .h5 or .npz.",
            discussion:
                "Keys are a ZegCLIP/LDVC checkpoint's (backbone.prompt_embeddings, text_encoder.prompt_embeddings, …) unless --naming canonical. "
                + "An .h5 output is a flat HDF5 file, one dataset per key (h5py reads it as a dict), not a layout file."
        )

        @Argument(
            help: ArgumentHelp("A model file with /prompts.", valueName: "model"), completion: .file(extensions: ["h5"])
        )
        var model: String

        @Option(
            name: [.short, .long],
            help: ArgumentHelp(
                "Output file; its extension picks the format: .pt/.pth/.bin, .safetensors, .h5, .npz.",
                valueName: "path"))
        var output: String

        @Option(name: .long, help: ArgumentHelp("mmseg (default) or canonical.", valueName: "name"))
        var naming: ExportNaming = ExportNaming(.mmseg)

        @Option(name: .long, help: ArgumentHelp("source (default), stored, f32, f16 or bf16.", valueName: "type"))
        var dtype: ExportDType = .source

        @OptionGroup var writing: WriteOptions

        func execute() throws(ExportError) -> ExitCode {
            let report = try Exporter.exportPrompts(
                input: model, output: output, naming: naming, dtype: dtype, overwrite: writing.force)
            LDVCConvert.report(report, quiet: writing.quiet)
            return .success
        }
    }

    static func report(_ report: ExportReport, quiet: Bool) {
        for warning in report.warnings { Terminal.warning(warning) }
        if !report.skipped.isEmpty {
            Terminal.warning(
                "\(report.skipped.count) tensor(s) have no \(report.naming.name) name and are not exported: "
                    + report.skipped.prefix(4).joined(separator: ", ") + (report.skipped.count > 4 ? ", …" : "")
                    + " (--naming mmseg exports a ZegCLIP/LDVC model whole)")
        }
        guard !quiet else { return }
        let files =
            report.format == .folder
            ? " (" + report.files.map { URL(fileURLWithPath: $0).lastPathComponent }.joined(separator: " + ") + ")" : ""
        let computed =
            report.computed.isEmpty
            ? "" : " (\(report.computed.count) computed: \(report.computed.joined(separator: ", ")))"
        print(
            "wrote \(report.output)\(files): \(report.keys.count) tensors\(computed), \(report.naming.name) names, "
                + "\(report.format.rawValue), \(dtypeSummary(report.dtypes))")
    }

    /// `dtype f32`, or `dtypes f16 ×196, f32 ×2` when a file holds several.
    static func dtypeSummary(_ counts: [String: Int]) -> String {
        if counts.count == 1, let only = counts.first { return "dtype \(only.key)" }
        if counts.isEmpty { return "no tensors" }
        return "dtypes " + counts.sorted { $0.key < $1.key }.map { "\($0.key) ×\($0.value)" }.joined(separator: ", ")
    }
}

/// Head counts for the towers, for when no config states them (convert, inspect, import).
struct HeadOptions: ParsableArguments {
    @Option(
        name: .customLong("vision-heads"),
        help: ArgumentHelp(
            "Attention heads of the vision tower (default: the model's config, else width / 64).", valueName: "n"))
    var visionHeads: Int?

    @Option(
        name: .customLong("text-heads"),
        help: ArgumentHelp(
            "Attention heads of the text tower (default: the model's config, else width / 64).", valueName: "n"))
    var textHeads: Int?

    func validate() throws {
        if let visionHeads, visionHeads <= 0 { throw ValidationError("--vision-heads must be positive") }
        if let textHeads, textHeads <= 0 { throw ValidationError("--text-heads must be positive") }
    }

    func apply(to options: inout ConversionOptions) {
        options.visionHeads = visionHeads
        options.textHeads = textHeads
    }
}
