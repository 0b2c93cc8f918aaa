import ImageProcessing
import Testing
import _TestSupport

@testable import Imaging

/// Every PNG and JPEG fixture decoded under every profile, pixel for pixel against what Pillow
/// (`Image.open(f).convert("RGB")`, with and without `ImageOps.exif_transpose`) and OpenCV
/// (`cv2.imdecode(..., IMREAD_COLOR)`, BGR→RGB) made of the same file.
@Suite("Decoding equals Pillow and OpenCV exactly")
struct DecodeParityTests {
    static let files: [String] = {
        guard let reference = try? ImageReference.shared() else { return [] }
        return ["png", "jpeg"].flatMap { folder in reference.children(of: "decode/\(folder)").map { "\(folder)/\($0)" }
        }
    }()

    static func referenceKey(_ profile: DecodeProfile) -> String {
        switch profile {
        case .pillow: return "pillow"
        case .pillowExifTransposed: return "pillow_exif"
        case .opencv: return "opencv"
        }
    }

    @Test("The reference covers every kind of file the fixture script writes")
    func coverage() throws {
        let reference = try ImageReference.shared()
        #expect(reference.children(of: "decode/png").count == 29)
        #expect(reference.children(of: "decode/jpeg").count == 34)
        // The fixtures are what they claim to be.
        let expected: [(String, ImageInfo.ColorModel, Int, Bool)] = [
            ("png/grey1.png", .grey, 1, false), ("png/grey2.png", .grey, 2, false), ("png/grey4.png", .grey, 4, false),
            ("png/grey16.png", .grey, 16, false), ("png/grey_alpha16.png", .greyAlpha, 16, false),
            ("png/rgb16.png", .rgb, 16, false), ("png/rgba16.png", .rgba, 16, false),
            ("png/palette1.png", .palette, 1, false), ("png/palette4_trns.png", .palette, 4, false),
            ("png/rgb8_interlaced.png", .rgb, 8, true), ("png/grey16_interlaced.png", .grey, 16, true),
            ("jpeg/progressive_440.jpg", .rgb, 8, true), ("jpeg/baseline_411.jpg", .rgb, 8, false),
            ("jpeg/grey.jpg", .grey, 8, false), ("jpeg/cmyk.jpg", .cmyk, 8, false),
        ]
        for (file, model, depth, interlaced) in expected {
            let info = try ImageDecoder.info(path: FixturePath.fixture("images/" + file))
            #expect(info.colorModel == model, "\(file)")
            #expect(info.bitDepth == depth, "\(file)")
            #expect(info.isInterlaced == interlaced, "\(file)")
        }
    }

    @Test("Every profile gives the reference library's pixels", arguments: files)
    func parity(_ file: String) throws {
        let reference = try ImageReference.shared()
        let same = Set(
            (reference.attributes["decode/\(file)@same_as_pillow"] ?? "").split(separator: ",").map(String.init))
        let bytes = try ImageDecoder.readFile(path: FixturePath.fixture("images/" + file))
        for profile in DecodeProfile.allCases {
            let key = Self.referenceKey(profile)
            let expected = try #require(reference.array("decode/\(file)/\(same.contains(key) ? "pillow" : key)"))
            let image = try ImageDecoder.decode(bytes: bytes, name: file, profile: profile)
            #expect([image.height, image.width, 3] == expected.shape, "\(file) as \(profile)")
            let differing = zip(image.pixels, expected.uint8).filter { $0 != $1 }.count
            #expect(image.pixels == expected.uint8, "\(file) as \(profile): \(differing) bytes differ")
        }
    }

    @Test("Decoding a path and decoding its bytes agree")
    func pathAndBytes() throws {
        let path = FixturePath.fixture("images/jpeg/exif6.jpg")
        let fromPath = try ImageDecoder.decode(path: path, profile: .opencv)
        let fromBytes = try ImageDecoder.decode(
            bytes: try ImageDecoder.readFile(path: path), name: "exif6", profile: .opencv)
        #expect(fromPath == fromBytes)
        #expect(fromPath.width == 23 && fromPath.height == 37)  // stored 37×23, orientation 6
    }

    @Test("The EXIF orientation is read from JPEG APP1 and PNG eXIf, both byte orders, before or after IDAT")
    func orientations() throws {
        let cases: [(String, ImageOrientation)] = [
            ("jpeg/exif1.jpg", .up), ("jpeg/exif2.jpg", .upMirrored), ("jpeg/exif3.jpg", .down),
            ("jpeg/exif4.jpg", .downMirrored), ("jpeg/exif5.jpg", .leftMirrored), ("jpeg/exif6.jpg", .right),
            ("jpeg/exif7.jpg", .rightMirrored), ("jpeg/exif8.jpg", .left), ("jpeg/exif6_big_endian.jpg", .right),
            ("png/exif6.png", .right), ("png/exif3_after_data.png", .down), ("png/exif8_big_endian.png", .left),
            ("png/rgb8.png", .up), ("jpeg/baseline_444.jpg", .up),
        ]
        for (file, orientation) in cases {
            #expect(
                try ImageDecoder.info(path: FixturePath.fixture("images/" + file)).orientation == orientation, "\(file)"
            )
        }
    }
}
