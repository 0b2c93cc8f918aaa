internal import CPNG
import ImageProcessing

/// Decodes PNG data with libpng (the only Swift that touches CPNG's decoder).
enum PNGReader {
    /// What IHDR declares, read by us from the first 33 bytes so that the budget is checked before
    /// libpng or we allocate anything; nil when the header is not there (libpng then says why).
    struct Header {
        var width: Int
        var height: Int
        var bitDepth: Int
        var colorType: Int
        var isInterlaced: Bool

        var samples: RawImage.Samples? { Self.samples(colorType: colorType) }

        init?(_ bytes: [UInt8]) {
            guard bytes.count >= 33, bytes[0..<8].elementsEqual(ImageFormat.pngSignature),
                ExifOrientationReader.bigEndian32(bytes, 8) == 13, bytes[12..<16].elementsEqual(Array("IHDR".utf8))
            else { return nil }
            width = Int(ExifOrientationReader.bigEndian32(bytes, 16))
            height = Int(ExifOrientationReader.bigEndian32(bytes, 20))
            bitDepth = Int(bytes[24])
            colorType = Int(bytes[25])
            isInterlaced = bytes[28] == 1
        }

        var info: ImageInfo.ColorModel {
            switch colorType {
            case 0: return .grey
            case 3: return .palette
            case 4: return .greyAlpha
            case 6: return .rgba
            default: return .rgb
            }
        }
    }

    static func decode(_ bytes: [UInt8], path: String, limits: ImagingLimits) throws(ImagingError) -> RawImage {
        if let header = Header(bytes), header.width > 0, header.height > 0 {
            let channels = header.samples?.channels ?? 4
            try limits.check(
                path: path, width: header.width, height: header.height,
                bytesPerPixel: channels * (header.bitDepth == 16 ? 2 : 1))
        }
        guard let decoder = cpng_decoder_create() else {
            throw .outOfMemory(path: path, format: "PNG", reason: "no memory for the decoder")
        }
        defer { cpng_decoder_destroy(decoder) }
        return try bytes.withUnsafeBufferPointer { (buffer) throws(ImagingError) -> RawImage in
            guard let base = buffer.baseAddress else { throw .truncated(path: path, format: "PNG") }
            let dimension = UInt32(clamping: limits.maxDimension)
            try check(
                cpng_read_header(
                    decoder, base, buffer.count, dimension, dimension, UInt32(clamping: limits.maxPNGCachedChunks),
                    limits.maxPNGChunkBytes),
                decoder, path: path)
            let width = Int(decoder.pointee.width), height = Int(decoder.pointee.height)
            let bitDepth = Int(decoder.pointee.bit_depth)
            guard let samples = Header.samples(colorType: Int(decoder.pointee.color_type)) else {
                throw .malformed(path: path, format: "PNG", reason: "colour type \(decoder.pointee.color_type)")
            }
            try limits.check(
                path: path, width: width, height: height,
                bytesPerPixel: samples.channels * (bitDepth == 16 ? 2 : 1))
            try check(cpng_prepare(decoder), decoder, path: path)
            let rowBytes = decoder.pointee.row_bytes
            let (total, overflow) = rowBytes.multipliedReportingOverflow(by: height)
            guard !overflow, total <= limits.maxDecodedBytes, rowBytes >= width * samples.channels else {
                throw .overBudget(path: path, width: width, height: height, reason: "rows of \(rowBytes) bytes")
            }
            var data = [UInt8](repeating: 0, count: total)
            let status = data.withUnsafeMutableBufferPointer { cpng_read_image(decoder, $0.baseAddress) }
            try check(status, decoder, path: path)
            var palette: [RGBColor] = []
            if samples == .palette {
                let count = Int(decoder.pointee.palette_count)
                withUnsafeBytes(of: decoder.pointee.palette) { raw in
                    for index in 0..<min(count, 256) {
                        palette.append(RGBColor(raw[index * 3], raw[index * 3 + 1], raw[index * 3 + 2]))
                    }
                }
            }
            return RawImage(
                width: width, height: height, samples: samples, bitDepth: bitDepth, rowBytes: rowBytes, data: data,
                palette: palette)
        }
    }

    private static func check(_ status: Int32, _ decoder: UnsafeMutablePointer<cpng_decoder>, path: String)
        throws(ImagingError)
    {
        guard Int(status) != CPNG_OK else { return }
        let message = withUnsafeBytes(of: decoder.pointee.context.message) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        switch status {
        case Int32(CPNG_TRUNCATED): throw .truncated(path: path, format: "PNG")
        case Int32(CPNG_NO_MEMORY):
            throw .outOfMemory(path: path, format: "PNG", reason: ImagingError.escaped(message))
        default: throw .malformed(path: path, format: "PNG", reason: ImagingError.escaped(message))
        }
    }
}

extension PNGReader.Header {
    static func samples(colorType: Int) -> RawImage.Samples? {
        switch colorType {
        case 0: return .grey
        case 2: return .rgb
        case 3: return .palette
        case 4: return .greyAlpha
        case 6: return .rgba
        default: return nil
        }
    }
}
