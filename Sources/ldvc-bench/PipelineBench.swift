import Foundation
import ImageProcessing
import Imaging
import Runtime

/// The `segment` and `embed` pipelines as the command line runs them, file to file, with each stage timed:
/// decode → preprocess → (class embeddings) → model → output file.
enum PipelineBench {
    /// Pascal VOC's 20 class names (MMSeg `PascalVOCDataset` without background), ZegCLIP's VOC setting.
    static let vocClasses = [
        "aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat", "chair", "cow", "diningtable", "dog",
        "horse", "motorbike", "person", "pottedplant", "sheep", "sofa", "train", "tvmonitor",
    ]

    /// One `segment` run: JPEG/PNG → MMSeg pipeline (OpenCV decode and resize, ImageNet normalisation) →
    /// class embeddings of the VOC names (cached by the runtime after its first call) → sliding window →
    /// resize to the original size and argmax → indexed label PNG. Returns seconds per stage.
    static func segment(runtime: LDVCRuntime, imagePath: String, outputPath: String) throws -> [String: Double] {
        var stages: [String: Double] = [:]
        var rgb: RGBImage?
        stages["decode"] = try seconds { rgb = try ImageDecoder.decode(path: imagePath, profile: .opencv) }
        guard let rgb else { throw BenchError.usage }
        var planar: PlanarImage?
        stages["preprocess"] = try seconds { planar = try MMSegPreprocessor.zegCLIP.process(rgb) }
        guard let planar else { throw BenchError.usage }
        let image = try Image(height: planar.height, width: planar.width, pixels: planar.values)
        var classes: Matrix?
        stages["class_embeddings"] = try seconds { classes = try runtime.encodeClassNames(vocClasses) }
        guard let classes else { throw BenchError.usage }
        var segmentation: Segmentation?
        stages["sliding_window"] = try seconds {
            segmentation = try runtime.segment(image, classes: classes, outputSize: (rgb.height, rgb.width))
        }
        guard let segmentation else { throw BenchError.usage }
        stages["png"] = try seconds {
            let labels = try LabelMap(
                width: segmentation.width, height: segmentation.height,
                labels: segmentation.labels.map { UInt16(truncatingIfNeeded: $0) })
            let bytes = try PNGEncoder.encodeIndexed(labels, palette: ClassPalette.generated(count: vocClasses.count))
            try Data(bytes).write(to: URL(fileURLWithPath: outputPath))
        }
        stages["windows"] = Double(
            SlidingWindow(
                height: image.height, width: image.width, crop: runtime.headArchitecture?.cropSize ?? 512,
                stride: runtime.headArchitecture?.stride ?? 426
            ).windows.count)
        return stages
    }

    /// One `embed` run: JPEG/PNG → CLIP preprocessing (Pillow decode and bicubic resize, centre crop,
    /// OpenAI normalisation) → image tower → the embedding as raw little-endian float32. Returns
    /// seconds per stage.
    static func embed(runtime: LDVCRuntime, imagePath: String, outputPath: String) throws -> [String: Double] {
        var stages: [String: Double] = [:]
        var rgb: RGBImage?
        stages["decode"] = try seconds { rgb = try ImageDecoder.decode(path: imagePath, profile: .pillow) }
        guard let rgb else { throw BenchError.usage }
        let size = runtime.architecture.vision?.imageSize ?? 224
        var planar: PlanarImage?
        stages["preprocess"] = try seconds {
            planar = try CLIPPreprocessor(convention: .torchvision, imageSize: size).process(rgb)
        }
        guard let planar else { throw BenchError.usage }
        let image = try Image(height: planar.height, width: planar.width, pixels: planar.values)
        var encoding: VisionEncoding?
        stages["encode"] = try seconds { encoding = try runtime.encodeImage(image) }
        guard let encoding else { throw BenchError.usage }
        stages["write"] = try seconds {
            let bytes = encoding.embedding.withUnsafeBufferPointer { Data(buffer: $0) }
            try bytes.write(to: URL(fileURLWithPath: outputPath))
        }
        return stages
    }

    /// Median seconds of the image tower alone and of the whole crop (tower + head) on one
    /// pseudo-random 512×512 crop, warm; their difference is the head (for LDVC: taps, two decoder
    /// blocks with route attention, the mask path at 512×512).
    static func cropSplit(runtime: LDVCRuntime, repeats: Int) throws -> [String: Double] {
        let size = runtime.headArchitecture?.cropSize ?? 512
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        let pixels = (0..<(3 * size * size)).map { _ -> Float in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(Int64(bitPattern: state >> 11) % 2000) / 1000 - 1
        }
        let crop = try Image(height: size, width: size, pixels: pixels)
        let classes = try runtime.encodeClassNames(vocClasses)
        var tower: [Double] = [], whole: [Double] = []
        for _ in 0..<repeats {
            tower.append(try seconds { _ = try runtime.encodeImage(crop) })
            whole.append(try seconds { _ = try runtime.segmentCrop(crop, classes: classes) })
        }
        let towerMedian = median(tower), wholeMedian = median(whole)
        return ["tower_seconds": towerMedian, "crop_seconds": wholeMedian, "head_seconds": wholeMedian - towerMedian]
    }
}
