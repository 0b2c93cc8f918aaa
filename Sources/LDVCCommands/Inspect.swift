import ArgumentParser
import Conversion
import Foundation
import Layout

extension LDVCConvert {
    /// `ldvc-convert inspect INPUT [--json]`.
    struct Inspect: LDVCCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show every tensor of a checkpoint (or of a converted .h5 file) and how it maps, without writing."
        )

        @Argument(
            help: ArgumentHelp("A checkpoint, or an HDF5 file written by ldvc-convert.", valueName: "input"),
            completion: .file())
        var input: String

        @Flag(name: .long, help: "Print machine-readable JSON instead of a table.")
        var json = false

        @Flag(name: .long, help: "Only the file, the model and how it was made: no per-tensor table.")
        var summary = false

        @OptionGroup var architecture: ArchitectureOptions

        func execute() throws(ConversionError) -> ExitCode {
            var options = ConversionOptions()
            architecture.apply(to: &options)
            let report = try Inspector.inspect(
                path: input, options: options, reporter: Terminal.reporter(showProgress: false, quiet: json))
            var shown = report
            if summary && json { shown.tensors = [] }
            print(json ? JSONOutput.text(shown) : Self.table(report, tensors: !summary))
            return .success
        }

        static func table(_ report: InspectionReport, tensors showTensors: Bool = true) -> String {
            var lines: [String] = []
            lines.append("file:        \(report.path)")
            lines.append(
                "format:      \(report.format)\(report.wrapper.isEmpty ? "" : " (state dict under '\(report.wrapper)')")"
            )
            lines.append("convention:  \(report.convention) — \(report.conventionSource)")
            if let architecture = report.architecture {
                lines.append("embed dim:   \(architecture.embedDim)")
                if let vision = architecture.vision {
                    lines.append(
                        "vision:      width \(vision.width), \(vision.layers) layers, \(vision.heads) heads, patch \(vision.patchSize), "
                            + "image \(vision.imageSize) (grid \(vision.gridSize)), mlp \(vision.mlpWidth), \(vision.activation.rawValue)"
                    )
                }
                if let text = architecture.text {
                    lines.append(
                        "text:        width \(text.width), \(text.layers) layers, \(text.heads) heads, context \(text.contextLength), "
                            + "vocab \(text.vocabSize), mlp \(text.mlpWidth), \(text.activation.rawValue)")
                }
                if let prompts = architecture.ldvc?.visionPrompts {
                    lines.append(
                        "prompts:     visual \(prompts.tokens) × \(prompts.deepLayers + 1) layers"
                            + Self.made(report.promptInitializations["vision"]))
                }
                if let prompts = architecture.ldvc?.textPrompts {
                    lines.append(
                        "             language \(prompts.tokens) × \(prompts.layers) layers from row \(prompts.start), "
                            + "template \"\(prompts.template)\"" + Self.made(report.promptInitializations["text"]))
                }
                if let head = architecture.ldvc?.head {
                    lines.append(
                        "head:        \(head.kind.rawValue), width \(head.width), \(head.heads) heads, crop \(head.cropSize) "
                            + "stride \(head.stride), seen offset \(head.seenOffset)")
                }
            }
            if let preprocessing = report.preprocessing {
                lines.append("images:      \(Self.describe(preprocessing))")
            }
            for (key, value) in report.architectureSources.sorted(by: { $0.key < $1.key })
            where !value.hasPrefix("tensor shapes") {
                lines.append("  \(key): \(value)")
            }
            if let dataset = report.dataset { lines += datasetLines(dataset) }
            lines.append("")
            let counts = Dictionary(grouping: report.tensors, by: \.status).mapValues(\.count)
            let total =
                "\(report.tensors.count) tensors: "
                + counts.sorted { $0.key < $1.key }.map { "\($1) \($0)" }.joined(separator: ", ")
            guard showTensors else {
                lines.append(total)
                return Self.printable(lines)
            }
            let rows = report.tensors.map { row -> [String] in
                [
                    row.sourceName, row.dtype, "[" + row.shape.map(String.init).joined(separator: ", ") + "]",
                    row.canonical.isEmpty
                        ? "(\(row.status)\(row.reason.map { ": \($0)" } ?? ""))"
                        : row.canonical.joined(separator: ", "),
                    row.transform,
                ]
            }
            let header = ["source name", "dtype", "shape", "canonical", "transform"]
            var widths = header.map(\.count)
            for row in rows {
                for (index, cell) in row.enumerated() where index < 3 { widths[index] = max(widths[index], cell.count) }
            }
            func format(_ cells: [String]) -> String {
                cells.enumerated().map { index, cell in index < 3 ? cell.rightPadded(widths[index]) : cell }.joined(
                    separator: "  ")
            }
            lines.append(format(header))
            lines += rows.map(format)
            if !report.tied.isEmpty {
                lines.append("")
                lines.append(
                    "shared storage: " + report.tied.map { $0.joined(separator: " = ") }.joined(separator: "; "))
            }
            if !report.notes.isEmpty {
                lines.append("")
                lines += report.notes.map { "note: \($0)" }
            }
            lines.append("")
            lines.append(total)
            return Self.printable(lines)
        }

        /// Lines of text that quote the file (tensor names, notes), made safe to print.
        static func printable(_ lines: [String]) -> String {
            lines.map { $0.escapedForTerminal(maxLength: 4096) }.joined(separator: "\n")
        }

        /// One line: the pipeline and the settings that decide the model's input.
        static func describe(_ settings: PreprocessingSettings) -> String {
            let numbers = { (values: [Double]?) in (values ?? []).map { "\($0)" }.joined(separator: ", ") }
            switch settings.pipeline {
            case .torchvision, .huggingFace:
                return "\(settings.pipeline.rawValue): decode \(settings.decoder.rawValue), shortest side to "
                    + "\(settings.imageSize ?? 0) (Pillow bicubic), centre crop, mean [\(numbers(settings.mean))], "
                    + "std [\(numbers(settings.std))]"
            case .mmseg:
                let scale = (settings.scale ?? []).map(String.init).joined(separator: ", ")
                return "mmseg: decode \(settings.decoder.rawValue), keep-ratio resize to (\(scale))"
                    + (settings.minSize.map { " min_size \($0)" } ?? "") + " (OpenCV bilinear), "
                    + "\(settings.rgb == false ? "BGR" : "RGB"), \(settings.normalization?.rawValue ?? "?"), "
                    + "\(settings.mode?.rawValue ?? "?") (head's pixel_mean/std, crop_size/stride)"
            }
        }

        /// How a prompt group was made, for its line: `; pretrain from "a photo of a" at [0, …]`.
        static func made(_ initialization: PromptInitialization?) -> String {
            guard let initialization else { return "" }
            var parts = [initialization.method.rawValue]
            if let template = initialization.template { parts.append("from \"\(template)\"") }
            if let ids = initialization.tokenIDs { parts.append("ids \(ids)") }
            if let positions = initialization.positions { parts.append("at positions \(positions)") }
            if let seed = initialization.seed { parts.append("seed \(seed)") }
            if let scale = initialization.scale {
                parts.append((initialization.method == .random ? "std " : "bound ") + String(format: "%.6g", scale))
            }
            if let source = initialization.source { parts.append("from \(source)") }
            return "; " + parts.joined(separator: " ")
        }

        /// The `/dataset` group: classes (with the split), palette and config, one line each.
        static func datasetLines(_ dataset: InspectionReport.Dataset) -> [String] {
            func names(_ indices: [Int]) -> String {
                indices.map { dataset.classes.indices.contains($0) ? "\($0) \(dataset.classes[$0])" : "\($0)" }
                    .joined(separator: ", ")
            }
            func source(_ field: String) -> String { dataset.sources[field].map { " (\($0))" } ?? "" }
            var lines = [
                "dataset:     \(dataset.classes.count) classes\(source("classes")): \(dataset.classes.joined(separator: ", "))"
            ]
            if let seen = dataset.seenClasses {
                lines.append("  seen:      \(seen.count)\(source("seen_classes")): \(names(seen))")
                let unseen = dataset.unseenClasses ?? []
                lines.append(
                    "  unseen:    \(unseen.count)\(source("unseen_classes")): \(unseen.isEmpty ? "none" : names(unseen))"
                )
            } else {
                lines.append("  split:     none recorded")
            }
            if let palette = dataset.palette {
                lines.append(
                    "  palette:   \(palette.count) colours\(source("palette")): "
                        + palette.prefix(4).map { "(\($0.map(String.init).joined(separator: ", ")))" }.joined(
                            separator: " ")
                        + (palette.count > 4 ? " …" : ""))
            }
            if let config = dataset.config {
                let lineCount = config.split(separator: "\n", omittingEmptySubsequences: false).count
                lines.append(
                    "  config:    \(lineCount) lines, \(config.utf8.count) bytes\(source("config")) (--json shows the text)"
                )
            }
            return lines
        }
    }
}
