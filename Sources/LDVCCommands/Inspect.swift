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

        @OptionGroup var architecture: ArchitectureOptions

        func execute() throws(ConversionError) -> ExitCode {
            var options = ConversionOptions()
            architecture.apply(to: &options)
            let report = try Inspector.inspect(
                path: input, options: options, reporter: Terminal.reporter(showProgress: false, quiet: json))
            print(json ? JSONOutput.text(report) : Self.table(report))
            return .success
        }

        static func table(_ report: InspectionReport) -> String {
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
            }
            if let preprocessing = report.preprocessing {
                lines.append("images:      \(Self.describe(preprocessing))")
            }
            for (key, value) in report.architectureSources.sorted(by: { $0.key < $1.key })
            where !value.hasPrefix("tensor shapes") {
                lines.append("  \(key): \(value)")
            }
            lines.append("")
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
            let counts = Dictionary(grouping: report.tensors, by: \.status).mapValues(\.count)
            lines.append("")
            lines.append(
                "\(report.tensors.count) tensors: "
                    + counts.sorted { $0.key < $1.key }.map { "\($1) \($0)" }.joined(separator: ", "))
            return lines.joined(separator: "\n")
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
    }
}
