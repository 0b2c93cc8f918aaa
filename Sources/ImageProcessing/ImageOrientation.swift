/// The EXIF orientation of stored pixels (TIFF tag 0x0112, values 1–8): how the stored image must be
/// flipped or turned to display upright.
///
/// `applied(to:)` performs the same transform as Pillow's `ImageOps.exif_transpose` (method table
/// 2 FLIP_LEFT_RIGHT, 3 ROTATE_180, 4 FLIP_TOP_BOTTOM, 5 TRANSPOSE, 6 ROTATE_270, 7 TRANSVERSE,
/// 8 ROTATE_90) and OpenCV's `imread` orientation handling, which agree.
public enum ImageOrientation: Int, Sendable, CaseIterable {
    case up = 1
    case upMirrored = 2
    case down = 3
    case downMirrored = 4
    case leftMirrored = 5
    case right = 6
    case rightMirrored = 7
    case left = 8

    /// True for the four orientations that exchange width and height.
    public var swapsAxes: Bool { rawValue >= 5 }

    /// The upright image.
    public func applied(to image: RGBImage) -> RGBImage {
        if self == .up { return image }
        let width = image.width, height = image.height
        let outputWidth = swapsAxes ? height : width
        let outputHeight = swapsAxes ? width : height
        var output = [UInt8](repeating: 0, count: image.pixels.count)
        image.pixels.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                for y in 0..<outputHeight {
                    for x in 0..<outputWidth {
                        let (sourceX, sourceY) = sourceCoordinate(x: x, y: y, width: width, height: height)
                        let from = (sourceY * width + sourceX) * 3
                        let to = (y * outputWidth + x) * 3
                        target[to] = source[from]
                        target[to + 1] = source[from + 1]
                        target[to + 2] = source[from + 2]
                    }
                }
            }
        }
        return RGBImage(unchecked: outputWidth, outputHeight, output)
    }

    /// Where output pixel (x, y) comes from in a stored image of `width × height`.
    private func sourceCoordinate(x: Int, y: Int, width: Int, height: Int) -> (Int, Int) {
        switch self {
        case .up: return (x, y)
        case .upMirrored: return (width - 1 - x, y)
        case .down: return (width - 1 - x, height - 1 - y)
        case .downMirrored: return (x, height - 1 - y)
        case .leftMirrored: return (y, x)
        case .right: return (y, height - 1 - x)
        case .rightMirrored: return (width - 1 - y, height - 1 - x)
        case .left: return (width - 1 - y, x)
        }
    }
}
