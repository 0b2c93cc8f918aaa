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
}
