/// Budgets that keep a hostile or corrupt image from exhausting memory or time.
///
/// Sizes declared by a file are checked against these before any pixel buffer is allocated; libpng's
/// user limits and chunk limits and libjpeg's memory cap and a progressive scan cap stop the libraries
/// themselves from allocating or looping beyond them.
public struct ImagingLimits: Sendable, Equatable {
    /// Largest file read into memory.
    public var maxFileBytes: Int = 1 << 30
    /// Width × height (2^28: 16384 × 16384).
    public var maxPixels: Int = 1 << 28
    /// Largest width or height.
    public var maxDimension: Int = 1 << 17
    /// Bytes of any one pixel buffer: the decoder's (width × height × channels × bytes per sample)
    /// and the RGB result.
    public var maxDecodedBytes: Int = 1 << 30
    /// Ancillary PNG chunks kept by libpng (`png_set_chunk_cache_max`).
    public var maxPNGCachedChunks: Int = 1000
    /// Bytes libpng may allocate for one chunk, decompressed text and ICC profiles included
    /// (`png_set_chunk_malloc_max`).
    public var maxPNGChunkBytes: Int = 8 << 20
    /// Memory for libjpeg's whole-image coefficient buffers (progressive and other multi-scan files):
    /// our estimate is checked before decoding starts, and libjpeg-turbo 3 enforces it itself.
    public var maxJPEGMemoryBytes: Int = 1 << 31
    /// Scans of one progressive JPEG.
    public var maxJPEGScans: Int = 1000

    public init() {}

    public static let `default` = ImagingLimits()

    /// Refuses a declared size beyond the budgets; `bytesPerPixel` is the decoder buffer's.
    func check(path: String, width: Int, height: Int, bytesPerPixel: Int) throws(ImagingError) {
        guard width > 0, height > 0 else {
            throw .malformed(path: path, format: "image", reason: "declared size \(width)×\(height)")
        }
        guard width <= maxDimension, height <= maxDimension else {
            throw .overBudget(path: path, width: width, height: height, reason: "a side exceeds \(maxDimension) pixels")
        }
        let (pixels, overflow) = width.multipliedReportingOverflow(by: height)
        guard !overflow, pixels <= maxPixels else {
            throw .overBudget(path: path, width: width, height: height, reason: "more than \(maxPixels) pixels")
        }
        let (bytes, overflowBytes) = pixels.multipliedReportingOverflow(by: max(bytesPerPixel, 3))
        guard !overflowBytes, bytes <= maxDecodedBytes else {
            throw .overBudget(
                path: path, width: width, height: height,
                reason: "\(max(bytesPerPixel, 3)) bytes per pixel exceed the \(maxDecodedBytes)-byte buffer budget")
        }
    }
}
