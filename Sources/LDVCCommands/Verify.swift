import ArgumentParser
import Foundation
import Inference
import Layout
import Runtime

extension LDVCConvert {
    /// `ldvc-convert verify MODEL.h5 --golden GOLDEN.h5`.
    struct Verify: LDVCCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a converted model on a golden file's inputs and compare every tap with the reference.",
            discussion: """
                Prints, per tap in the reference's order, the max abs error, the max relative error and the \
                cosine similarity, and exits 1 when a tap exceeds its bound, naming the first one (where the \
                divergence starts). The bound is max abs error <= tolerance x max|reference|: 1e-5 when the file \
                holds the weights the reference ran with; 1e-2 (f16) or 4e-2 (bf16) when the conversion narrowed \
                them. Golden format: Schemas/golden/ldvc-golden-v1.md.
                """)

        @Argument(
            help: ArgumentHelp("A model file written by ldvc-convert.", valueName: "model"),
            completion: .file(extensions: ["h5"]))
        var model: String

        @Option(
            name: .long, help: ArgumentHelp("The golden file: inputs and reference taps.", valueName: "path"),
            completion: .file(extensions: ["h5"]))
        var golden: String

        @Option(
            name: .long,
            help: ArgumentHelp(
                "Relative bound overriding the automatic policy (max abs error <= t x max|reference|).", valueName: "t")
        )
        var tolerance: Double?

        @OptionGroup var threads: ThreadOptions

        @Option(
            name: .long,
            help: ArgumentHelp(
                "Also write every tap the runtime computed, with the golden's inputs, as a golden file (diff it, or "
                    + "verify against it).", valueName: "path"),
            completion: .file(extensions: ["h5"]))
        var dump: String?

        @Flag(name: .long, help: "Replace the --dump file if it exists.")
        var force = false

        @Flag(name: .long, help: "Print machine-readable JSON instead of a table.")
        var json = false

        func validate() throws {
            if let tolerance, !(tolerance > 0) { throw ValidationError("--tolerance must be a positive number") }
        }

        func execute() throws(InferenceError) -> ExitCode {
            // The dump is reserved first: an existing file is refused before the model runs.
            let dumpOutput = try dump.map { (path) throws(InferenceError) in
                try OutputFiles(overwrite: force, inputs: [model, golden]).reserve(path)
            }
            let report: VerificationReport
            do {
                report = try Verifier.verify(
                    modelPath: model, goldenPath: golden, tolerance: tolerance, threads: threads.count)
            } catch {
                throw .runtime(error)
            }
            if let dumpOutput, let inputs = report.golden {
                try TapDump.write(
                    report.recorded, inputs: inputs, model: model, weightsDType: inputs.weightsDType.rawValue,
                    to: dumpOutput)
            }
            print(json ? Self.json(report) : Self.table(report))
            guard let failure = report.firstFailure else { return .success }
            Terminal.error("first diverging tap: \(failure.name) (\(Self.describe(failure)))")
            if let assumed = Self.assumedSettings(model: model) { Terminal.note(assumed) }
            return .failure
        }

        /// The settings a conversion assumed (the activation and head counts recorded as defaults in
        /// `architecture_sources`): the likeliest cause of a divergence, so named first.
        static func assumedSettings(model: String) -> String? {
            guard let reader = try? LayoutReader(path: model), let symbols = try? reader.architecture.symbols() else {
                return nil
            }
            let assumed = reader.metadata.architectureSources.filter { key, source in
                (key.hasSuffix(".activation") || key.hasSuffix(".heads")) && source.hasPrefix("default")
                    && (key.hasPrefix("vision.") || key.hasPrefix("text."))
            }.sorted { $0.key < $1.key }
            guard !assumed.isEmpty else { return nil }
            let listed = assumed.map { key, source -> String in
                let value: String
                switch symbols[key] {
                case .string(let text)?: value = text
                case .int(let number)?: value = String(number)
                default: value = "?"
                }
                return "\(key) = \(value) (\(source))"
            }
            return "\(model) was converted with assumed settings, the likeliest cause: "
                + listed.joined(separator: ", ")
                + "; convert again stating them (--activation, --vision-heads, --text-heads or --config)"
        }

        static func describe(_ comparison: TapComparison) -> String {
            if comparison.isInteger {
                return "\(comparison.mismatches) differing elements, \(Int(comparison.bound)) allowed"
            }
            return "max abs error \(format(comparison.maxAbsError)) > bound \(format(comparison.bound))"
        }

        static func format(_ value: Double) -> String { String(format: "%.3e", value) }

        static func table(_ report: VerificationReport) -> String {
            var lines = [
                "model:   \(report.modelPath)", "golden:  \(report.goldenPath)",
                "policy:  \(report.policy.kind.rawValue), max abs error <= \(format(report.policy.relative)) x max|reference|"
                    + (report.policy.integerFraction > 0
                        ? ", label maps within \(report.policy.integerFraction * 100)%" : ", label maps exact"),
                "",
            ]
            let header = ["tap", "shape", "max abs", "max rel", "cosine", "bound", ""]
            var rows = [header]
            for c in report.comparisons {
                rows.append([
                    c.name, "[" + c.shape.map(String.init).joined(separator: ", ") + "]",
                    c.isInteger ? "\(c.mismatches) diff" : format(c.maxAbsError),
                    c.isInteger ? "" : format(c.maxRelativeError), String(format: "%.9f", c.cosine),
                    c.isInteger ? "\(Int(c.bound))" : format(c.bound), c.passed ? "ok" : "FAIL",
                ])
            }
            let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
            for row in rows {
                lines.append(
                    row.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }
                        .joined(separator: "  ").trimmingCharacters(in: .whitespaces))
            }
            if !report.skipped.isEmpty {
                let reasons = Set(report.skipped.map(\.reason)).sorted().joined(separator: "; ")
                lines.append("skipped \(report.skipped.count) golden taps: \(reasons)")
            }
            let failed = report.comparisons.filter { !$0.passed }.count
            lines.append("")
            lines.append(
                failed == 0
                    ? "\(report.comparisons.count) taps within tolerance"
                    : "\(failed) of \(report.comparisons.count) taps exceed their bound")
            return lines.joined(separator: "\n")
        }

        static func json(_ report: VerificationReport) -> String {
            struct Row: Encodable {
                let tap: String, shape: [Int], maxAbsError: Double, maxRelativeError: Double, cosine: Double
                let bound: Double, mismatches: Int, passed: Bool
                enum CodingKeys: String, CodingKey {
                    case tap, shape, cosine, bound, mismatches, passed
                    case maxAbsError = "max_abs_error", maxRelativeError = "max_relative_error"
                }
            }
            struct Skipped: Encodable { let tap: String, reason: String }
            struct Document: Encodable {
                let model: String, golden: String, policy: String, relativeTolerance: Double, passed: Bool
                let firstDivergingTap: String?, taps: [Row], skipped: [Skipped]
                enum CodingKeys: String, CodingKey {
                    case model, golden, policy, passed, taps, skipped
                    case relativeTolerance = "relative_tolerance", firstDivergingTap = "first_diverging_tap"
                }
            }
            return JSONOutput.text(
                Document(
                    model: report.modelPath, golden: report.goldenPath, policy: report.policy.kind.rawValue,
                    relativeTolerance: report.policy.relative, passed: report.passed,
                    firstDivergingTap: report.firstFailure?.name,
                    taps: report.comparisons.map {
                        Row(
                            tap: $0.name, shape: $0.shape, maxAbsError: $0.maxAbsError,
                            maxRelativeError: $0.maxRelativeError, cosine: $0.cosine, bound: $0.bound,
                            mismatches: $0.mismatches, passed: $0.passed)
                    },
                    skipped: report.skipped.map { Skipped(tap: $0.tap, reason: $0.reason) }))
        }
    }
}
