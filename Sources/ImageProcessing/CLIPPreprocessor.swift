/// CLIP image preprocessing on a decoded RGB image: shortest side to `resizeShortestEdge` with Pillow
/// bicubic, centre crop, scale to 0–1, normalise; the result is float32 planes `[3, crop, crop]`.
///
/// Two conventions, which differ in their crop offset and in how they scale to 0–1:
/// - `torchvision` (OpenAI `clip.load`'s and open_clip's `preprocess`): `Resize(size, BICUBIC)` on the
///   PIL image (long side `int(size × long / short)`), `CenterCrop` with offsets
///   `int(round((H − h) / 2))` (Python's round half to even; zero padding first if the crop is
///   larger), `ToTensor` (`x / 255` in float32), `Normalize` (`(x − mean) / std` in float32).
/// - `huggingFace` (transformers' `CLIPImageProcessorPil`, and `CLIPImageProcessor` before
///   transformers 5): the same size and Pillow resize, crop offsets `(H − h) // 2`,
///   `float32(float64(x) × (1/255))`, then `(x − mean) / std` in float32. transformers 5's default
///   `CLIPImageProcessor` resizes with torchvision on tensors instead of Pillow and is not reproduced.
public struct CLIPPreprocessor: Sendable, Equatable {
    public enum Convention: String, Sendable {
        case torchvision
        case huggingFace
    }

    /// OpenAI's CLIP normalisation (`OPENAI_DATASET_MEAN`/`STD` of open_clip, transformers' `OPENAI_CLIP_*`).
    public static let openAIMean: [Double] = [0.48145466, 0.4578275, 0.40821073]
    public static let openAIStandardDeviation: [Double] = [0.26862954, 0.26130258, 0.27577711]

    public var convention: Convention
    public var resizeShortestEdge: Int
    public var cropWidth: Int
    public var cropHeight: Int
    public var mean: [Double]
    public var standardDeviation: [Double]
    public var resampler: PillowResampler

    /// A square crop of `imageSize` after resizing the shortest side to `imageSize` (every CLIP model's
    /// default, e.g. 224 for ViT-B/16).
    public init(
        convention: Convention, imageSize: Int, mean: [Double] = openAIMean,
        standardDeviation: [Double] = openAIStandardDeviation, resampler: PillowResampler = PillowResampler()
    ) {
        self.convention = convention
        self.resizeShortestEdge = imageSize
        self.cropWidth = imageSize
        self.cropHeight = imageSize
        self.mean = mean
        self.standardDeviation = standardDeviation
        self.resampler = resampler
    }

    /// The size after the resize step (before cropping).
    public func resizedSize(width: Int, height: Int) -> (width: Int, height: Int) {
        let target = resizeShortestEdge
        if width <= height {
            return (target, Int(Double(target * height) / Double(width)))
        }
        return (Int(Double(target * width) / Double(height)), target)
    }

    public func process(_ image: RGBImage) throws(ImageProcessingError) -> PlanarImage {
        guard mean.count == 3, standardDeviation.count == 3, standardDeviation.allSatisfy({ $0 != 0 }) else {
            throw .invalidSetting(what: "CLIP preprocessing", reason: "needs 3 means and 3 non-zero deviations")
        }
        guard resizeShortestEdge > 0, cropWidth > 0, cropHeight > 0 else {
            throw .invalidSetting(what: "CLIP preprocessing", reason: "sizes must be positive")
        }
        let size = resizedSize(width: image.width, height: image.height)
        let resized = try resampler.resize(image, width: size.width, height: size.height)
        let cropped = try centerCrop(resized)
        return normalize(cropped)
    }

    /// The crop window of the convention, padding with black first where the crop is larger.
    func centerCrop(_ image: RGBImage) throws(ImageProcessingError) -> RGBImage {
        switch convention {
        case .torchvision:
            var padded = image
            if cropWidth > image.width || cropHeight > image.height {
                // torchvision center_crop: pad (left, top, right, bottom) =
                // ((cw − w) // 2, (ch − h) // 2, (cw − w + 1) // 2, (ch − h + 1) // 2), fill 0.
                let left = cropWidth > image.width ? (cropWidth - image.width) / 2 : 0
                let top = cropHeight > image.height ? (cropHeight - image.height) / 2 : 0
                let right = cropWidth > image.width ? (cropWidth - image.width + 1) / 2 : 0
                let bottom = cropHeight > image.height ? (cropHeight - image.height + 1) / 2 : 0
                padded = Self.pad(image, left: left, top: top, right: right, bottom: bottom)
            }
            let top = Self.roundHalfToEven(Double(padded.height - cropHeight) / 2.0)
            let left = Self.roundHalfToEven(Double(padded.width - cropWidth) / 2.0)
            return try padded.cropped(top: top, left: left, width: cropWidth, height: cropHeight)
        case .huggingFace:
            // transformers image_transforms.center_crop: offsets floor((H − h) / 2); when the crop is
            // larger, the image sits at ceil((max − H) / 2) in a zero canvas of max(H, h).
            let canvasWidth = max(cropWidth, image.width), canvasHeight = max(cropHeight, image.height)
            var canvas = image
            var top = Self.floorDivide(image.height - cropHeight, 2)
            var left = Self.floorDivide(image.width - cropWidth, 2)
            if canvasWidth != image.width || canvasHeight != image.height {
                let padTop = (canvasHeight - image.height + 1) / 2, padLeft = (canvasWidth - image.width + 1) / 2
                canvas = Self.pad(
                    image, left: padLeft, top: padTop, right: canvasWidth - image.width - padLeft,
                    bottom: canvasHeight - image.height - padTop)
                top += padTop
                left += padLeft
            }
            let rowStart = max(top, 0), rowEnd = min(canvasHeight, top + cropHeight)
            let columnStart = max(left, 0), columnEnd = min(canvasWidth, left + cropWidth)
            return try canvas.cropped(
                top: rowStart, left: columnStart, width: columnEnd - columnStart, height: rowEnd - rowStart)
        }
    }

    func normalize(_ image: RGBImage) -> PlanarImage {
        let plane = image.width * image.height
        var values = [Float](repeating: 0, count: plane * 3)
        let means = mean.map { Float($0) }, deviations = standardDeviation.map { Float($0) }
        let rescale = 1.0 / 255.0
        image.pixels.withUnsafeBufferPointer { pixels in
            values.withUnsafeMutableBufferPointer { target in
                for channel in 0..<3 {
                    let m = means[channel], s = deviations[channel]
                    for index in 0..<plane {
                        let byte = pixels[index * 3 + channel]
                        let scaled: Float
                        switch convention {
                        case .torchvision: scaled = Float(byte) / 255
                        case .huggingFace: scaled = Float(Double(byte) * rescale)
                        }
                        target[channel * plane + index] = (scaled - m) / s
                    }
                }
            }
        }
        return PlanarImage(unchecked: 3, image.height, image.width, values)
    }

    static func pad(_ image: RGBImage, left: Int, top: Int, right: Int, bottom: Int) -> RGBImage {
        let width = image.width + left + right, height = image.height + top + bottom
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<image.height {
            let from = y * image.width * 3, to = ((y + top) * width + left) * 3
            pixels.replaceSubrange(to..<(to + image.width * 3), with: image.pixels[from..<(from + image.width * 3)])
        }
        return RGBImage(unchecked: width, height, pixels)
    }

    /// Python's `round` on a float: half to even.
    static func roundHalfToEven(_ value: Double) -> Int { Int(value.rounded(.toNearestOrEven)) }

    /// Python's `//` on integers.
    static func floorDivide(_ value: Int, _ divisor: Int) -> Int {
        let quotient = value / divisor
        return (value % divisor != 0 && (value < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
