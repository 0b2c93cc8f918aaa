import ArgumentParser
import Evaluation
import Foundation
import Inference
import TensorCore

extension LDVCConvert {
    /// `ldvc-convert evaluate zegclip.h5 --images img/ --labels ann/ -o metrics.json [--shard K/N]` and
    /// `ldvc-convert evaluate --merge shard-*.json -o metrics.json`.
    struct Evaluate: LDVCCommand {
        static let configuration = CommandConfiguration(
            abstract: "Segmentation metrics (mIoU as MMSeg computes it) of a model on a labelled image folder.",
            discussion: """
                Images (.jpg, .jpeg, .png in --images) are paired with the annotation of the same file stem \
                (STEM.png in --labels), read as MMSeg's LoadAnnotations reads it (palette indices or grey values; \
                values above 255 are refused, MMSeg would wrap them). The dataset order is the stems in byte \
                order; --shard K/N evaluates the images at positions K-1, K-1+N, … and writes a shard file \
                instead of the metrics; --merge adds shard files up exactly, so the merged metrics.json is \
                byte for byte the one-pass file. Run the shards anywhere, e.g. a Slurm job array \
                (--shard $((SLURM_ARRAY_TASK_ID+1))/N) or a Kubernetes Indexed Job \
                (--shard $((JOB_COMPLETION_INDEX+1))/N). Formats: Schemas/evaluation/ldvc-evaluation-v1.md.
                """)

        @Argument(help: ArgumentHelp("A ZegCLIP/LDVC model file (not with --merge).", valueName: "model"))
        var model: String?

        @Option(name: .long, help: ArgumentHelp("Folder of images.", valueName: "dir"))
        var images: String?

        @Option(name: .long, help: ArgumentHelp("Folder of annotation PNGs (STEM.png).", valueName: "dir"))
        var labels: String?

        @Option(
            name: .long,
            help: ArgumentHelp(
                "Class names in label order: a comma-separated list or a file (default: the model's).",
                valueName: "classes"))
        var classes: String?

        @Option(
            name: .long,
            help: ArgumentHelp(
                "Seen (training) classes, names or indices, or none: inductive offset, seen/unseen mIoU and hIoU (default: the model's split).",
                valueName: "classes"))
        var seen: String?

        @Option(name: .customLong("ignore-index"), help: ArgumentHelp("Label value left out.", valueName: "n"))
        var ignoreIndex = 255

        @Flag(name: .customLong("reduce-zero-label"), help: "Label 0 becomes 255 and the others drop by one (MMSeg).")
        var reduceZeroLabel = false

        @Option(
            name: .long,
            help: ArgumentHelp("The class prompt; {} is the name (default: the model's).", valueName: "text"))
        var template: String?

        @Option(name: .long, help: ArgumentHelp("Evaluate shard K of N and write a shard file.", valueName: "K/N"))
        var shard: String?

        @Option(
            name: .long, parsing: .upToNextOption,
            help: ArgumentHelp("Merge these shard files into the metrics.", valueName: "shard.json"))
        var merge: [String] = []

        @Option(name: [.short, .long], help: ArgumentHelp("The metrics or shard file to write.", valueName: "path"))
        var output: String

        @OptionGroup var tokens: TokenOptions
        @OptionGroup var writing: WriteOptions
        @OptionGroup var threads: ThreadOptions
        @OptionGroup var assumptions: StrictOptions

        func validate() throws {
            if merge.isEmpty {
                guard model != nil, images != nil, labels != nil else {
                    throw ValidationError("give the model, --images and --labels (or --merge shard files)")
                }
            } else if model != nil || images != nil || labels != nil || shard != nil {
                throw ValidationError("--merge takes only shard files and -o")
            }
        }

        func execute() throws(InferenceError) -> ExitCode {
            let reporter = ImageProgress.reporter(quiet: writing.quiet || writing.json)
            let files = OutputFiles(overwrite: writing.force, inputs: merge + [model].compactMap { $0 })
            let reserved = try files.reserve(output)
            if !merge.isEmpty {
                let document = try DatasetEvaluator.merge(paths: merge)
                try OutputFiles.commit(
                    try Self.bytes { () throws(EvaluationError) in try document.jsonData() }, to: reserved)
                report(document.metrics, images: document.imageCount)
                return .success
            }
            guard let model, let images, let labels else { return .failure }
            let session = try InferenceModel(path: model, threads: threads.count)
            try session.checkPreprocessingStated(strict: assumptions.strict, reporter: reporter)
            let names = try Segmenter.classNames(
                given: try classes.map { (text) throws(InferenceError) in try ClassList.parse(text, option: "--classes")
                },
                model: session)
            let seenIndices = try Segmenter.seenClasses(given: seen, classNames: names, model: session)
            let settings: EvaluationSettings
            let selector: ShardSelector
            do throws(EvaluationError) {
                // A split needs seen and unseen classes; with every class seen the offset still applies (as in
                // ZegCLIP) but there is no seen/unseen report.
                settings = try EvaluationSettings(
                    classNames: names, ignoreIndex: ignoreIndex, reduceZeroLabel: reduceZeroLabel,
                    seenClassIndices: seenIndices.isEmpty || seenIndices.count == names.count ? nil : seenIndices)
                selector =
                    try shard.map { (text) throws(EvaluationError) in try ShardSelector(parsing: text) } ?? .whole
            } catch {
                throw .evaluation(error)
            }
            let result = try DatasetEvaluator.evaluate(
                model: session,
                request: EvaluationRequest(
                    imagesFolder: images, labelsFolder: labels, settings: settings, shard: selector,
                    template: template, tokenIDs: try ClassList.tokenIDs(tokens.tokenIDs), offsetClasses: seenIndices),
                reporter: reporter)
            if shard != nil {
                try OutputFiles.commit(
                    try Self.bytes { () throws(EvaluationError) in try result.jsonData() }, to: reserved)
                if !writing.quiet {
                    print(
                        "wrote \(output): shard \(selector) of \(result.datasetImages.count) images, \(result.images.count) evaluated"
                    )
                }
                return .success
            }
            let document: MetricsDocument
            do { document = try MetricsDocument(shard: result, source: output) } catch { throw .evaluation(error) }
            try OutputFiles.commit(
                try Self.bytes { () throws(EvaluationError) in try document.jsonData() }, to: reserved)
            report(document.metrics, images: document.imageCount)
            return .success
        }

        static func bytes(_ body: () throws(EvaluationError) -> Data) throws(InferenceError) -> [UInt8] {
            do { return Array(try body()) } catch { throw .evaluation(error) }
        }

        func report(_ metrics: SegmentationMetrics, images: Int) {
            guard !writing.quiet else { return }
            let summary = metrics.printedSummary
            if writing.json {
                struct Summary: Encodable {
                    let output: String, images: Int, mIoU: Double, aAcc: Double, mAcc: Double
                    let seenMIoU: Double?, unseenMIoU: Double?, hIoU: Double?
                    enum CodingKeys: String, CodingKey {
                        case output, images
                        case mIoU = "miou", aAcc = "aacc", mAcc = "macc", seenMIoU = "seen_miou"
                        case unseenMIoU = "unseen_miou", hIoU = "hiou"
                    }
                }
                let zeroShot = metrics.zeroShot?.printed
                print(
                    JSONOutput.text(
                        Summary(
                            output: output, images: images, mIoU: summary.meanIoU, aAcc: summary.overallAccuracy,
                            mAcc: summary.meanAccuracy, seenMIoU: zeroShot?.seenMeanIoU,
                            unseenMIoU: zeroShot?.unseenMeanIoU, hIoU: zeroShot?.harmonicMeanIoU)))
                return
            }
            var line =
                "wrote \(output): \(images) images, mIoU \(summary.meanIoU), aAcc \(summary.overallAccuracy), mAcc \(summary.meanAccuracy)"
            if let zeroShot = metrics.zeroShot?.printed {
                line +=
                    "; seen mIoU \(zeroShot.seenMeanIoU), unseen mIoU \(zeroShot.unseenMeanIoU), hIoU \(zeroShot.harmonicMeanIoU)"
            }
            print(line)
        }
    }
}
