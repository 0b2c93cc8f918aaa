/// The MMSeg test pipeline of ZegCLIP/LDVC on a decoded RGB image (decode it with the OpenCV
/// profile): resize with OpenCV bilinear to the size `mmcv.imrescale` computes, then normalise per
/// channel; the result is float32 planes `[3, H, W]` in RGB order, ready for the sliding window.
///
/// ZegCLIP's configs use `MultiScaleFlipAug(img_scale=(2048, 512))` with
/// `Resize(keep_ratio=True, min_size=512)` and `Normalize(mean=[123.675, 116.28, 103.53],
/// std=[58.395, 57.12, 57.375], to_rgb=True)` (MMSeg 0.x): `zegCLIP` is that pipeline.
public struct MMSegPreprocessor: Sendable, Equatable {
    /// How `(x − mean) / std` is evaluated; the two MMSeg generations round differently.
    public enum Normalization: String, Sendable {
        /// MMSeg 0.x `Normalize` → `mmcv.imnormalize`: `cv2.subtract` of the float32 mean in float32,
        /// then `cv2.multiply` by `1 / std` of the float32 std, evaluated in double, rounded to float32.
        case mmcvImnormalize
        /// MMSeg 1.x `SegDataPreProcessor`: `(x − mean) / std` in float32 (mean and std float32 tensors).
        case dataPreprocessor
    }

    /// `img_scale` as (width, height); with `keepRatio` only its long and short sides matter.
    public var scaleWidth: Int
    public var scaleHeight: Int
    public var keepRatio: Bool
    /// MMSeg 0.x `Resize(min_size=)`: the short side becomes `max(min(scale), minSize)` and the long
    /// side follows the aspect ratio, without the long-side cap.
    public var minSize: Int?
    public var mean: [Double]
    public var standardDeviation: [Double]
    public var normalization: Normalization

    public static let imageNetMean: [Double] = [123.675, 116.28, 103.53]
    public static let imageNetStandardDeviation: [Double] = [58.395, 57.12, 57.375]

    public init(
        scaleWidth: Int, scaleHeight: Int, keepRatio: Bool = true, minSize: Int? = nil,
        mean: [Double] = imageNetMean, standardDeviation: [Double] = imageNetStandardDeviation,
        normalization: Normalization = .mmcvImnormalize
    ) {
        self.scaleWidth = scaleWidth
        self.scaleHeight = scaleHeight
        self.keepRatio = keepRatio
        self.minSize = minSize
        self.mean = mean
        self.standardDeviation = standardDeviation
        self.normalization = normalization
    }

    /// ZegCLIP's test pipeline (VOC and COCO-Stuff configs).
    public static let zegCLIP = MMSegPreprocessor(scaleWidth: 2048, scaleHeight: 512, keepRatio: true, minSize: 512)

    /// The size the image is resized to.
    public func outputSize(width: Int, height: Int) -> (width: Int, height: Int) {
        guard keepRatio else { return (scaleWidth, scaleHeight) }
        var long = Double(max(scaleWidth, scaleHeight)), short = Double(min(scaleWidth, scaleHeight))
        if let minSize {
            // mmseg/datasets/pipelines/transforms.py Resize._resize_img (0.x): new_short, then
            // scale = (new_short * h / w, new_short) or (new_short, new_short * w / h).
            let newShort = min(scaleWidth, scaleHeight) < minSize ? minSize : min(scaleWidth, scaleHeight)
            let other =
                height > width
                ? Double(newShort * height) / Double(width) : Double(newShort * width) / Double(height)
            long = max(other, Double(newShort))
            short = min(other, Double(newShort))
        }
        // mmcv.rescale_size: factor = min(long / max(h, w), short / min(h, w)); int(x * factor + 0.5).
        let factor = min(long / Double(max(height, width)), short / Double(min(height, width)))
        return (Int(Double(width) * factor + 0.5), Int(Double(height) * factor + 0.5))
    }

    public func process(_ image: RGBImage) throws(ImageProcessingError) -> PlanarImage {
        guard mean.count == 3, standardDeviation.count == 3, standardDeviation.allSatisfy({ $0 != 0 }) else {
            throw .invalidSetting(what: "MMSeg preprocessing", reason: "needs 3 means and 3 non-zero deviations")
        }
        let size = outputSize(width: image.width, height: image.height)
        let resized = try OpenCVLinearResizer().resize(image, width: size.width, height: size.height)
        return normalize(resized)
    }

    func normalize(_ image: RGBImage) -> PlanarImage {
        let plane = image.width * image.height
        var values = [Float](repeating: 0, count: plane * 3)
        image.pixels.withUnsafeBufferPointer { pixels in
            values.withUnsafeMutableBufferPointer { target in
                for channel in 0..<3 {
                    let m = Float(mean[channel]), s = Float(standardDeviation[channel])
                    // MMSeg 0.x `Normalize` keeps mean and std as float32 arrays; `imnormalize` then takes
                    // `1 / np.float64(std)`, the reciprocal of the float32-rounded deviation.
                    let inverse = 1.0 / Double(s)
                    for index in 0..<plane {
                        let centred = Float(pixels[index * 3 + channel]) - m
                        target[channel * plane + index] =
                            normalization == .mmcvImnormalize ? Float(Double(centred) * inverse) : centred / s
                    }
                }
            }
        }
        return PlanarImage(unchecked: 3, image.height, image.width, values)
    }
}
