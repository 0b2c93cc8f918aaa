import Foundation
import ImageProcessing
import TensorCore

/// Reads PNG and JPEG files into pixels exactly as a chosen Python library does (`DecodeProfile`).
///
/// The format comes from the first bytes, never the file name. Every size the file declares is
/// checked against `ImagingLimits` before a pixel buffer is allocated; corrupt, truncated and
/// unsupported files throw `ImagingError` with one line naming the file.
public enum ImageDecoder {
    /// Decodes the image at `path` to 8-bit RGB.
    public static func decode(path: String, profile: DecodeProfile, limits: ImagingLimits = .default)
        throws(ImagingError) -> RGBImage
    {
        try decode(bytes: try readFile(path: path, limits: limits), name: path, profile: profile, limits: limits)
    }

    /// Decodes image bytes to 8-bit RGB; `name` only labels errors (a path, or a fuzzer's input name).
    public static func decode(
        bytes: [UInt8], name: String, profile: DecodeProfile, limits: ImagingLimits = .default
    ) throws(ImagingError) -> RGBImage {
        let format = try supportedFormat(bytes, name: name)
        let raw: RawImage
        switch format {
        case .png: raw = try PNGReader.decode(bytes, path: name, limits: limits)
        default: raw = try JPEGReader.decode(bytes, path: name, limits: limits)
        }
        let image = raw.rgb(profile: profile)
        guard profile.appliesOrientation else { return image }
        return ExifOrientationReader.orientation(format: format, bytes: bytes).applied(to: image)
    }

    /// What the file at `path` declares, without decoding pixels.
    public static func info(path: String, limits: ImagingLimits = .default) throws(ImagingError) -> ImageInfo {
        try info(bytes: try readFile(path: path, limits: limits), name: path, limits: limits)
    }

    /// What `bytes` declare, without decoding pixels.
    public static func info(bytes: [UInt8], name: String, limits: ImagingLimits = .default) throws(ImagingError)
        -> ImageInfo
    {
        let format = try supportedFormat(bytes, name: name)
        let orientation = ExifOrientationReader.orientation(format: format, bytes: bytes)
        if format == .png {
            guard let header = PNGReader.Header(bytes) else {
                throw .malformed(path: name, format: "PNG", reason: "no valid IHDR chunk at the start")
            }
            return ImageInfo(
                format: .png, width: header.width, height: header.height, colorModel: header.info,
                bitDepth: header.bitDepth, isInterlaced: header.isInterlaced, orientation: orientation)
        }
        let header = try JPEGReader.header(bytes, path: name, limits: limits)
        return ImageInfo(
            format: .jpeg, width: header.width, height: header.height, colorModel: header.colorModel,
            bitDepth: header.precision, isInterlaced: header.isProgressive, orientation: orientation)
    }

    /// Reads a segmentation annotation at `path`; see `decodeLabels(bytes:name:limits:)`.
    public static func decodeLabels(path: String, limits: ImagingLimits = .default) throws(ImagingError) -> LabelMap {
        try decodeLabels(bytes: try readFile(path: path, limits: limits), name: path, limits: limits)
    }

    /// Reads a segmentation annotation as MMSeg's `LoadAnnotations` sees it
    /// (`mmcv.imfrombytes(flag="unchanged", backend="pillow")`, i.e. `numpy.array(Image.open(...))`):
    /// palette PNGs give their indices, greyscale PNGs their values (1-bit as 0/1, 2- and 4-bit scaled to
    /// 0–255 as Pillow's "L;2"/"L;4" modes do, 16-bit unchanged; MMSeg then casts to uint8). No EXIF
    /// orientation is applied. Colour PNGs and JPEGs are refused.
    public static func decodeLabels(bytes: [UInt8], name: String, limits: ImagingLimits = .default)
        throws(ImagingError) -> LabelMap
    {
        let format = try supportedFormat(bytes, name: name)
        guard format == .png else {
            throw .unsupportedEncoding(path: name, format: "JPEG", reason: "a label map must be a PNG (JPEG is lossy)")
        }
        let raw = try PNGReader.decode(bytes, path: name, limits: limits)
        guard raw.samples == .palette || raw.samples == .grey else {
            throw .unsupportedEncoding(
                path: name, format: "PNG", reason: "a label map must be palette or greyscale, not \(raw.samples)")
        }
        var labels = [UInt16](repeating: 0, count: raw.width * raw.height)
        let scale = raw.samples == .palette ? 1 : raw.bitDepth == 2 ? 85 : raw.bitDepth == 4 ? 17 : 1
        for y in 0..<raw.height {
            for x in 0..<raw.width {
                let value: Int
                if raw.bitDepth == 16 {
                    let offset = y * raw.rowBytes + x * 2
                    value = Int(raw.data[offset]) << 8 | Int(raw.data[offset + 1])
                } else {
                    value = Int(raw.data[y * raw.rowBytes + x]) * scale
                }
                labels[y * raw.width + x] = UInt16(value)
            }
        }
        do {
            return try LabelMap(width: raw.width, height: raw.height, labels: labels)
        } catch {
            throw .malformed(path: name, format: "PNG", reason: error.description)
        }
    }

    /// The whole file, refused if it is larger than `limits.maxFileBytes`, or is a folder, FIFO or device.
    public static func readFile(path: String, limits: ImagingLimits = .default) throws(ImagingError) -> [UInt8] {
        switch RegularFile.contents(path: path, limit: limits.maxFileBytes) {
        case .success(let bytes): return bytes
        case .failure(.tooLarge(let size, let limit)):
            throw .unreadable(path: path, reason: "\(size) bytes exceed the \(limit)-byte file budget")
        case .failure(let failure): throw .unreadable(path: path, reason: failure.reason)
        }
    }

    private static func supportedFormat(_ bytes: [UInt8], name: String) throws(ImagingError) -> ImageFormat {
        guard let format = ImageFormat.sniff(bytes) else { throw .notAnImage(path: name) }
        guard format.isSupported else { throw .unsupportedFormat(path: name, format: format.rawValue) }
        return format
    }
}
