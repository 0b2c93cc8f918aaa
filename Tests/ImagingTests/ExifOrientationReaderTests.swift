import ImageProcessing
import Testing

@testable import Imaging

/// Our bounded TIFF/EXIF parser on hand-built blocks, well-formed and not.
@Suite("EXIF orientation parser")
struct ExifOrientationReaderTests {
    /// A TIFF header plus IFD0 with one entry.
    func tiff(littleEndian: Bool = true, tag: UInt16 = 0x0112, type: UInt16 = 3, count: UInt32 = 1, value: UInt16)
        -> [UInt8]
    {
        func u16(_ v: UInt16) -> [UInt8] {
            littleEndian ? [UInt8(v & 0xFF), UInt8(v >> 8)] : [UInt8(v >> 8), UInt8(v & 0xFF)]
        }
        func u32(_ v: UInt32) -> [UInt8] {
            let bytes = [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)]
            return littleEndian ? bytes.reversed() : bytes
        }
        let header: [UInt8] = (littleEndian ? [0x49, 0x49] : [0x4D, 0x4D]) + u16(42) + u32(8)
        return header + u16(1) + u16(tag) + u16(type) + u32(count) + u16(value) + [0, 0] + u32(0)
    }

    @Test("Orientation 1–8 in both byte orders")
    func wellFormed() {
        for value in 1...8 {
            for littleEndian in [true, false] {
                let orientation = ExifOrientationReader.orientation(
                    tiff: tiff(littleEndian: littleEndian, value: UInt16(value))[...])
                #expect(orientation.rawValue == value)
            }
        }
    }

    @Test("Anything else reads as upright")
    func malformed() {
        #expect(ExifOrientationReader.orientation(tiff: tiff(value: 0)[...]) == .up)
        #expect(ExifOrientationReader.orientation(tiff: tiff(value: 9)[...]) == .up)
        #expect(ExifOrientationReader.orientation(tiff: tiff(type: 4, value: 6)[...]) == .up)  // LONG
        #expect(ExifOrientationReader.orientation(tiff: tiff(count: 2, value: 6)[...]) == .up)
        #expect(ExifOrientationReader.orientation(tiff: tiff(tag: 0x0110, value: 6)[...]) == .up)
        let good = tiff(value: 6)
        for length in 0..<20 {  // every truncation before the value (bytes 18–19) is complete
            #expect(ExifOrientationReader.orientation(tiff: good.prefix(length)) == .up)
        }
        #expect(ExifOrientationReader.orientation(tiff: good.prefix(20)) == .right)
        var farDirectory = good
        farDirectory[4] = 0xF0  // IFD0 offset past the end
        #expect(ExifOrientationReader.orientation(tiff: farDirectory[...]) == .up)
        var manyEntries = good
        manyEntries[8] = 0xFF
        manyEntries[9] = 0xFF  // 65535 entries declared, one present: the others lie outside the data
        #expect(ExifOrientationReader.orientation(tiff: manyEntries[...]) == .right)
        #expect(ExifOrientationReader.orientation(tiff: Array("not a tiff".utf8)[...]) == .up)
    }

    @Test("JPEG: the first Exif APP1 before the scan counts; one after the scan does not")
    func jpegSegments() {
        let exif = Array("Exif".utf8) + [0, 0] + tiff(value: 8)
        func segment(_ marker: UInt8, _ payload: [UInt8]) -> [UInt8] {
            [0xFF, marker, UInt8((payload.count + 2) >> 8), UInt8((payload.count + 2) & 0xFF)] + payload
        }
        let xmp = segment(0xE1, Array("http://ns.adobe.com/xap/1.0/\0<x/>".utf8))
        let before = [0xFF, 0xD8] + xmp + segment(0xE1, exif) + segment(0xDA, [0, 0]) + [0xFF, 0xD9]
        #expect(ExifOrientationReader.orientation(format: .jpeg, bytes: before) == .left)
        let after = [0xFF, 0xD8] + segment(0xDA, [0, 0]) + segment(0xE1, exif) + [0xFF, 0xD9]
        #expect(ExifOrientationReader.orientation(format: .jpeg, bytes: after) == .up)
        let lying = [0xFF, 0xD8, 0xFF, 0xE1, 0xFF, 0xFF] + exif  // length past the end
        #expect(ExifOrientationReader.orientation(format: .jpeg, bytes: lying) == .up)
    }

    @Test("PNG: an eXIf chunk with or without an Exif\\0\\0 prefix")
    func pngChunks() {
        func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
            let length = UInt32(data.count)
            return [UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)]
                + Array(type.utf8) + data + [0, 0, 0, 0]
        }
        let signature = ImageFormat.pngSignature
        let plain = signature + chunk("IHDR", [UInt8](repeating: 1, count: 13)) + chunk("eXIf", tiff(value: 3))
        #expect(ExifOrientationReader.orientation(format: .png, bytes: plain + chunk("IEND", [])) == .down)
        let prefixed = signature + chunk("eXIf", Array("Exif".utf8) + [0, 0] + tiff(value: 5)) + chunk("IEND", [])
        #expect(ExifOrientationReader.orientation(format: .png, bytes: prefixed) == .leftMirrored)
        let afterEnd = signature + chunk("IEND", []) + chunk("eXIf", tiff(value: 3))
        #expect(ExifOrientationReader.orientation(format: .png, bytes: afterEnd) == .up)
        var lying = plain
        lying[8 + 25 + 3] = 0xFF  // eXIf length past the end
        #expect(ExifOrientationReader.orientation(format: .png, bytes: lying) == .up)
    }
}
