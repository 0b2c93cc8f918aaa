/// How an image file becomes the model's input: which library's pipeline the model was trained and
/// evaluated with, and its settings. Stored as the attributes of the optional group `/preprocessing`
/// (`Schemas/layout/ldvc-layout-v1.md`); `convert` and `import` fill it from the source's convention
/// and configuration, and record where each value came from in `architecture_sources`
/// (`preprocessing.*`). Files without the group get `conventionDefault(for:)`.
///
/// CLIP pipelines (`torchvision`, `huggingFace`): shortest side to `image_size` with Pillow bicubic,
/// centre crop `image_size`², `x / 255`, `(x − mean) / std` with mean and std on 0–1.
/// MMSeg (`mmseg`, ZegCLIP/LDVC): keep-ratio resize to `scale` with `min_size` (OpenCV bilinear), the
/// head's `pixel_mean`/`pixel_std` on 0–255, sliding window (`/head` `crop_size`, `stride`) or whole image.
public struct PreprocessingSettings: Sendable, Equatable, Codable {
    /// Whose preprocessing to reproduce.
    public enum Pipeline: String, Sendable, CaseIterable, AttributeChoice {
        /// OpenAI `clip.load`'s and open_clip's `preprocess` (torchvision transforms on a PIL image).
        case torchvision
        /// transformers' `CLIPImageProcessor` with the Pillow backend.
        case huggingFace = "hf"
        /// MMSegmentation's test pipeline (ZegCLIP/LDVC).
        case mmseg
    }

    /// Whose decoder reads the file (`Imaging.DecodeProfile`).
    public enum Decoder: String, Sendable, CaseIterable, AttributeChoice {
        /// `PIL.Image.open(f).convert("RGB")`, EXIF orientation ignored.
        case pillow
        /// `ImageOps.exif_transpose` first (transformers' `load_image`).
        case pillowExifTransposed = "pillow_exif_transposed"
        /// `cv2.imdecode(…, IMREAD_COLOR)`, EXIF orientation applied (mmcv).
        case opencv
    }

    /// How `(x − mean) / std` is rounded in an MMSeg pipeline.
    public enum Normalization: String, Sendable, CaseIterable, AttributeChoice {
        /// MMSeg 0.x `Normalize` (`mmcv.imnormalize`: float32 subtraction, double `1/std` product).
        case mmcvImnormalize = "mmcv_imnormalize"
        /// MMSeg 1.x `SegDataPreProcessor` (float32 division).
        case dataPreprocessor = "data_preprocessor"
    }

    /// How a segmentation model covers the image (`test_cfg.mode`).
    public enum Mode: String, Sendable, CaseIterable, AttributeChoice {
        case slide
        case whole
    }

    public var pipeline: Pipeline
    public var decoder: Decoder
    /// CLIP: the resize target of the shortest side and the square crop.
    public var imageSize: Int?
    /// CLIP: per-channel mean and standard deviation on 0–1 (MMSeg uses the head's, on 0–255).
    public var mean: [Double]?
    public var std: [Double]?
    /// MMSeg: `img_scale` as the config writes it, (width, height) = (long, short) with `keep_ratio`.
    public var scale: [Int]?
    /// MMSeg: `Resize(min_size=)` of ZegCLIP's MMSeg 0.x fork; nil when the pipeline has none.
    public var minSize: Int?
    public var keepRatio: Bool?
    public var normalization: Normalization?
    /// MMSeg: `to_rgb` (true: the model sees RGB; false: OpenCV's BGR order).
    public var rgb: Bool?
    public var mode: Mode?

    public init(
        pipeline: Pipeline, decoder: Decoder, imageSize: Int? = nil, mean: [Double]? = nil, std: [Double]? = nil,
        scale: [Int]? = nil, minSize: Int? = nil, keepRatio: Bool? = nil, normalization: Normalization? = nil,
        rgb: Bool? = nil, mode: Mode? = nil
    ) {
        self.pipeline = pipeline
        self.decoder = decoder
        self.imageSize = imageSize
        self.mean = mean
        self.std = std
        self.scale = scale
        self.minSize = minSize
        self.keepRatio = keepRatio
        self.normalization = normalization
        self.rgb = rgb
        self.mode = mode
    }

    enum CodingKeys: String, CodingKey {
        case pipeline, decoder, mean, std, scale, rgb, mode, normalization
        case imageSize = "image_size"
        case minSize = "min_size"
        case keepRatio = "keep_ratio"
    }

    /// OpenAI's CLIP normalisation (`OPENAI_DATASET_MEAN`/`STD`), on 0–1.
    public static let openAIMean = [0.48145466, 0.4578275, 0.40821073]
    public static let openAIStd = [0.26862954, 0.26130258, 0.27577711]

    /// A CLIP pipeline at `imageSize` with OpenAI's statistics unless given.
    public static func clip(
        _ pipeline: Pipeline, imageSize: Int, mean: [Double] = openAIMean, std: [Double] = openAIStd
    ) -> PreprocessingSettings {
        PreprocessingSettings(
            pipeline: pipeline, decoder: pipeline == .huggingFace ? .pillowExifTransposed : .pillow,
            imageSize: imageSize, mean: mean, std: std)
    }

    /// ZegCLIP's test pipeline for a sliding-window crop: `img_scale` (4·crop, crop) with
    /// `min_size` = crop, which is (2048, 512) / 512 at ZegCLIP's crop of 512; RGB, MMSeg 0.x normalisation.
    public static func zegCLIP(crop: Int) -> PreprocessingSettings {
        PreprocessingSettings(
            pipeline: .mmseg, decoder: .opencv, scale: [4 * crop, crop], minSize: crop, keepRatio: true,
            normalization: .mmcvImnormalize, rgb: true, mode: .slide)
    }

    /// The convention's defaults for a file that does not store its preprocessing (written before the
    /// group existed, or by another tool): ZegCLIP's test pipeline for a model with a segmentation head,
    /// transformers' processor for a file converted from HF names, else OpenAI's `preprocess`.
    public static func conventionDefault(for attributes: LayoutAttributes) -> PreprocessingSettings {
        let architecture = attributes.architecture
        if let head = architecture.ldvc?.head { return zegCLIP(crop: head.cropSize) }
        let size = architecture.vision?.imageSize ?? 224
        return clip(attributes.metadata.sourceConvention == "hf" ? .huggingFace : .torchvision, imageSize: size)
    }

    /// Why these settings cannot be run, or nil. Checked when a file is read and before a run.
    public func problem(hasHead: Bool) -> String? {
        switch pipeline {
        case .torchvision, .huggingFace:
            guard let imageSize, imageSize > 0, imageSize <= 1 << 16 else {
                return "a CLIP pipeline needs image_size in 1…65536"
            }
            guard let mean, let std, mean.count == 3, std.count == 3, std.allSatisfy({ $0 != 0 && $0.isFinite }),
                mean.allSatisfy(\.isFinite)
            else { return "a CLIP pipeline needs 3 finite means and 3 non-zero deviations" }
        case .mmseg:
            guard hasHead else { return "the mmseg pipeline needs a segmentation head" }
            guard let scale, scale.count == 2, scale.allSatisfy({ (1...(1 << 16)).contains($0) }) else {
                return "the mmseg pipeline needs scale = two sizes in 1…65536"
            }
            if let minSize, !(1...(1 << 16)).contains(minSize) { return "min_size \(minSize) is outside 1…65536" }
            guard normalization != nil, mode != nil else { return "the mmseg pipeline needs normalization and mode" }
        }
        return nil
    }
}
