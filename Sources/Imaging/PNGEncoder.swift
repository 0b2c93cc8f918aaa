internal import CPNG
import ImageProcessing

/// Writes PNG files in memory with libpng (non-interlaced, default filters, zlib level 6). The caller
/// writes the bytes to disk (atomically).
public enum PNGEncoder {
    /// An 8-bit palette-indexed PNG whose pixel values are the labels (class indices), as MMSeg and the
    /// VOC annotations store label maps. Labels past the end of `palette` get black entries; labels above
    /// 255 cannot be stored this way (use `encodeGrey16`).
    public static func encodeIndexed(_ labels: LabelMap, palette: [RGBColor]) throws(ImagingError) -> [UInt8] {
        let largest = Int(labels.labels.max() ?? 0)
        guard largest <= 255 else {
            throw .invalidArgument(what: "label PNG", reason: "label \(largest) does not fit a 256-entry palette")
        }
        guard palette.count <= 256 else {
            throw .invalidArgument(what: "label PNG", reason: "\(palette.count) palette entries (at most 256)")
        }
        var entries = palette
        while entries.count <= largest { entries.append(RGBColor(0, 0, 0)) }
        var table = [UInt8]()
        table.reserveCapacity(entries.count * 3)
        for color in entries { table += [color.red, color.green, color.blue] }
        let pixels = labels.labels.map { UInt8(truncatingIfNeeded: $0) }
        return try encode(
            pixels, width: labels.width, height: labels.height, bitDepth: 8, colorType: 3, channels: 1,
            palette: table, what: "label PNG")
    }

    /// An 8-bit RGB PNG.
    public static func encode(_ image: RGBImage) throws(ImagingError) -> [UInt8] {
        try encode(
            image.pixels, width: image.width, height: image.height, bitDepth: 8, colorType: 2, channels: 3,
            what: "RGB PNG")
    }

    /// An 8-bit RGBA PNG from rows of R, G, B, A bytes.
    public static func encodeRGBA(width: Int, height: Int, pixels: [UInt8]) throws(ImagingError) -> [UInt8] {
        try encode(pixels, width: width, height: height, bitDepth: 8, colorType: 6, channels: 4, what: "RGBA PNG")
    }

    /// An 8-bit greyscale PNG.
    public static func encodeGrey(width: Int, height: Int, pixels: [UInt8]) throws(ImagingError) -> [UInt8] {
        try encode(pixels, width: width, height: height, bitDepth: 8, colorType: 0, channels: 1, what: "grey PNG")
    }

    /// A 16-bit greyscale PNG.
    public static func encodeGrey16(width: Int, height: Int, samples: [UInt16]) throws(ImagingError) -> [UInt8] {
        var bytes = [UInt8]()
        bytes.reserveCapacity(samples.count * 2)
        for sample in samples { bytes += [UInt8(sample >> 8), UInt8(sample & 0xFF)] }
        return try encode(
            bytes, width: width, height: height, bitDepth: 16, colorType: 0, channels: 2, what: "16-bit grey PNG")
    }

    /// `channels` counts bytes per pixel here.
    private static func encode(
        _ pixels: [UInt8], width: Int, height: Int, bitDepth: Int32, colorType: Int32, channels: Int,
        palette: [UInt8] = [], what: String
    ) throws(ImagingError) -> [UInt8] {
        guard width > 0, height > 0, width <= Int(Int32.max), height <= Int(Int32.max) else {
            throw .invalidArgument(what: what, reason: "size \(width)×\(height)")
        }
        let (rowBytes, overflowRow) = width.multipliedReportingOverflow(by: channels)
        let (total, overflow) = rowBytes.multipliedReportingOverflow(by: height)
        guard !overflowRow, !overflow, pixels.count == total else {
            throw .invalidArgument(what: what, reason: "\(pixels.count) bytes for \(width)×\(height)×\(channels)")
        }
        guard let encoder = cpng_encoder_create() else {
            throw .encodeFailed(what: what, reason: "no memory for the encoder")
        }
        defer { cpng_encoder_destroy(encoder) }
        let status = pixels.withUnsafeBufferPointer { pixelBuffer in
            palette.withUnsafeBufferPointer { paletteBuffer in
                cpng_encode(
                    encoder, pixelBuffer.baseAddress, UInt32(width), UInt32(height), bitDepth, colorType, rowBytes,
                    paletteBuffer.baseAddress, Int32(palette.count / 3), 6)
            }
        }
        guard Int(status) == CPNG_OK, let data = encoder.pointee.data else {
            let message = withUnsafeBytes(of: encoder.pointee.context.message) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            throw .encodeFailed(what: what, reason: ImagingError.escaped(message))
        }
        return [UInt8](UnsafeBufferPointer(start: data, count: encoder.pointee.size))
    }
}
