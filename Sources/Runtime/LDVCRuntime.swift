import BLAS
import Foundation
public import Layout
public import Tokenizer

/// Scores and labels of a segmented image.
public struct Segmentation: Sendable {
    public var classCount: Int
    public var height: Int
    public var width: Int
    /// Calibrated per-class scores `[C, height, width]`.
    public var scores: [Float]
    /// Class index per pixel, `[height, width]`.
    public var labels: [Int]
}

/// One model file ready to run: the CLIP towers it stores and, for ZegCLIP/LDVC files, the prompts and
/// the segmentation head. The CLI and the tests share this API.
public final class LDVCRuntime: @unchecked Sendable {
    public let path: String
    public let architecture: CLIPArchitecture
    public let vision: VisionTransformer?
    public let text: TextTransformer?
    let head: SegmentationHead?
    /// Worker threads of this runtime's calls.
    public let threads: Int
    /// Tensors stored in the file that no part of the runtime reads (e.g. `logit_scale`, ZegCLIP's
    /// unused decoder self-attention), for `inspect`/`verify` notes and the schema consistency tests.
    public let unusedTensors: [String]
    private let cacheLock = NSLock()
    private var textCache: [[Int]: [Float]] = [:]

    /// Loads every part the file describes, checking each tensor's presence and shape.
    /// `threads` is this runtime's worker count, bound to each of its calls (never process-wide);
    /// OpenBLAS runs single-threaded inside each worker so that only one thread pool is ever active
    /// (see `MatMul`).
    public init(path: String, threads: Int = 1) throws(RuntimeError) {
        do { try BLASLibrary.check() } catch { throw .blasUnavailable(reason: error.description) }
        BLASThreads.set(1)
        self.threads = max(1, threads)
        let reader: LayoutReader
        do { reader = try LayoutReader(path: path) } catch { throw .layout(error) }
        self.path = path
        architecture = reader.architecture
        let weights = WeightScope(store: reader)
        let ldvc = architecture.ldvc
        if let visionArchitecture = architecture.vision {
            vision = try VisionTransformer(
                weights, architecture: visionArchitecture, embedDim: architecture.embedDim,
                prompts: ldvc?.visionPrompts)
        } else {
            vision = nil
        }
        if let textArchitecture = architecture.text {
            text = try TextTransformer(
                weights, architecture: textArchitecture, embedDim: architecture.embedDim, prompts: ldvc?.textPrompts)
        } else {
            text = nil
        }
        if let headArchitecture = ldvc?.head {
            guard let vision, vision.prompts != nil else {
                throw .unsupportedArchitecture(
                    path: path,
                    reason: "a segmentation head needs the vision tower with visual prompts (ZegCLIP backbone)")
            }
            head = try SegmentationHead(
                weights.scoped("head"), architecture: headArchitecture, embedDim: architecture.embedDim, vision: vision)
        } else {
            head = nil
        }
        unusedTensors = try weights.untakenTensors()
    }

    /// The head's settings, nil for a plain CLIP file.
    public var headArchitecture: HeadArchitecture? { head?.architecture }

    /// Runs the vision tower on one normalised image.
    public func encodeImage(_ image: Image, taps: TapRecorder? = nil) throws(RuntimeError) -> VisionEncoding {
        guard let vision else { throw .missingPart(path: path, part: "vision") }
        return try withWorkers { () throws(RuntimeError) in
            try vision.encode(image, keepLayers: head?.tapLayers ?? [], taps: taps)
        }
    }

    /// Runs `body` with this runtime's worker count bound for every kernel it calls.
    private func withWorkers<T>(_ body: () throws(RuntimeError) -> T) throws(RuntimeError) -> T {
        let result = Parallel.$workers.withValue(threads) { Result { () throws(RuntimeError) -> T in try body() } }
        return try result.get()
    }

    /// L2-normalised text features `[prompts, E]` (ZegCLIP's `text_embedding`), one per token-id
    /// sequence. Features depend only on the tokens, so each sequence is computed once per runtime
    /// and served from a cache afterwards; `cache: false` or a recorder bypasses the cache.
    public func encodeTexts(_ sequences: [[Int]], cache: Bool = true, taps: TapRecorder? = nil) throws(RuntimeError)
        -> Matrix
    {
        guard let text else { throw .missingPart(path: path, part: "text") }
        let embedDim = architecture.embedDim
        if taps != nil || !cache {
            var features = try withWorkers { () throws(RuntimeError) in try text.encode(sequences, taps: taps) }
            features.normalizeRows()
            for row in 0..<features.rows {
                taps?.record("text.features", itemShape: [features.columns], values: features.row(row))
            }
            return features
        }
        cacheLock.lock()
        let missing = Array(Set(sequences.filter { textCache[$0] == nil }))
        cacheLock.unlock()
        if !missing.isEmpty {
            var computed = try withWorkers { () throws(RuntimeError) in try text.encode(missing, taps: nil) }
            computed.normalizeRows()
            cacheLock.lock()
            for (index, sequence) in missing.enumerated() { textCache[sequence] = computed.row(index) }
            cacheLock.unlock()
        }
        cacheLock.lock()
        defer { cacheLock.unlock() }
        return Matrix(rows: sequences.count, columns: embedDim, values: sequences.flatMap { textCache[$0] ?? [] })
    }

    /// The template a class name is put into: the language prompts' (`X X X X X X {}`) for LDVC, else
    /// ZegCLIP's single VOC template `a photo of a {}` (no period) [CODE `get_embedding.ipynb`].
    public var classTemplate: String {
        architecture.ldvc?.textPrompts?.template ?? "a photo of a {}"
    }

    /// Token ids of each class name put into `template` (`{}` = the name), with CLIP's BPE tokenizer,
    /// truncated to the text context like open_clip.
    public func classTokens(_ names: [String], template: String? = nil, tokenizer: CLIPTokenizer? = nil)
        throws(RuntimeError) -> [[Int]]
    {
        guard let textArchitecture = architecture.text else { throw .missingPart(path: path, part: "text") }
        let template = template ?? classTemplate
        guard template.contains("{}") else {
            throw .invalidInput(path: path, reason: "class template '\(template)' has no '{}' for the class name")
        }
        do {
            let tokenizer = try tokenizer ?? CLIPTokenizer.bundled
            let texts = names.map { template.replacingOccurrences(of: "{}", with: $0) }
            return try tokenizer.tokenize(texts, contextLength: textArchitecture.contextLength, truncate: true).map {
                $0.map(Int.init)
            }
        } catch {
            throw .invalidInput(path: path, reason: "\(error)")
        }
    }

    /// Normalised class embeddings `[C, E]` for class names (`classTokens` then `encodeTexts`, cached).
    public func encodeClassNames(_ names: [String], template: String? = nil, tokenizer: CLIPTokenizer? = nil)
        throws(RuntimeError) -> Matrix
    {
        try encodeTexts(try classTokens(names, template: template, tokenizer: tokenizer))
    }

    /// Calibrated scores `[C, h, w]` for one crop (at most `crop_size` on each side).
    /// `classes` are normalised class embeddings `[C, E]`; `seenClasses` get the inductive offset.
    public func segmentCrop(_ image: Image, classes: Matrix, seenClasses: Set<Int> = [], taps: TapRecorder? = nil)
        throws(RuntimeError) -> [Float]
    {
        guard let head else { throw .missingPart(path: path, part: "head") }
        try checkClasses(classes)
        let encoding = try encodeImage(image, taps: taps)
        return try withWorkers { () throws(RuntimeError) in
            try head.scores(
                encoding, classes: classes, seenClasses: seenClasses, cropHeight: image.height, cropWidth: image.width,
                taps: taps)
        }
    }

    /// Sliding-window inference over a whole normalised image, then a bilinear resize to
    /// `outputSize` (the original image size) and argmax, as `slide_inference` with `rescale`.
    public func segment(
        _ image: Image, classes: Matrix, seenClasses: Set<Int> = [], outputSize: (height: Int, width: Int)? = nil,
        taps: TapRecorder? = nil
    ) throws(RuntimeError) -> Segmentation {
        guard let head else { throw .missingPart(path: path, part: "head") }
        try checkClasses(classes)
        let classCount = classes.rows, plane = image.height * image.width
        let tiling = SlidingWindow(
            height: image.height, width: image.width, crop: head.architecture.cropSize, stride: head.architecture.stride
        )
        var canvas = [Float](repeating: 0, count: classCount * plane)
        var counts = [Float](repeating: 0, count: plane)
        for window in tiling.windows {
            let crop = image.cropped(top: window.top, left: window.left, height: window.height, width: window.width)
            let scores = try segmentCrop(crop, classes: classes, seenClasses: seenClasses, taps: nil)
            for y in 0..<window.height {
                let row = (window.top + y) * image.width + window.left
                for x in 0..<window.width { counts[row + x] += 1 }
            }
            // Class-outer, row by row: both the crop's scores and the canvas are read contiguously.
            scores.withUnsafeBufferPointer { source in
                canvas.withUnsafeMutableBufferPointer { target in
                    for c in 0..<classCount {
                        for y in 0..<window.height {
                            let from = (c * window.height + y) * window.width
                            let to = c * plane + (window.top + y) * image.width + window.left
                            for x in 0..<window.width { target[to + x] += source[from + x] }
                        }
                    }
                }
            }
        }
        canvas.withUnsafeMutableBufferPointer { target in
            counts.withUnsafeBufferPointer { overlap in
                for c in 0..<classCount {
                    for pixel in 0..<plane { target[c * plane + pixel] /= overlap[pixel] }
                }
            }
        }
        taps?.record("slide.scores", itemShape: [classCount, image.height, image.width], values: canvas)
        let size = outputSize ?? (image.height, image.width)
        let resized = Resize.bilinear(
            canvas, planes: classCount, inHeight: image.height, inWidth: image.width,
            outHeight: size.height, outWidth: size.width)
        let labels = SegmentationHead.argmax(resized, planes: classCount, count: size.height * size.width)
        taps?.record("slide.output_scores", itemShape: [classCount, size.height, size.width], values: resized)
        taps?.record("slide.segmentation", itemShape: [size.height, size.width], values: labels.map(Float.init))
        return Segmentation(
            classCount: classCount, height: size.height, width: size.width, scores: resized, labels: labels)
    }

    private func checkClasses(_ classes: Matrix) throws(RuntimeError) {
        guard classes.rows > 0, classes.columns == architecture.embedDim else {
            throw .invalidInput(
                path: path,
                reason:
                    "class embeddings are \(classes.rows)×\(classes.columns); the model needs C×\(architecture.embedDim)"
            )
        }
    }
}
