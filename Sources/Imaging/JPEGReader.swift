internal import CJPEG
import ImageProcessing

/// Decodes JPEG data with libjpeg-turbo (the only Swift that touches CJPEG).
enum JPEGReader {
    struct Header {
        var width: Int
        var height: Int
        var components: Int
        var colorModel: ImageInfo.ColorModel
        var precision: Int
        var isProgressive: Bool
    }

    /// Reads the markers up to the first scan.
    static func header(_ bytes: [UInt8], path: String, limits: ImagingLimits) throws(ImagingError) -> Header {
        try withDecoder(bytes, path: path, limits: limits) { (decoder) throws(ImagingError) -> Header in
            try header(of: decoder, path: path)
        }
    }

    static func decode(_ bytes: [UInt8], path: String, limits: ImagingLimits) throws(ImagingError) -> RawImage {
        try withDecoder(bytes, path: path, limits: limits) { (decoder) throws(ImagingError) -> RawImage in
            let header = try header(of: decoder, path: path)
            guard header.precision == 8 else {
                throw .unsupportedEncoding(
                    path: path, format: "JPEG", reason: "\(header.precision)-bit samples (only 8-bit JPEG is read)")
            }
            let samples: RawImage.Samples
            let colorSpace: Int32
            switch header.components {
            case 1: (samples, colorSpace) = (.grey, cjpeg_color_space_grayscale())
            case 3: (samples, colorSpace) = (.rgb, cjpeg_color_space_rgb())
            case 4: (samples, colorSpace) = (.cmyk, cjpeg_color_space_cmyk())
            default:
                throw .unsupportedEncoding(
                    path: path, format: "JPEG", reason: "\(header.components) colour components")
            }
            try limits.check(path: path, width: header.width, height: header.height, bytesPerPixel: samples.channels)
            try checkCoefficientMemory(decoder, header, path: path, limits: limits)
            try check(cjpeg_start(decoder, colorSpace), decoder, path: path)
            let width = Int(cjpeg_output_width(decoder)), height = Int(cjpeg_output_height(decoder))
            guard width == header.width, height == header.height,
                Int(cjpeg_output_components(decoder)) == samples.channels
            else {
                throw .malformed(path: path, format: "JPEG", reason: "libjpeg changed the output size")
            }
            let rowBytes = width * samples.channels
            var data = [UInt8](repeating: 0, count: rowBytes * height)
            let status = data.withUnsafeMutableBufferPointer { cjpeg_read_image(decoder, $0.baseAddress, rowBytes) }
            try check(status, decoder, path: path)
            return RawImage(
                width: width, height: height, samples: samples, bitDepth: 8, rowBytes: rowBytes, data: data)
        }
    }

    /// Runs `body` on a decoder whose header has been read; the input stays pinned throughout.
    private static func withDecoder<Result>(
        _ bytes: [UInt8], path: String, limits: ImagingLimits,
        _ body: (UnsafeMutablePointer<cjpeg_decoder>) throws(ImagingError) -> Result
    ) throws(ImagingError) -> Result {
        guard let decoder = cjpeg_decoder_create() else {
            throw .outOfMemory(path: path, format: "JPEG", reason: "no memory for the decoder")
        }
        defer { cjpeg_decoder_destroy(decoder) }
        return try bytes.withUnsafeBufferPointer { (buffer) throws(ImagingError) -> Result in
            guard let base = buffer.baseAddress else { throw .truncated(path: path, format: "JPEG") }
            try check(
                cjpeg_read_header(
                    decoder, base, UInt(buffer.count), Int(clamping: limits.maxJPEGMemoryBytes),
                    Int32(clamping: limits.maxJPEGScans)),
                decoder, path: path)
            return try body(decoder)
        }
    }

    /// A multi-scan file is decoded from whole-image coefficient buffers (64 coefficients of 2 bytes per
    /// 8×8 block and component); their size, bounded from above ignoring subsampling, must fit
    /// `maxJPEGMemoryBytes` before libjpeg allocates them.
    private static func checkCoefficientMemory(
        _ decoder: UnsafeMutablePointer<cjpeg_decoder>, _ header: Header, path: String, limits: ImagingLimits
    ) throws(ImagingError) {
        let multipleScans = cjpeg_has_multiple_scans(decoder)
        try check(multipleScans < 0 ? Int32(CJPEG_FAILED) : Int32(CJPEG_OK), decoder, path: path)
        guard multipleScans == 1 else { return }
        let (blocks, overflow) = (header.width / 8 + 2).multipliedReportingOverflow(by: header.height / 8 + 2)
        let (bytes, overflowBytes) = blocks.multipliedReportingOverflow(by: header.components * 128)
        guard !overflow, !overflowBytes, bytes <= limits.maxJPEGMemoryBytes else {
            throw .overBudget(
                path: path, width: header.width, height: header.height,
                reason: "its scans need about \(bytes) bytes of coefficient buffers, over \(limits.maxJPEGMemoryBytes)")
        }
    }

    private static func header(of decoder: UnsafeMutablePointer<cjpeg_decoder>, path: String) throws(ImagingError)
        -> Header
    {
        let space = cjpeg_color_space(decoder)
        let model: ImageInfo.ColorModel
        switch space {
        case cjpeg_color_space_grayscale(): model = .grey
        case cjpeg_color_space_cmyk(): model = .cmyk
        case cjpeg_color_space_ycck(): model = .ycck
        default: model = .rgb
        }
        return Header(
            width: Int(cjpeg_image_width(decoder)), height: Int(cjpeg_image_height(decoder)),
            components: Int(cjpeg_components(decoder)), colorModel: model, precision: Int(cjpeg_precision(decoder)),
            isProgressive: cjpeg_is_progressive(decoder) != 0)
    }

    private static func check(_ status: Int32, _ decoder: UnsafeMutablePointer<cjpeg_decoder>, path: String)
        throws(ImagingError)
    {
        guard Int(status) != CJPEG_OK else { return }
        let message = withUnsafeBytes(of: decoder.pointee.message) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        switch Int(status) {
        case CJPEG_TRUNCATED: throw .truncated(path: path, format: "JPEG")
        case CJPEG_NO_MEMORY: throw .outOfMemory(path: path, format: "JPEG", reason: ImagingError.escaped(message))
        case CJPEG_UNSUPPORTED:
            throw .unsupportedEncoding(path: path, format: "JPEG", reason: ImagingError.escaped(message))
        case CJPEG_TOO_MANY_SCANS:
            throw .overBudget(
                path: path, width: Int(cjpeg_image_width(decoder)), height: Int(cjpeg_image_height(decoder)),
                reason: ImagingError.escaped(message))
        default: throw .malformed(path: path, format: "JPEG", reason: ImagingError.escaped(message))
        }
    }
}
