import ArgumentParser
import Comparison
import Conversion
import Foundation
import Layout
import TensorCore

extension LDVCConvert {
    /// `ldvc-convert diff A B [--atol x] [--rtol y] [--only vision.] [--json]`.
    struct Diff: LDVCCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compare two models tensor by tensor: checkpoints, folders, ONNX, layout files, exports.",
            discussion: """
                Each side is read as canonical tensors: a layout file as stored, a checkpoint through the plan \
                convert (CLIP) or import (ZegCLIP/LDVC) would write, a model folder through its weights file; \
                nothing is written. Tensors are matched by canonical name, so the same weights in OpenAI and HF \
                naming compare equal. Each pair is read in pieces of whole rows, so memory stays a few MB \
                whatever the model's size.

                Per tensor: identical (same dtype, shape and bits), within tolerance (|a − b| ≤ atol + \
                rtol·|b| everywhere; equal values in another dtype), different (max abs and max rel \
                difference), shape changed, only in A, only in B; then the settings that differ.

                Examples:
                  ldvc-convert diff ViT-B-16.pt ldvc_trained.pth --only vision. --only text.
                                    fine-tuning left the CLIP backbone frozen (exit 0)
                  ldvc-convert diff ldvc_trained.pth exported.pth      a round trip changed nothing

                Exit status: 0 when the models are equal within the tolerance, 1 when they are not; errors \
                keep their codes (64 usage, 65 refused input, 66 missing input).
                """)

        @Argument(help: ArgumentHelp("The first model (A).", valueName: "a"), completion: .file())
        var first: String

        @Argument(
            help: ArgumentHelp("The second model (B), the reference for --rtol.", valueName: "b"), completion: .file())
        var second: String

        @Option(name: .long, help: ArgumentHelp("Absolute tolerance (default 0).", valueName: "x"))
        var atol: Double = 0

        @Option(name: .long, help: ArgumentHelp("Tolerance relative to |b| (default 0).", valueName: "x"))
        var rtol: Double = 0

        @Flag(name: .customLong("ignore-dtype"), help: "Equal values in another element type count as equal.")
        var ignoreDType = false

        @Option(
            name: .long,
            help: ArgumentHelp(
                "Compare only canonical names starting with this prefix (repeatable: --only vision. --only text.).",
                valueName: "prefix"))
        var only: [String] = []

        @Flag(name: .long, help: "Print one JSON object (snake_case keys) instead of the table.")
        var json = false

        @Flag(name: .long, help: "List identical tensors too (the table lists only those that are not).")
        var all = false

        @OptionGroup var architecture: ArchitectureOptions

        func validate() throws {
            guard atol >= 0, rtol >= 0, atol.isFinite, rtol.isFinite else {
                throw ValidationError("--atol and --rtol must be finite and not negative")
            }
        }

        func execute() throws(ComparisonError) -> ExitCode {
            var options = ComparisonOptions()
            options.tolerance = Tolerance(absolute: atol, relative: rtol)
            options.ignoreDType = ignoreDType
            options.only = only
            architecture.apply(to: &options.conversion)
            let report = try ModelComparer.compare(
                first, second, options: options, reporter: Terminal.reporter(showProgress: false, quiet: json))
            print(json ? JSONOutput.text(report) : Self.table(report, all: all))
            return report.summary.equal ? .success : ExitCode(1)
        }

        static func number(_ value: Double?) -> String {
            guard let value else { return "" }
            return value == 0 ? "0" : String(format: "%.3g", value)
        }

        static func table(_ report: ComparisonReport, all: Bool) -> String {
            var lines = [
                "A: \(TerminalText.escaped(report.a.path)) (\(report.a.kind), \(report.a.tensors) tensors)",
                "B: \(TerminalText.escaped(report.b.path)) (\(report.b.kind), \(report.b.tensors) tensors)",
            ]
            if !report.only.isEmpty { lines.append("only: \(report.only.joined(separator: ", "))") }
            let shown = report.tensors.filter { all || $0.status != .identical || $0.dtypeChanged }
            if !shown.isEmpty {
                lines.append("")
                let header = ["tensor", "status", "dtype", "shape", "max abs", "max rel", "differing"]
                let rows = shown.map { row -> [String] in
                    let dtype =
                        row.dtypeA == row.dtypeB ? (row.dtypeA ?? "") : "\(row.dtypeA ?? "—") → \(row.dtypeB ?? "—")"
                    func shape(_ value: [Int]?) -> String {
                        value.map { "[" + $0.map(String.init).joined(separator: ", ") + "]" } ?? "—"
                    }
                    let shapes =
                        row.shapeA == row.shapeB ? shape(row.shapeA) : "\(shape(row.shapeA)) → \(shape(row.shapeB))"
                    let differing = row.differingElements.map { "\($0) of \(row.elementCount ?? 0)" } ?? ""
                    return [
                        TerminalText.escaped(row.name), row.status.rawValue.replacingOccurrences(of: "_", with: " "),
                        dtype,
                        shapes, number(row.maxAbsolute), number(row.maxRelative),
                        row.status == .different ? differing : "",
                    ]
                }
                var widths = header.map(\.count)
                for row in rows {
                    for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
                }
                func format(_ cells: [String]) -> String {
                    cells.enumerated().map { $1.rightPadded(widths[$0]) }.joined(separator: "  ")
                        .trimmingCharacters(in: .whitespaces)
                }
                lines.append(format(header))
                lines += rows.map(format)
            }
            if !report.settings.isEmpty {
                lines.append("")
                lines.append("settings that differ:")
                for setting in report.settings {
                    lines.append(
                        "  \(setting.name): \(TerminalText.escaped(setting.a ?? "—")) → \(TerminalText.escaped(setting.b ?? "—"))"
                    )
                }
            }
            lines.append("")
            lines.append(summaryLine(report))
            return lines.joined(separator: "\n")
        }

        /// One line: the verdict and every count that is not zero.
        static func summaryLine(_ report: ComparisonReport) -> String {
            let s = report.summary
            var parts = ["\(s.compared) compared: \(s.identical) identical"]
            if s.withinTolerance > 0 { parts.append("\(s.withinTolerance) within tolerance") }
            if s.different > 0 {
                let worst = report.tensors.filter { $0.status == .different }.max {
                    ($0.maxAbsolute ?? 0) < ($1.maxAbsolute ?? 0)
                }
                parts.append(
                    "\(s.different) different"
                        + (worst.map { " (max abs \(number($0.maxAbsolute)) in \(TerminalText.escaped($0.name)))" }
                            ?? ""))
            }
            if s.shapeChanged > 0 { parts.append("\(s.shapeChanged) shape changed") }
            if s.dtypeChanged > 0 { parts.append("\(s.dtypeChanged) dtype changed") }
            if s.onlyInA > 0 { parts.append("\(s.onlyInA) only in A") }
            if s.onlyInB > 0 { parts.append("\(s.onlyInB) only in B") }
            if s.settingsDifferent > 0 { parts.append("\(s.settingsDifferent) settings differ") }
            let tolerance =
                report.tolerance == Tolerance()
                ? "" : " (atol \(report.tolerance.absolute), rtol \(report.tolerance.relative))"
            return (s.equal ? "equal" : "not equal") + tolerance + ": " + parts.joined(separator: ", ")
        }
    }
}
