import ImageProcessing
import Testing
import _TestSupport

/// Pillow bicubic and OpenCV bilinear resizes, byte for byte against the libraries' own output.
@Suite("Resizing equals Pillow and OpenCV exactly")
struct ResizeParityTests {
    static func sizes(_ prefix: String) -> [String] {
        guard let reference = try? ImageReference.shared() else { return [] }
        return reference.children(of: prefix).flatMap { source in
            reference.children(of: "\(prefix)/\(source)").map { "\(source)/\($0)" }
        }
    }

    static func parse(_ key: String) -> (source: String, width: Int, height: Int) {
        let parts = key.split(separator: "/")
        let size = parts[1].split(separator: "x").map { Int($0)! }
        return (String(parts[0]), size[0], size[1])
    }

    @Test("The reference holds the sizes the fixture script lists")
    func coverage() {
        #expect(Self.sizes("resize/pillow").count == 20)
        #expect(Self.sizes("resize/pillow_horizontal_first").count == 3)
        #expect(Self.sizes("resize/opencv").count == 13)
    }

    @Test("Image.resize(size, Image.BICUBIC) of Pillow 13", arguments: sizes("resize/pillow"))
    func pillow(_ key: String) throws {
        let (source, width, height) = Self.parse(key)
        let expected = try ReferenceImages.rgb("resize/pillow/\(key)")
        let result = try PillowResampler().resize(
            try ReferenceImages.rgb("sources/\(source)"), width: width, height: height)
        #expect(
            result == expected, "\(key): \(zip(result.pixels, expected.pixels).filter { $0 != $1 }.count) bytes differ")
    }

    @Test(
        "Pillow 12's pass order (horizontal first) where Pillow 13 runs the vertical pass first",
        arguments: sizes("resize/pillow_horizontal_first"))
    func pillowHorizontalFirst(_ key: String) throws {
        let (source, width, height) = Self.parse(key)
        let image = try ReferenceImages.rgb("sources/\(source)")
        let expected = try ReferenceImages.rgb("resize/pillow_horizontal_first/\(key)")
        #expect(
            try PillowResampler(passOrder: .horizontalFirst).resize(image, width: width, height: height) == expected)
        // The two orders really differ here, so the test tells them apart.
        #expect(try PillowResampler().resize(image, width: width, height: height) != expected)
    }

    @Test("Both pass orders agree where Pillow 13 also runs the horizontal pass first")
    func ordersAgree() throws {
        for key in Self.sizes("resize/pillow") {
            let (source, width, height) = Self.parse(key)
            let image = try ReferenceImages.rgb("sources/\(source)")
            let shrink = image.height - height
            guard !(shrink > 0 && shrink > (image.width - width) * 2) else { continue }
            let expected = try ReferenceImages.rgb("resize/pillow/\(key)")
            #expect(
                try PillowResampler(passOrder: .horizontalFirst).resize(image, width: width, height: height) == expected
            )
        }
    }

    @Test("cv2.resize(image, size, interpolation=cv2.INTER_LINEAR)", arguments: sizes("resize/opencv"))
    func opencv(_ key: String) throws {
        let (source, width, height) = Self.parse(key)
        let expected = try ReferenceImages.rgb("resize/opencv/\(key)")
        let result = try OpenCVLinearResizer().resize(
            try ReferenceImages.rgb("sources/\(source)"), width: width, height: height)
        #expect(
            result == expected, "\(key): \(zip(result.pixels, expected.pixels).filter { $0 != $1 }.count) bytes differ")
    }

    @Test("Empty target sizes are refused")
    func emptyTargets() throws {
        let image = try ReferenceImages.rgb("sources/photo_37x23")
        #expect(throws: ImageProcessingError.self) { try PillowResampler().resize(image, width: 0, height: 3) }
        #expect(throws: ImageProcessingError.self) { try OpenCVLinearResizer().resize(image, width: 3, height: -1) }
    }
}
