import ImageProcessing
import Testing
import _TestSupport

@testable import Imaging

/// Annotation PNGs read as MMSeg's `LoadAnnotations` reads them, and label PNGs written by us read back.
@Suite("Label maps: decoding annotations and encoding results")
struct LabelMapTests {
    @Test(
        "Annotations decode to mmcv.imfrombytes(flag='unchanged', backend='pillow')",
        arguments: ["palette.png", "grey8.png", "grey4.png", "grey1.png", "grey16.png", "palette_like_ours.png"])
    func annotations(_ name: String) throws {
        let reference = try ImageReference.shared()
        let expected = try #require(reference.array("labels/\(name)"))
        let labels = try ImageDecoder.decodeLabels(path: FixturePath.fixture("images/labels/" + name))
        #expect([labels.height, labels.width] == expected.shape)
        #expect(labels.labels == expected.uint16)
    }

    @Test("Colour annotations and JPEG annotations are refused by name")
    func refusals() throws {
        for file in ["labels/rgb.png", "jpeg/baseline_444.jpg", "png/rgba8.png", "png/grey_alpha8.png"] {
            #expect {
                try ImageDecoder.decodeLabels(path: FixturePath.fixture("images/" + file))
            } throws: { error in
                guard let error = error as? ImagingError, case .unsupportedEncoding = error else { return false }
                return error.description.hasPrefix(FixturePath.fixture("images/" + file) + ": ")
            }
        }
    }

    @Test("An indexed PNG we write gives back every label, and its palette colours as pixels")
    func indexedRoundTrip() throws {
        let reference = try ImageReference.shared()
        let source = try #require(reference.array("labels/overlay_labels"))
        let labels = try LabelMap(
            width: source.shape[1], height: source.shape[0], labels: source.uint8.map { UInt16($0) })
        #expect(labels.labels.contains(255))
        let palette = SegmentationDataset.pascalVOC.palette
        let bytes = try PNGEncoder.encodeIndexed(labels, palette: palette)
        #expect(try ImageDecoder.info(bytes: bytes, name: "labels").colorModel == .palette)
        #expect(try ImageDecoder.decodeLabels(bytes: bytes, name: "labels") == labels)
        // The same structure as labels/palette_like_ours.png, which Pillow reads as these indices.
        #expect(
            try ImageDecoder.decodeLabels(path: FixturePath.fixture("images/labels/palette_like_ours.png")) == labels)
        let image = try ImageDecoder.decode(bytes: bytes, name: "labels", profile: .pillow)
        for (index, label) in labels.labels.enumerated() {
            let expected = Int(label) < palette.count ? palette[Int(label)] : RGBColor(0, 0, 0)
            #expect(image[index % labels.width, index / labels.width] == expected)
        }
    }

    @Test("Labels above 255 do not fit an indexed PNG; 16-bit grey keeps them")
    func wideLabels() throws {
        let labels = try LabelMap(width: 3, height: 2, labels: [0, 1, 255, 256, 1000, 65535])
        #expect(throws: ImagingError.self) { try PNGEncoder.encodeIndexed(labels, palette: []) }
        let bytes = try PNGEncoder.encodeGrey16(width: 3, height: 2, samples: labels.labels)
        #expect(try ImageDecoder.decodeLabels(bytes: bytes, name: "wide") == labels)
        // Decoded as a picture: Pillow clips 16-bit grey to 255, OpenCV keeps the high byte.
        let pillow = try ImageDecoder.decode(bytes: bytes, name: "wide", profile: .pillow)
        let opencv = try ImageDecoder.decode(bytes: bytes, name: "wide", profile: .opencv)
        #expect(stride(from: 0, to: 18, by: 3).map { pillow.pixels[$0] } == [0, 1, 255, 255, 255, 255])
        #expect(stride(from: 0, to: 18, by: 3).map { opencv.pixels[$0] } == [0, 0, 0, 1, 3, 255])
    }
}

@Suite("PNG encoding round trips")
struct PNGEncoderTests {
    func photo() throws -> RGBImage {
        let source = try #require(try ImageReference.shared().array("sources/photo_37x23"))
        return try RGBImage(width: source.shape[1], height: source.shape[0], pixels: source.uint8)
    }

    @Test("RGB, RGBA and grey PNGs decode to the pixels written")
    func roundTrips() throws {
        let image = try photo()
        for profile in DecodeProfile.allCases {
            #expect(
                try ImageDecoder.decode(bytes: try PNGEncoder.encode(image), name: "rgb", profile: profile) == image)
        }
        var rgba = [UInt8]()
        for (index, byte) in image.pixels.enumerated() {
            rgba.append(byte)
            if index % 3 == 2 { rgba.append(UInt8(index % 251)) }
        }
        let rgbaBytes = try PNGEncoder.encodeRGBA(width: image.width, height: image.height, pixels: rgba)
        #expect(try ImageDecoder.info(bytes: rgbaBytes, name: "rgba").colorModel == .rgba)
        #expect(try ImageDecoder.decode(bytes: rgbaBytes, name: "rgba", profile: .opencv) == image)
        let grey = stride(from: 0, to: image.pixels.count, by: 3).map { image.pixels[$0] }
        let greyBytes = try PNGEncoder.encodeGrey(width: image.width, height: image.height, pixels: grey)
        let decoded = try ImageDecoder.decode(bytes: greyBytes, name: "grey", profile: .pillow)
        #expect(decoded.pixels == grey.flatMap { [$0, $0, $0] })
    }

    @Test("Pixels that do not match the size are refused")
    func mismatches() {
        #expect(throws: ImagingError.self) { try PNGEncoder.encodeRGBA(width: 2, height: 2, pixels: [0, 0, 0]) }
        #expect(throws: ImagingError.self) { try PNGEncoder.encodeGrey(width: 0, height: 2, pixels: []) }
        #expect(throws: ImagingError.self) { try PNGEncoder.encodeGrey16(width: 2, height: 2, samples: [1, 2, 3]) }
    }
}
