import ImageProcessing

/// Finds the EXIF block of a PNG or JPEG and reads its orientation, with our own bounded parsers
/// (no library sees the metadata): every offset is checked against the data before it is read, loops
/// are bounded by the data's length, nothing recurses.
///
/// Where the block is looked for, as Pillow and OpenCV do: the first APP1 segment starting
/// `Exif\0\0` before the first scan of a JPEG; the first `eXIf` chunk of a PNG, before or after the
/// image data (an `Exif\0\0` prefix inside it is skipped). Only IFD0's Orientation tag (0x0112) of
/// type SHORT and count 1 with a value 1–8 counts; anything else reads as `.up`. Orientation given only
/// in XMP, or in ImageMagick's "Raw profile type exif" text chunk, is not read (Pillow's
/// `exif_transpose` reads those, OpenCV does not).
enum ExifOrientationReader {
    static func orientation(format: ImageFormat, bytes: [UInt8]) -> ImageOrientation {
        let block: ArraySlice<UInt8>?
        switch format {
        case .png: block = pngExifBlock(bytes)
        case .jpeg: block = jpegExifBlock(bytes)
        default: block = nil
        }
        guard let block else { return .up }
        return orientation(tiff: block)
    }

    /// The TIFF structure inside the first `Exif\0\0` APP1 segment before the first scan.
    static func jpegExifBlock(_ bytes: [UInt8]) -> ArraySlice<UInt8>? {
        guard bytes.count >= 4, bytes[0] == 0xFF, bytes[1] == 0xD8 else { return nil }
        let exifHeader: [UInt8] = [0x45, 0x78, 0x69, 0x66, 0x00, 0x00]  // "Exif\0\0"
        var position = 2
        while position < bytes.count {
            // Skip junk up to a marker, then fill bytes.
            guard bytes[position] == 0xFF else {
                position += 1
                continue
            }
            while position < bytes.count && bytes[position] == 0xFF { position += 1 }
            guard position < bytes.count else { return nil }
            let marker = bytes[position]
            position += 1
            if marker == 0xD8 || marker == 0x01 || (0xD0...0xD7).contains(marker) { continue }
            if marker == 0xDA || marker == 0xD9 { return nil }  // start of scan, end of image
            guard position + 2 <= bytes.count else { return nil }
            let length = Int(bytes[position]) << 8 | Int(bytes[position + 1])
            guard length >= 2, length <= bytes.count - position else { return nil }
            let start = position + 2, end = position + length
            if marker == 0xE1, end - start >= exifHeader.count,
                bytes[start..<(start + exifHeader.count)].elementsEqual(exifHeader)
            {
                return bytes[(start + exifHeader.count)..<end]
            }
            position = end
        }
        return nil
    }

    /// The data of the first `eXIf` chunk.
    static func pngExifBlock(_ bytes: [UInt8]) -> ArraySlice<UInt8>? {
        guard bytes.count >= 8, bytes[0..<8].elementsEqual(ImageFormat.pngSignature) else { return nil }
        let exifType: [UInt8] = Array("eXIf".utf8), endType: [UInt8] = Array("IEND".utf8)
        let exifHeader: [UInt8] = [0x45, 0x78, 0x69, 0x66, 0x00, 0x00]
        var position = 8
        while position <= bytes.count - 12 {
            let length = Int(bigEndian32(bytes, position))
            let type = bytes[(position + 4)..<(position + 8)]
            let start = position + 8
            guard length <= bytes.count - start - 4 else { return nil }
            if type.elementsEqual(exifType) {
                var data = bytes[start..<(start + length)]
                if data.count >= exifHeader.count && data.prefix(exifHeader.count).elementsEqual(exifHeader) {
                    data = data.dropFirst(exifHeader.count)
                }
                return data
            }
            if type.elementsEqual(endType) { return nil }
            position = start + length + 4
        }
        return nil
    }

    /// The Orientation of IFD0 of a TIFF structure ("II*\0" or "MM\0*" header).
    static func orientation(tiff: ArraySlice<UInt8>) -> ImageOrientation {
        let data = Array(tiff)
        guard data.count >= 8 else { return .up }
        let isLittleEndian: Bool
        if data[0] == 0x49 && data[1] == 0x49 {
            isLittleEndian = true
        } else if data[0] == 0x4D && data[1] == 0x4D {
            isLittleEndian = false
        } else {
            return .up
        }
        func read16(_ offset: Int) -> Int? {
            guard offset >= 0, offset <= data.count - 2 else { return nil }
            let (a, b) = (Int(data[offset]), Int(data[offset + 1]))
            return isLittleEndian ? a | b << 8 : a << 8 | b
        }
        func read32(_ offset: Int) -> Int? {
            guard let first = read16(offset), let second = read16(offset + 2) else { return nil }
            return isLittleEndian ? first | second << 16 : first << 16 | second
        }
        guard read16(2) == 42, let directory = read32(4), let entryCount = read16(directory) else { return .up }
        for index in 0..<entryCount {
            let entry = directory + 2 + index * 12
            guard let tag = read16(entry) else { return .up }
            guard tag == 0x0112 else { continue }
            guard read16(entry + 2) == 3, read32(entry + 4) == 1, let value = read16(entry + 8) else { return .up }
            return ImageOrientation(rawValue: value) ?? .up
        }
        return .up
    }

    static func bigEndian32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8
            | UInt32(bytes[offset + 3])
    }
}
