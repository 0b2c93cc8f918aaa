import ImageProcessing
import Testing
import _TestSupport

@Suite("Palettes, overlays, legends and the bitmap font")
struct OverlayTests {
    func labels() throws -> LabelMap {
        let array = try ReferenceImages.planes("labels/overlay_labels")
        return try LabelMap(width: array.shape[1], height: array.shape[0], labels: array.uint8.map { UInt16($0) })
    }

    static func colors(_ path: String) throws -> [RGBColor] {
        let array = try ReferenceImages.planes(path)
        return stride(from: 0, to: array.bytes.count, by: 3).map {
            RGBColor(array.bytes[$0], array.bytes[$0 + 1], array.bytes[$0 + 2])
        }
    }

    @Test("Dataset palettes and the generated colour map equal MMSeg's and ZegCLIP's lists")
    func palettes() throws {
        #expect(SegmentationDataset.pascalVOC.palette == (try Self.colors("palettes/voc21")))
        #expect(ClassPalette.generated(count: 256) == (try Self.colors("palettes/voc_colormap_256")))
        #expect(SegmentationDataset.cocoStuff.palette == (try Self.colors("palettes/mmseg_coco_stuff")))
        #expect(SegmentationDataset.zegCLIPCOCOStuff.palette == (try Self.colors("palettes/zegclip_coco_stuff")))
        #expect(SegmentationDataset.zegCLIPVOC20.palette == Array(try Self.colors("palettes/voc21").dropFirst()))
        for dataset in [SegmentationDataset.pascalVOC, .zegCLIPVOC20, .cocoStuff, .zegCLIPCOCOStuff] {
            #expect(dataset.classNames.count == dataset.palette.count)
        }
        #expect(SegmentationDataset.cocoStuff.classNames.count == 171)
        #expect(Set(ClassPalette.generated(count: 4096)).count == 4096)
        #expect(ClassPalette.extended(Array(SegmentationDataset.cocoStuff.palette.prefix(3)), toCount: 5).count == 5)
    }

    @Test("Blending equals MMSeg's show_result at opacity 0.5 and 0.3", arguments: [0.5, 0.3])
    func blend(_ opacity: Double) throws {
        let image = try ReferenceImages.rgb("sources/photo_37x23")
        let expected = try ReferenceImages.rgb("overlay/voc21_opacity_\(opacity)")
        let blended = try SegmentationOverlay.blend(
            image, labels: try labels(), palette: SegmentationDataset.pascalVOC.palette, opacity: opacity)
        #expect(blended == expected)
    }

    @Test("The rendered overlay carries a legend of the classes present, without the ignore label")
    func legend() throws {
        let image = try ReferenceImages.rgb("sources/photo_37x23")
        let labels = try labels()
        let dataset = SegmentationDataset.pascalVOC
        let rendered = try SegmentationOverlay.render(
            image, labels: labels, classNames: dataset.classNames, palette: dataset.palette)
        let blended = try SegmentationOverlay.blend(image, labels: labels, palette: dataset.palette)
        #expect(rendered.width > image.width && rendered.height >= image.height)
        // The left part is the blended image.
        for y in 0..<image.height { for x in 0..<image.width { #expect(rendered[x, y] == blended[x, y]) } }
        // Every present class's colour appears in the legend panel, and 255 adds no entry.
        let present = labels.presentLabels.filter { $0 < 21 }
        #expect(labels.presentLabels.contains(255))
        var legendColors = Set<RGBColor>()
        for y in 0..<rendered.height { for x in image.width..<rendered.width { legendColors.insert(rendered[x, y]) } }
        for label in present { #expect(legendColors.contains(dataset.palette[Int(label)])) }
        let panel = LegendRenderer().render(
            present.map { LegendRenderer.Entry(name: dataset.classNames[Int($0)], color: dataset.palette[Int($0)]) },
            height: image.height)
        #expect(panel.width == rendered.width - image.width)
    }

    @Test("Printable ASCII has 95 distinct glyphs; anything else draws as '?'")
    func font() throws {
        let font = BitmapFont.standard
        func draw(_ text: String) throws -> RGBImage {
            var canvas = try RGBImage(width: 20, height: 12, filledWith: RGBColor(255, 255, 255))
            font.draw(text, into: &canvas, x: 1, y: 1, color: RGBColor(0, 0, 0))
            return canvas
        }
        var seen = Set<[UInt8]>()
        for code in 33...126 { seen.insert(try draw(String(UnicodeScalar(UInt8(code)))).pixels) }
        #expect(seen.count == 94)  // the space draws nothing and is not counted
        #expect(try draw(" ") == (try RGBImage(width: 20, height: 12, filledWith: RGBColor(255, 255, 255))))
        #expect(try draw("é") == (try draw("?")))
        #expect(try draw("\u{7}") == (try draw("?")))
        #expect(try draw("👩‍👩‍👧") == (try draw("?")))
        #expect(font.codes(for: "a\u{301}b") == [UInt8(ascii: "?"), UInt8(ascii: "b")])
        #expect(font.width(of: "abc") == 17 && font.width(of: "abc", scale: 2) == 34 && font.width(of: "") == 0)
        // Drawing past the edges is clipped, not a crash.
        var small = try RGBImage(width: 3, height: 3, filledWith: RGBColor(0, 0, 0))
        font.draw("WWW", into: &small, x: -2, y: -4, color: RGBColor(9, 9, 9), scale: 3)
    }

    @Test("EXIF orientations turn images as Pillow's exif_transpose does", arguments: 1...8)
    func orientation(_ value: Int) throws {
        let stored = try ReferenceImages.decoded("jpeg/exif\(value).jpg", "pillow")
        let upright = try ReferenceImages.decoded("jpeg/exif\(value).jpg", "pillow_exif")
        let orientation = try #require(ImageOrientation(rawValue: value))
        #expect(orientation.applied(to: stored) == upright)
    }

    @Test("Pixel containers check their sizes")
    func containers() throws {
        #expect(throws: ImageProcessingError.self) { try RGBImage(width: 2, height: 2, pixels: [0, 0, 0]) }
        #expect(throws: ImageProcessingError.self) { try RGBImage(width: Int.max, height: 3, pixels: []) }
        #expect(throws: ImageProcessingError.self) { try LabelMap(width: 2, height: 1, labels: [1]) }
        #expect(throws: ImageProcessingError.self) { try PlanarImage(channels: 3, height: 1, width: 1, values: [0]) }
        let image = try ReferenceImages.rgb("sources/photo_37x23")
        #expect(throws: ImageProcessingError.self) { try image.cropped(top: 20, left: 0, width: 5, height: 5) }
        #expect(try image.cropped(top: 1, left: 2, width: 3, height: 4)[0, 0] == image[2, 1])
    }
}
