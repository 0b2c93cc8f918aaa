/// A small embedded bitmap font for legends: printable ASCII in 5×9-pixel glyphs on a 6×11 grid.
/// Anything else (control characters, non-ASCII) is drawn as '?', one per character.
public struct BitmapFont: Sendable {
    /// The project's own 5×9 font.
    public static let standard = BitmapFont()

    public let glyphWidth = 5
    public let glyphHeight = 9
    /// Horizontal distance between the origins of neighbouring characters.
    public let advance = 6
    /// Vertical distance between lines of text.
    public let lineHeight = 11

    /// The ASCII code drawn for each character of `text`.
    public func codes(for text: String) -> [UInt8] {
        text.map { character in
            guard character.unicodeScalars.count == 1, let scalar = character.unicodeScalars.first,
                scalar.value >= 32, scalar.value <= 126
            else { return UInt8(ascii: "?") }
            return UInt8(scalar.value)
        }
    }

    /// Width in pixels of `text` at `scale`.
    public func width(of text: String, scale: Int = 1) -> Int {
        let count = codes(for: text).count
        return count == 0 ? 0 : (count * advance - (advance - glyphWidth)) * scale
    }

    /// Draws `text` with its top-left corner at (x, y), each font pixel a `scale × scale` square;
    /// pixels outside the image are skipped.
    public func draw(_ text: String, into image: inout RGBImage, x: Int, y: Int, color: RGBColor, scale: Int = 1) {
        let scale = max(scale, 1)
        var originX = x
        for code in codes(for: text) {
            let rows = Self.asciiGlyphs[Int(code) - 32]
            for (row, bits) in rows.enumerated() {
                for column in 0..<glyphWidth where bits & (0x10 >> UInt8(column)) != 0 {
                    fill(
                        &image, x: originX + column * scale, y: y + row * scale, width: scale, height: scale,
                        color: color)
                }
            }
            originX += advance * scale
        }
    }

    private func fill(_ image: inout RGBImage, x: Int, y: Int, width: Int, height: Int, color: RGBColor) {
        let left = max(x, 0), right = min(x + width, image.width)
        let top = max(y, 0), bottom = min(y + height, image.height)
        guard left < right, top < bottom else { return }
        for row in top..<bottom {
            for column in left..<right {
                let offset = (row * image.width + column) * 3
                image.pixels[offset] = color.red
                image.pixels[offset + 1] = color.green
                image.pixels[offset + 2] = color.blue
            }
        }
    }
}
