import ImageProcessing

/// Decoded samples in the file's own layout, before conversion to RGB: rows of `rowBytes`, samples
/// of 1, 2 and 4 bits unpacked to one byte each (unscaled), 16-bit samples big-endian.
struct RawImage {
    enum Samples: Equatable {
        case grey, greyAlpha, rgb, rgba, palette, cmyk

        var channels: Int {
            switch self {
            case .grey, .palette: return 1
            case .greyAlpha: return 2
            case .rgb: return 3
            case .rgba, .cmyk: return 4
            }
        }
    }

    var width: Int
    var height: Int
    var samples: Samples
    /// Declared bits per sample (1, 2, 4, 8 or 16).
    var bitDepth: Int
    var rowBytes: Int
    var data: [UInt8]
    /// PLTE entries of a palette image.
    var palette: [RGBColor] = []

    /// The RGB image `profile`'s library gives (see `DecodeProfile` for the rules).
    func rgb(profile: DecodeProfile) -> RGBImage {
        var output = [UInt8](repeating: 0, count: width * height * 3)
        let bytesPerSample = bitDepth == 16 ? 2 : 1
        let channels = samples.channels
        // Pillow unpacks 1/2/4-bit grey ("1", "L;2", "L;4") and libpng expands it to 8 bits the same
        // way: v × 255 / (2^bits − 1).
        let greyScale: Int = bitDepth == 1 ? 255 : bitDepth == 2 ? 85 : bitDepth == 4 ? 17 : 1
        var lookup = [RGBColor](repeating: RGBColor(0, 0, 0), count: 256)
        for (index, color) in palette.prefix(256).enumerated() { lookup[index] = color }
        data.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                for y in 0..<height {
                    let row = y * rowBytes
                    var out = y * width * 3
                    for x in 0..<width {
                        let sample = row + x * channels * bytesPerSample
                        var red: UInt8, green: UInt8, blue: UInt8
                        switch samples {
                        case .grey:
                            let value: UInt8
                            if bytesPerSample == 2 {
                                let high = source[sample], low = source[sample + 1]
                                // Pillow opens 16-bit grey as "I;16" and clips it to 255 on convert("RGB");
                                // OpenCV strips the low byte.
                                value = profile == .opencv ? high : (high == 0 ? low : 255)
                            } else {
                                value = UInt8(truncatingIfNeeded: Int(source[sample]) * greyScale)
                            }
                            (red, green, blue) = (value, value, value)
                        case .greyAlpha:
                            let value = source[sample]
                            (red, green, blue) = (value, value, value)
                        case .rgb, .rgba:
                            (red, green, blue) = (
                                source[sample], source[sample + bytesPerSample], source[sample + 2 * bytesPerSample]
                            )
                        case .palette:
                            let color = lookup[Int(source[sample])]
                            (red, green, blue) = (color.red, color.green, color.blue)
                        case .cmyk:
                            (red, green, blue) = Self.cmykToRGB(
                                source[sample], source[sample + 1], source[sample + 2], source[sample + 3],
                                profile: profile)
                        }
                        target[out] = red
                        target[out + 1] = green
                        target[out + 2] = blue
                        out += 3
                    }
                }
            }
        }
        return RGBImage(unchecked: width, height, output)
    }

    /// CMYK as libjpeg returns it (Adobe files store it inverted) to RGB.
    static func cmykToRGB(_ c: UInt8, _ m: UInt8, _ y: UInt8, _ k: UInt8, profile: DecodeProfile) -> (
        UInt8, UInt8, UInt8
    ) {
        let key = Int(k)
        switch profile {
        case .opencv:
            // OpenCV grfmt utils `icvCvt_CMYK2BGR_8u_C4C3R`: c = k − ((255 − c)·k >> 8).
            // Swift's >> binds tighter than *, so the C expression is parenthesised in full.
            func channel(_ value: UInt8) -> UInt8 { UInt8(key - (((255 - Int(value)) * key) >> 8)) }
            return (channel(c), channel(m), channel(y))
        case .pillow, .pillowExifTransposed:
            // Pillow reads CMYK JPEGs as "CMYK;I" (inverted, "assume adobe conventions"), then
            // Convert.c `cmyk2rgb`: out = clip(nk − MULDIV255(c, nk)) with nk = 255 − k.
            let nk = key  // 255 − (255 − k)
            func channel(_ value: UInt8) -> UInt8 {
                let inverted = 255 - Int(value)
                let product = inverted * nk + 128
                let scaled = ((product >> 8) + product) >> 8
                return UInt8(clamping: nk - scaled)
            }
            return (channel(c), channel(m), channel(y))
        }
    }
}
