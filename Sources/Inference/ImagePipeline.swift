public import ImageProcessing
public import Imaging
public import Layout
public import Runtime

/// A decoded image file and the model input made from it.
public struct PreparedImage: Sendable {
    public let path: String
    /// The decoded pixels (the decoder of the model's pipeline), for overlays.
    public let decoded: RGBImage
    /// The normalised CHW floats the runtime takes.
    public let input: Runtime.Image
}

/// The model's preprocessing (`/preprocessing`) as the pipelines of `ImageProcessing`: decode with the
/// library's decoder, then the CLIP or MMSeg steps, bit for bit as the Python libraries.
public struct ImagePipeline: Sendable, Equatable {
    public enum Steps: Sendable, Equatable {
        case clip(CLIPPreprocessor)
        /// The MMSeg test pipeline; `rgb` false keeps OpenCV's BGR order (`to_rgb=False`).
        case mmseg(MMSegPreprocessor, rgb: Bool)
    }

    public let settings: PreprocessingSettings
    public let decodeProfile: DecodeProfile
    public let steps: Steps

    /// The pipeline of `settings`; MMSeg pipelines take the head's `pixel_mean`/`pixel_std`.
    public init(settings: PreprocessingSettings, head: HeadArchitecture?, modelPath: String) throws(InferenceError) {
        if let problem = settings.problem(hasHead: head != nil) {
            throw .refused(path: modelPath, reason: "preprocessing: \(problem)")
        }
        self.settings = settings
        switch settings.decoder {
        case .pillow: decodeProfile = .pillow
        case .pillowExifTransposed: decodeProfile = .pillowExifTransposed
        case .opencv: decodeProfile = .opencv
        }
        switch settings.pipeline {
        case .torchvision, .huggingFace:
            // `problem` checked the size, mean and std.
            steps = .clip(
                CLIPPreprocessor(
                    convention: settings.pipeline == .huggingFace ? .huggingFace : .torchvision,
                    imageSize: settings.imageSize ?? 0, mean: settings.mean ?? [], standardDeviation: settings.std ?? []
                ))
        case .mmseg:
            guard let head, let scale = settings.scale else {
                throw .refused(path: modelPath, reason: "preprocessing: the mmseg pipeline needs a segmentation head")
            }
            guard settings.keepRatio != false else {
                throw .refused(path: modelPath, reason: "preprocessing: a resize without keep_ratio is not supported")
            }
            guard settings.mode != .whole else {
                throw .refused(
                    path: modelPath,
                    reason: "preprocessing: test_cfg mode 'whole' is not supported; the runtime segments by sliding "
                        + "window (mode slide)")
            }
            steps = .mmseg(
                MMSegPreprocessor(
                    scaleWidth: scale[0], scaleHeight: scale[1], keepRatio: true, minSize: settings.minSize,
                    mean: head.pixelMean, standardDeviation: head.pixelStd,
                    normalization: settings.normalization == .dataPreprocessor ? .dataPreprocessor : .mmcvImnormalize),
                rgb: settings.rgb ?? true)
        }
    }

    public var isCLIP: Bool {
        if case .clip = steps { return true }
        return false
    }

    /// Decodes the file at `path` and makes the model input.
    public func prepare(path: String) throws(InferenceError) -> PreparedImage {
        let decoded: RGBImage
        do { decoded = try ImageDecoder.decode(path: path, profile: decodeProfile) } catch { throw .imaging(error) }
        return try prepare(decoded, path: path)
    }

    /// The model input of already decoded pixels (`path` names them in errors).
    public func prepare(_ decoded: RGBImage, path: String) throws(InferenceError) -> PreparedImage {
        var planar: PlanarImage
        do {
            switch steps {
            case .clip(let preprocessor): planar = try preprocessor.process(decoded)
            case .mmseg(let preprocessor, let rgb):
                planar = try preprocessor.process(decoded)
                if !rgb { planar = planar.channelsReversed() }
            }
        } catch {
            throw .processing(path: path, error)
        }
        let input: Runtime.Image
        do {
            input = try Runtime.Image(
                channels: planar.channels, height: planar.height, width: planar.width, pixels: planar.values)
        } catch {
            throw .runtime(error)
        }
        return PreparedImage(path: path, decoded: decoded, input: input)
    }
}

extension PlanarImage {
    /// The planes in reverse order (RGB ⇄ BGR).
    fileprivate func channelsReversed() -> PlanarImage {
        let plane = height * width
        var reversed: [Float] = []
        reversed.reserveCapacity(values.count)
        for channel in (0..<channels).reversed() {
            reversed += values[(channel * plane)..<((channel + 1) * plane)]
        }
        // Same sizes as `self`, so the initialiser cannot fail.
        return (try? PlanarImage(channels: channels, height: height, width: width, values: reversed)) ?? self
    }
}
