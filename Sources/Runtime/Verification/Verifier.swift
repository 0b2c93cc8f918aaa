import Layout

/// The outcome of checking a model file against a golden file.
public struct VerificationReport: Sendable {
    public var modelPath: String
    public var goldenPath: String
    public var policy: TolerancePolicy
    /// One entry per golden tap, in the reference's order.
    public var comparisons: [TapComparison]
    /// Golden taps of parts the model does not have (a vision-only ONNX export checked against a
    /// golden of the whole CLIP), with the reason; they are reported, not compared.
    public var skipped: [(tap: String, reason: String)] = []
    /// Every tap the runtime computed on the golden's inputs (also those the golden lacks), for `verify --dump`.
    public var recorded = TapRecorder()
    /// The golden the model was checked against (its inputs are those of `recorded`).
    public var golden: GoldenFile?

    public var passed: Bool { comparisons.allSatisfy(\.passed) }
    /// The first tap, in forward order, that exceeds its bound: where the divergence starts.
    public var firstFailure: TapComparison? { comparisons.first { !$0.passed } }
}

/// Runs a model on a golden file's inputs and compares every tap (`ldvc-convert verify`).
public enum Verifier {
    /// Verifies `modelPath` against `goldenPath`. `tolerance` overrides the relative bound of the
    /// automatic `TolerancePolicy`. Throws when the golden does not fit the model (a missing tap,
    /// a shape that differs, inputs the model cannot take); tolerance failures are in the report.
    public static func verify(modelPath: String, goldenPath: String, tolerance: Double? = nil, threads: Int = 1)
        throws(RuntimeError) -> VerificationReport
    {
        let golden = try GoldenFile(path: goldenPath)
        let runtime = try LDVCRuntime(path: modelPath, threads: threads)
        let policy: TolerancePolicy
        if let tolerance {
            policy = .custom(tolerance)
        } else {
            do {
                policy = try TolerancePolicy.choose(
                    for: try LayoutReader(path: modelPath), goldenWeights: golden.weightsDType)
            } catch { throw .layout(error) }
        }
        // Taps of towers the model lacks are skipped; everything it has is still compared.
        var skipped: [(tap: String, reason: String)] = []
        var taps = golden.taps
        let missingParts: [(prefixes: [String], isMissing: Bool, reason: String)] = [
            (["text."], runtime.text == nil, "the model has no text tower"),
            (["vision."], runtime.vision == nil, "the model has no vision tower"),
            (["head.", "slide."], runtime.architecture.ldvc?.head == nil, "the model has no segmentation head"),
        ]
        for part in missingParts where part.isMissing {
            let (dropped, kept) = (
                taps.filter { tap in part.prefixes.contains { tap.name.hasPrefix($0) } },
                taps.filter { tap in !part.prefixes.contains { tap.name.hasPrefix($0) } }
            )
            skipped += dropped.map { ($0.name, part.reason) }
            taps = kept
        }
        guard !taps.isEmpty else {
            throw .golden(
                path: goldenPath,
                reason: "none of its taps can be produced by \(modelPath) (\(skipped.first?.reason ?? "no taps"))")
        }
        let recorder = try run(runtime, on: golden, taps: taps)
        var comparisons: [TapComparison] = []
        for tap in taps {
            guard let produced = recorder.taps[tap.name] else {
                let available = recorder.order.isEmpty ? "none" : recorder.order.joined(separator: ", ")
                throw .golden(
                    path: goldenPath,
                    reason:
                        "tap '\(tap.name)' is not produced by \(modelPath) for these inputs (it produces: \(available))"
                )
            }
            guard produced.shape == tap.shape else {
                throw .goldenShape(path: goldenPath, tap: tap.name, expected: produced.shape, actual: tap.shape)
            }
            comparisons.append(
                TapComparison.compare(
                    name: tap.name, shape: tap.shape, actual: produced.values, reference: tap.values,
                    mask: mask(for: tap), isInteger: tap.isInteger,
                    tolerance: policy.relative, integerFraction: policy.integerFraction))
        }
        return VerificationReport(
            modelPath: modelPath, goldenPath: goldenPath, policy: policy, comparisons: comparisons, skipped: skipped,
            recorded: recorder, golden: golden)
    }

    /// Feeds the golden's inputs through every part the model has, recording all taps.
    static func run(_ runtime: LDVCRuntime, on golden: GoldenFile, taps: [GoldenFile.Tap]) throws(RuntimeError)
        -> TapRecorder
    {
        let recorder = TapRecorder()
        let wantsHead = taps.contains { $0.name.hasPrefix("head.") || $0.name.hasPrefix("slide.") }
        let wantsText = taps.contains { $0.name.hasPrefix("text.") }
        let wantsVision = taps.contains { $0.name.hasPrefix("vision.") }
        var classes = golden.classEmbeddings
        if let tokens = golden.textTokens, wantsText || (wantsHead && classes == nil) {
            let features = try runtime.encodeTexts(tokens, taps: recorder)
            if classes == nil { classes = features }
        }
        if wantsHead {
            guard let classes else {
                throw .golden(path: golden.path, reason: "head taps need inputs/class_embeddings or inputs/text_tokens")
            }
            for image in golden.images {
                _ = try runtime.segmentCrop(image, classes: classes, seenClasses: golden.seenClasses, taps: recorder)
            }
            if let slide = golden.slideImage {
                _ = try runtime.segment(
                    slide, classes: classes, seenClasses: golden.seenClasses, outputSize: golden.slideOutputSize,
                    taps: recorder)
            }
        } else if wantsVision {
            for image in golden.images { _ = try runtime.encodeImage(image, taps: recorder) }
        }
        return recorder
    }

    /// Elements to compare: all, except rows past `valid_rows` of each batch item.
    private static func mask(for tap: GoldenFile.Tap) -> [Bool]? {
        guard let validRows = tap.validRows else { return nil }
        let rowSize = tap.shape.dropFirst(2).reduce(1, *), itemSize = tap.shape.dropFirst().reduce(1, *)
        var mask = [Bool](repeating: false, count: tap.values.count)
        for (item, rows) in validRows.enumerated() {
            for index in (item * itemSize)..<(item * itemSize + rows * rowSize) { mask[index] = true }
        }
        return mask
    }
}
