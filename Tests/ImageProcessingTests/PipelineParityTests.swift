import ImageProcessing
import Testing
import _TestSupport

/// CLIP and MMSeg preprocessing, float for float against open_clip, transformers and mmcv.
@Suite("Preprocessing pipelines equal the Python pipelines exactly")
struct PipelineParityTests {
    /// The RGB images each pipeline reference started from (decoded as that pipeline decodes).
    static func clipInput(_ name: String) throws -> RGBImage {
        switch name {
        case "photo_37x23", "photo_64x48": return try ReferenceImages.rgb("sources/\(name)")
        case "grey16": return try ReferenceImages.decoded("png/grey16.png", "pillow")
        case "exif6": return try ReferenceImages.decoded("jpeg/exif6.jpg", "pillow")
        default: return try ReferenceImages.decoded("jpeg/\(name).jpg", "pillow")
        }
    }

    static func mmsegInput(_ name: String) throws -> RGBImage {
        switch name {
        case "photo_37x23": return try ReferenceImages.decoded("png/rgb8.png", "opencv")
        case "exif6": return try ReferenceImages.decoded("jpeg/exif6.jpg", "opencv")
        default: return try ReferenceImages.decoded("jpeg/progressive_420_64x48.jpg", "opencv")
        }
    }

    static let clipCases: [String] = {
        guard let reference = try? ImageReference.shared() else { return [] }
        return ["open_clip_224", "open_clip_32", "hf_224", "hf_32"].flatMap { group in
            reference.children(of: "clip/\(group)").map { "\(group)/\($0)" }
        }
    }()

    @Test("open_clip preprocess and CLIPImageProcessorPil", arguments: clipCases)
    func clip(_ key: String) throws {
        let parts = key.split(separator: "/")
        let group = String(parts[0]), name = String(parts[1])
        let size = Int(group.split(separator: "_").last!)!
        let convention: CLIPPreprocessor.Convention = group.hasPrefix("hf") ? .huggingFace : .torchvision
        let expected = try ReferenceImages.planes("clip/\(key)")
        let planes = try CLIPPreprocessor(convention: convention, imageSize: size).process(try Self.clipInput(name))
        #expect([planes.channels, planes.height, planes.width] == expected.shape)
        let values = expected.float32
        #expect(planes.values == values, "\(key): max |Δ| \(maximumDifference(planes.values, values))")
    }

    @Test("The two CLIP conventions crop differently where (W − 224) / 2 ends in .5")
    func cropOffsets() throws {
        let image = try ReferenceImages.rgb("sources/photo_37x23")  // 32-size resize gives 51×32: offset 9.5
        let torchvision = try CLIPPreprocessor(convention: .torchvision, imageSize: 32).process(image)
        let huggingFace = try CLIPPreprocessor(convention: .huggingFace, imageSize: 32).process(image)
        #expect(torchvision.values != huggingFace.values)
        #expect(
            CLIPPreprocessor(convention: .torchvision, imageSize: 32).resizedSize(width: 37, height: 23) == (51, 32))
    }

    static let mmsegCases: [String] = {
        guard let reference = try? ImageReference.shared() else { return [] }
        return reference.children(of: "mmseg").filter { $0 != "rescale_sizes" }.flatMap { variant in
            reference.children(of: "mmseg/\(variant)").map { "\(variant)/\($0)" }
        }
    }()

    static func preprocessor(_ variant: String) -> MMSegPreprocessor {
        switch variant {
        case "keep_ratio_64x32_imnormalize": return MMSegPreprocessor(scaleWidth: 64, scaleHeight: 32)
        case "keep_ratio_64x32_min40_imnormalize":
            return MMSegPreprocessor(scaleWidth: 64, scaleHeight: 32, minSize: 40)
        case "keep_ratio_48x40_preprocessor":
            return MMSegPreprocessor(scaleWidth: 48, scaleHeight: 40, normalization: .dataPreprocessor)
        default: return MMSegPreprocessor(scaleWidth: 50, scaleHeight: 30, keepRatio: false)
        }
    }

    @Test("mmcv.imrescale + cv2 bilinear + MMSeg normalisation", arguments: mmsegCases)
    func mmseg(_ key: String) throws {
        let parts = key.split(separator: "/")
        let expected = try ReferenceImages.planes("mmseg/\(key)")
        let planes = try Self.preprocessor(String(parts[0])).process(try Self.mmsegInput(String(parts[1])))
        #expect([planes.channels, planes.height, planes.width] == expected.shape)
        let values = expected.float32
        #expect(planes.values == values, "\(key): max |Δ| \(maximumDifference(planes.values, values))")
    }

    @Test("Rescaled sizes equal mmcv.rescale_size (and MMSeg 0.x min_size) for scales like (2048, 512)")
    func rescaleSizes() throws {
        let table = try ReferenceImages.planes("mmseg/rescale_sizes")
        let values = table.int64.map { Int($0) }
        #expect(table.shape == [values.count / 7, 7] && values.count >= 200)
        for row in stride(from: 0, to: values.count, by: 7) {
            let (width, height, long, short, minSize) = (
                values[row], values[row + 1], values[row + 2], values[row + 3], values[row + 4]
            )
            let preprocessor = MMSegPreprocessor(
                scaleWidth: long, scaleHeight: short, minSize: minSize > 0 ? minSize : nil)
            let size = preprocessor.outputSize(width: width, height: height)
            #expect(
                size == (values[row + 5], values[row + 6]), "\(width)×\(height) to (\(long), \(short)) min \(minSize)")
        }
        #expect(MMSegPreprocessor.zegCLIP.outputSize(width: 500, height: 375) == (683, 512))
    }

    @Test("Wrong normalisation settings are refused")
    func settings() throws {
        let image = try ReferenceImages.rgb("sources/photo_37x23")
        var clip = CLIPPreprocessor(convention: .torchvision, imageSize: 8)
        clip.standardDeviation = [1, 0, 1]
        #expect(throws: ImageProcessingError.self) { try clip.process(image) }
        var mmseg = MMSegPreprocessor(scaleWidth: 8, scaleHeight: 8)
        mmseg.mean = [1, 2]
        #expect(throws: ImageProcessingError.self) { try mmseg.process(image) }
    }
}
