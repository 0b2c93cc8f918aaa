import Foundation
public import ImageProcessing
import Imaging
public import Layout
public import Runtime

/// One class's share of a segmented image.
public struct ClassShare: Sendable, Equatable, Codable {
    public var index: Int
    public var name: String
    public var pixels: Int
    /// `pixels / (width · height)`.
    public var fraction: Double
}

/// A segmented image: the label map at the image's own size and, if asked for, the scores.
public struct ImageSegmentation: Sendable {
    public var image: String
    public var labels: LabelMap
    /// Per-class scores `[C, height, width]` after the resize to the image size (`slide.output_scores`).
    public var scores: [Float]
    public var classes: [ClassShare]
}

/// The files `segment` writes for one image.
public struct SegmentationFiles: Sendable, Equatable, Codable {
    public var labels: String
    public var overlay: String
    public var summary: String
    public var scores: String?
}

/// What `segment` reports for one image (also written as `STEM.json`).
public struct SegmentationSummary: Sendable, Codable {
    public var image: String
    public var model: String
    public var width: Int
    public var height: Int
    public var classNames: [String]
    public var seenClasses: [Int]
    /// Classes present in the label map, in class order.
    public var present: [ClassShare]
    public var files: SegmentationFiles?

    enum CodingKeys: String, CodingKey {
        case image, model, width, height, present, files
        case classNames = "class_names", seenClasses = "seen_classes"
    }
}

/// Sliding-window segmentation of image files with a ZegCLIP/LDVC model (`ldvc-convert segment`).
public enum Segmenter {
    /// Class names: `given` when set, else the training dataset's the model file stores (`/dataset`, written by
    /// `import` from the checkpoint's `CLASSES`).
    public static func classNames(given: [String]?, model: InferenceModel) throws(InferenceError) -> [String] {
        if let given { return given }
        if let stored = model.attributes.dataset?.classes, !stored.isEmpty { return stored }
        throw .usage(what: "--classes", reason: "\(model.path) stores no class names; give them with --classes")
    }

    /// Seen classes: `given` when set (`none` for no split), else the stored dataset's seen classes when the
    /// class names are the dataset's own, else none.
    public static func seenClasses(given: String?, classNames: [String], model: InferenceModel) throws(InferenceError)
        -> [Int]
    {
        if let given {
            return given == "none" ? [] : try ClassList.seen(given, classNames: classNames)
        }
        guard let dataset = model.attributes.dataset, dataset.classes == classNames else { return [] }
        return (dataset.seenClasses ?? []).sorted()
    }

    /// The colours: the stored dataset's palette when the class names are its own, else `ClassList.palette`.
    public static func palette(classNames: [String], model: InferenceModel) -> [RGBColor] {
        if let dataset = model.attributes.dataset, dataset.classes == classNames, let palette = dataset.palette,
            palette.count == classNames.count,
            palette.allSatisfy({ $0.count == 3 && $0.allSatisfy { (0...255).contains($0) } })
        {
            return palette.map { RGBColor(UInt8($0[0]), UInt8($0[1]), UInt8($0[2])) }
        }
        return ClassList.palette(for: classNames)
    }

    /// Normalised class embeddings `[C, E]`: each name in the model's template, or `tokenIDs` (one per class).
    public static func classEmbeddings(
        model: InferenceModel, classNames: [String], template: String? = nil, tokenIDs: [[Int]]? = nil
    ) throws(InferenceError) -> Matrix {
        let tokens = try model.tokens(
            for: classNames, template: template ?? model.runtime.classTemplate, tokenIDs: tokenIDs)
        do { return try model.runtime.encodeTexts(tokens) } catch { throw .runtime(error) }
    }

    /// Segments one prepared image: windows of the head's crop and stride over the preprocessed image, scores
    /// resized to the decoded image's size, argmax.
    public static func segment(
        model: InferenceModel, image: PreparedImage, classes: Matrix, classNames: [String], seen: Set<Int>,
        taps: TapRecorder? = nil
    ) throws(InferenceError) -> ImageSegmentation {
        guard classNames.count == classes.rows else {
            throw .usage(what: "--classes", reason: "\(classNames.count) names for \(classes.rows) class embeddings")
        }
        let size = (height: image.decoded.height, width: image.decoded.width)
        let result: Segmentation
        do {
            result = try model.runtime.segment(
                image.input, classes: classes, seenClasses: seen, outputSize: size, taps: taps)
        } catch {
            throw .runtime(error)
        }
        guard classNames.count <= Int(UInt16.max) else {
            throw .usage(what: "--classes", reason: "\(classNames.count) classes do not fit a label map")
        }
        let labels: LabelMap
        do {
            labels = try LabelMap(
                width: size.width, height: size.height, labels: result.labels.map { UInt16(clamping: $0) })
        } catch {
            throw .processing(path: image.path, error)
        }
        var counts = [Int](repeating: 0, count: classNames.count)
        for label in result.labels where counts.indices.contains(label) { counts[label] += 1 }
        let total = Double(size.width * size.height)
        let present = counts.indices.filter { counts[$0] > 0 }.map {
            ClassShare(index: $0, name: classNames[$0], pixels: counts[$0], fraction: Double(counts[$0]) / total)
        }
        return ImageSegmentation(image: image.path, labels: labels, scores: result.scores, classes: present)
    }

    /// Where the outputs of `image` go in `folder`: `STEM.labels.png`, `STEM.overlay.png`, `STEM.json` and, with
    /// `scores`, `STEM.scores.npy`.
    public static func files(for image: String, in folder: String, scores: Bool) -> SegmentationFiles {
        let stem = URL(fileURLWithPath: image).deletingPathExtension().lastPathComponent
        let base = URL(fileURLWithPath: folder).appendingPathComponent(stem).path
        return SegmentationFiles(
            labels: base + ".labels.png", overlay: base + ".overlay.png", summary: base + ".json",
            scores: scores ? base + ".scores.npy" : nil)
    }

    /// Segments every image and writes its files into `folder`. All images are decoded and every output name
    /// checked before the model runs, so a corrupt image or an existing output stops the run with nothing
    /// written; each image's files are then written as soon as it is done.
    public static func run(
        model: InferenceModel, images: [String], classNames: [String], seen: [Int], template: String? = nil,
        tokenIDs: [[Int]]? = nil, folder: String, writeScores: Bool, overwrite: Bool, reporter: Reporter = .silent
    ) throws(InferenceError) -> [SegmentationSummary] {
        guard !images.isEmpty else { throw .usage(what: "segment", reason: "no images given") }
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
            throw .usage(what: "-o", reason: "the output folder \(folder) does not exist")
        }
        let plans = images.map { files(for: $0, in: folder, scores: writeScores) }
        let stems = plans.map(\.summary)
        if let repeated = stems.first(where: { name in stems.filter { $0 == name }.count > 1 }) {
            throw .usage(what: "segment", reason: "two images would write \(repeated) (same file name stem)")
        }
        let outputs = OutputFiles(overwrite: overwrite, inputs: images + [model.path])
        for plan in plans {
            for path in [plan.labels, plan.overlay, plan.summary] + [plan.scores].compactMap({ $0 }) {
                do { try AtomicOutput.checkReplaceable(path, overwrite: overwrite, inputs: outputs.inputs) } catch {
                    throw .layout(error)
                }
            }
        }
        for image in images { _ = try model.pipeline.prepare(path: image) }
        let classes = try classEmbeddings(
            model: model, classNames: classNames, template: template, tokenIDs: tokenIDs)
        let palette = palette(classNames: classNames, model: model)
        var summaries: [SegmentationSummary] = []
        for (index, (image, plan)) in zip(images, plans).enumerated() {
            reporter.progress(index, images.count, image)
            let prepared = try model.pipeline.prepare(path: image)
            let result = try segment(
                model: model, image: prepared, classes: classes, classNames: classNames, seen: Set(seen))
            let summary = SegmentationSummary(
                image: image, model: model.path, width: result.labels.width, height: result.labels.height,
                classNames: classNames, seenClasses: seen, present: result.classes, files: plan)
            try write(result, decoded: prepared.decoded, summary: summary, palette: palette, to: plan, outputs: outputs)
            summaries.append(summary)
        }
        reporter.progress(images.count, images.count, "")
        return summaries
    }

    /// The label PNG (palette-indexed, pixel = class index), the overlay with its legend, the JSON summary and
    /// the optional scores, each reserved before any is written.
    static func write(
        _ result: ImageSegmentation, decoded: RGBImage, summary: SegmentationSummary, palette: [RGBColor],
        to plan: SegmentationFiles, outputs: OutputFiles
    ) throws(InferenceError) {
        guard summary.classNames.count <= 256 else {
            throw .usage(
                what: "--classes", reason: "\(summary.classNames.count) classes do not fit an 8-bit label PNG (256)")
        }
        let labelBytes: [UInt8]
        let overlay: RGBImage
        let overlayBytes: [UInt8]
        do { labelBytes = try PNGEncoder.encodeIndexed(result.labels, palette: palette) } catch {
            throw .imaging(error)
        }
        do {
            overlay = try SegmentationOverlay.render(
                decoded, labels: result.labels, classNames: summary.classNames, palette: palette)
        } catch {
            throw .processing(path: result.image, error)
        }
        do { overlayBytes = try PNGEncoder.encode(overlay) } catch { throw .imaging(error) }
        var files: [(bytes: [UInt8], output: AtomicOutput)] = [
            (labelBytes, try outputs.reserve(plan.labels)), (overlayBytes, try outputs.reserve(plan.overlay)),
            (Array(try JSONText.encode(summary).utf8) + [0x0A], try outputs.reserve(plan.summary)),
        ]
        if let scores = plan.scores {
            let array = NumpyEncoding.Array(
                name: "scores", shape: [summary.classNames.count, result.labels.height, result.labels.width],
                values: result.scores)
            files.append((NumpyEncoding.npy(array), try outputs.reserve(scores)))
        }
        for file in files { try OutputFiles.commit(file.bytes, to: file.output) }
    }
}
