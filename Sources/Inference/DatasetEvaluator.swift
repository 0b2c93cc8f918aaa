public import Evaluation
import Foundation
import ImageProcessing
import Imaging
public import Layout

/// One image of a dataset and its annotation, paired by file stem.
public struct DatasetPair: Sendable, Equatable {
    /// The file stem, the image's name in shard and metrics files.
    public var name: String
    public var image: String
    public var labels: String
}

/// What `evaluate` runs: the dataset, the classes and how labels are read.
public struct EvaluationRequest: Sendable {
    public var imagesFolder: String
    public var labelsFolder: String
    public var settings: EvaluationSettings
    public var shard: ShardSelector
    public var template: String?
    public var tokenIDs: [[Int]]?
    /// Classes whose scores get the inductive seen offset; nil: the settings' seen classes.
    public var offsetClasses: [Int]?

    public init(
        imagesFolder: String, labelsFolder: String, settings: EvaluationSettings, shard: ShardSelector = .whole,
        template: String? = nil, tokenIDs: [[Int]]? = nil, offsetClasses: [Int]? = nil
    ) {
        self.offsetClasses = offsetClasses
        self.imagesFolder = imagesFolder
        self.labelsFolder = labelsFolder
        self.settings = settings
        self.shard = shard
        self.template = template
        self.tokenIDs = tokenIDs
    }
}

/// Segmentation metrics of a model on a labelled image folder (`ldvc-convert evaluate`), whole or as shard
/// K/N; shards merge exactly (`EvaluationShard.merge`).
public enum DatasetEvaluator {
    /// Image files it pairs: JPEG and PNG, by extension (case-insensitive).
    public static let imageExtensions: Set<String> = ["jpg", "jpeg", "png"]

    /// Pairs every image of `imagesFolder` with the `.png` of the same stem in `labelsFolder`, in byte order of
    /// the stems (the dataset order that decides each image's shard). Hidden files are skipped. An image
    /// without an annotation, or two images with one stem, are refused; annotations without an image are
    /// reported and left out.
    public static func pairs(imagesFolder: String, labelsFolder: String, reporter: Reporter = .silent)
        throws(InferenceError) -> [DatasetPair]
    {
        let images = try listing(imagesFolder, option: "--images")
        let labels = try listing(labelsFolder, option: "--labels")
        var imageOfStem: [String: String] = [:]
        for name in images {
            let url = URL(fileURLWithPath: name)
            guard imageExtensions.contains(url.pathExtension.lowercased()) else { continue }
            let stem = url.deletingPathExtension().lastPathComponent
            if let earlier = imageOfStem.updateValue(name, forKey: stem) {
                throw .refused(
                    path: imagesFolder,
                    reason: "\(earlier) and \(name) have the same stem '\(stem)'; pairing is by stem")
            }
        }
        var labelOfStem: [String: String] = [:]
        for name in labels where URL(fileURLWithPath: name).pathExtension.lowercased() == "png" {
            labelOfStem[URL(fileURLWithPath: name).deletingPathExtension().lastPathComponent] = name
        }
        guard !imageOfStem.isEmpty else {
            throw .refused(path: imagesFolder, reason: "no .jpg, .jpeg or .png images")
        }
        let stems = imageOfStem.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        let unlabelled = stems.filter { labelOfStem[$0] == nil }
        if let first = unlabelled.first {
            throw .refused(
                path: labelsFolder,
                reason: "no \(first).png for image \(imageOfStem[first] ?? first)"
                    + (unlabelled.count > 1 ? " (and \(unlabelled.count - 1) more images without labels)" : ""))
        }
        let extra = labelOfStem.keys.filter { imageOfStem[$0] == nil }.count
        if extra > 0 { reporter.note("\(labelsFolder): \(extra) label files have no image and are left out") }
        let imageRoot = URL(fileURLWithPath: imagesFolder), labelRoot = URL(fileURLWithPath: labelsFolder)
        return stems.map {
            DatasetPair(
                name: $0, image: imageRoot.appendingPathComponent(imageOfStem[$0] ?? "").path,
                labels: labelRoot.appendingPathComponent(labelOfStem[$0] ?? "").path)
        }
    }

    private static func listing(_ folder: String, option: String) throws(InferenceError) -> [String] {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
            throw .missing(path: folder, reason: "not a folder (\(option))")
        }
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else {
            throw .missing(path: folder, reason: "cannot list the folder (\(option))")
        }
        return names.filter { !$0.hasPrefix(".") }
    }

    /// The run settings every shard of one evaluation must share: how images became inputs and how classes
    /// became embeddings.
    public static func runSettings(model: InferenceModel, request: EvaluationRequest) -> [String: String] {
        let settings = model.pipeline.settings
        var run: [String: String] = [
            "preprocessing": settings.pipeline.rawValue,
            "decoder": settings.decoder.rawValue,
            "class_text": request.tokenIDs.map {
                $0.map { $0.map(String.init).joined(separator: " ") }
                    .joined(separator: " | ")
            } ?? (request.template ?? model.runtime.classTemplate),
            "model_source_sha256": model.attributes.metadata.sourceSHA256,
        ]
        let offset = request.offsetClasses ?? request.settings.seenClassIndices ?? []
        run["seen_offset_classes"] = offset.map(String.init).joined(separator: ",")
        if let scale = settings.scale { run["scale"] = scale.map(String.init).joined(separator: "x") }
        if let minSize = settings.minSize { run["min_size"] = String(minSize) }
        if let head = model.runtime.headArchitecture {
            run["crop_size"] = String(head.cropSize)
            run["stride"] = String(head.stride)
        }
        return run
    }

    /// Evaluates the images of `request.shard`: each is segmented at its own size and counted against its
    /// annotation (read as MMSeg's `LoadAnnotations` reads it). Returns the shard, complete for `.whole`.
    public static func evaluate(model: InferenceModel, request: EvaluationRequest, reporter: Reporter = .silent)
        throws(InferenceError) -> EvaluationShard
    {
        let pairs = try pairs(
            imagesFolder: request.imagesFolder, labelsFolder: request.labelsFolder, reporter: reporter)
        let identity: ModelIdentity
        do { identity = try ModelIdentity(path: model.path) } catch { throw .evaluation(error) }
        var shard: EvaluationShard
        do {
            shard = try EvaluationShard(
                settings: request.settings, model: identity, runSettings: runSettings(model: model, request: request),
                datasetImages: pairs.map(\.name), shard: request.shard)
        } catch {
            throw .evaluation(error)
        }
        let classes = try Segmenter.classEmbeddings(
            model: model, classNames: request.settings.classNames, template: request.template,
            tokenIDs: request.tokenIDs)
        let seen = Set(request.offsetClasses ?? request.settings.seenClassIndices ?? [])
        let mine = pairs.enumerated().filter { request.shard.contains(position: $0.offset) }.map(\.element)
        for (index, pair) in mine.enumerated() {
            reporter.progress(index, mine.count, pair.image)
            let annotation = try labels(of: pair)
            let prepared = try model.pipeline.prepare(path: pair.image)
            guard annotation.width == prepared.decoded.width, annotation.height == prepared.decoded.height else {
                throw .refused(
                    path: pair.labels,
                    reason: "label map is \(annotation.width)×\(annotation.height) but the image \(pair.image) is "
                        + "\(prepared.decoded.width)×\(prepared.decoded.height)")
            }
            let result = try Segmenter.segment(
                model: model, image: prepared, classes: classes, classNames: request.settings.classNames, seen: seen)
            do {
                try shard.add(
                    image: pair.name, predictions: result.labels.labels.map(Int.init),
                    labels: annotation.labels.map { UInt8(truncatingIfNeeded: $0) })
            } catch {
                throw .evaluation(error)
            }
        }
        reporter.progress(mine.count, mine.count, "")
        return shard
    }

    /// The annotation of `pair`, refused when a value does not fit 8 bits (MMSeg casts annotations to uint8,
    /// which would wrap it silently).
    static func labels(of pair: DatasetPair) throws(InferenceError) -> LabelMap {
        let map: LabelMap
        do { map = try ImageDecoder.decodeLabels(path: pair.labels) } catch { throw .imaging(error) }
        if let large = map.labels.first(where: { $0 > 255 }) {
            throw .refused(
                path: pair.labels,
                reason: "16-bit label value \(large) exceeds 255; MMSeg reads annotations as uint8 and would wrap it")
        }
        return map
    }

    /// Merges shard files into the metrics of the whole dataset (all shards must be present).
    public static func merge(paths: [String]) throws(InferenceError) -> MetricsDocument {
        guard let first = paths.first else { throw .usage(what: "--merge", reason: "no shard files given") }
        do throws(EvaluationError) {
            var parts: [(source: String, shard: EvaluationShard)] = []
            for path in paths { parts.append((path, try EvaluationShard.read(path: path))) }
            let merged = try EvaluationShard.merge(parts)
            return try MetricsDocument(shard: merged, source: paths.count == 1 ? first : "the merged shards")
        } catch {
            throw .evaluation(error)
        }
    }
}
