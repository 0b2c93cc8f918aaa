import ImageProcessing

/// What a file declares, read without decoding its pixels.
public struct ImageInfo: Sendable, Equatable {
    public enum ColorModel: String, Sendable {
        case grey, greyAlpha = "grey+alpha", rgb, rgba, palette, cmyk, ycck
    }

    public var format: ImageFormat
    /// Stored size (before any orientation is applied).
    public var width: Int
    public var height: Int
    public var colorModel: ColorModel
    /// Bits per sample (1, 2, 4, 8 or 16 for PNG; 8 or 12 for JPEG).
    public var bitDepth: Int
    /// Adam7 interlacing (PNG) or progressive scans (JPEG).
    public var isInterlaced: Bool
    /// The EXIF orientation (`.up` when the file has none).
    public var orientation: ImageOrientation
}
