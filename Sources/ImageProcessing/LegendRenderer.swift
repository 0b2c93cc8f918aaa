/// Draws a legend panel: one row per class, a colour swatch (with a dark border, so black and white
/// classes stay visible) and the class name in the embedded bitmap font; rows wrap into columns to
/// fit the height asked for.
public struct LegendRenderer: Sendable {
    public struct Entry: Sendable, Equatable {
        public var name: String
        public var color: RGBColor

        public init(name: String, color: RGBColor) {
            self.name = name
            self.color = color
        }
    }

    public var font: BitmapFont = .standard
    /// Each font pixel becomes `scale × scale` image pixels.
    public var scale: Int = 1
    public var padding: Int = 4
    public var background = RGBColor(255, 255, 255)
    public var textColor = RGBColor(0, 0, 0)
    public var borderColor = RGBColor(64, 64, 64)
    /// Names longer than this are cut and end in "...".
    public var maximumNameLength: Int = 40

    public init() {}

    var rowHeight: Int { font.lineHeight * scale + 2 }
    var swatchSize: Int { font.glyphHeight * scale }

    /// The legend as its own image, at least `height` tall when the rows fit, wrapped into columns.
    public func render(_ entries: [Entry], height: Int) -> RGBImage {
        let names = entries.map { shortened($0.name) }
        let usable = max(height - 2 * padding, rowHeight)
        let rowsPerColumn = max(usable / rowHeight, 1)
        let columnCount = entries.isEmpty ? 1 : (entries.count + rowsPerColumn - 1) / rowsPerColumn
        var columnWidths: [Int] = []
        for column in 0..<columnCount {
            let slice = names[min(column * rowsPerColumn, names.count)..<min((column + 1) * rowsPerColumn, names.count)]
            let textWidth = slice.map { font.width(of: $0, scale: scale) }.max() ?? 0
            columnWidths.append(swatchSize + padding + textWidth)
        }
        let width = max(columnWidths.reduce(padding) { $0 + $1 + padding }, 1)
        let panelHeight = max(height, min(entries.count, rowsPerColumn) * rowHeight + 2 * padding, 1)
        var panel = RGBImage(unchecked: width, panelHeight, Self.filled(width * panelHeight, background))
        var columnX = padding
        for column in 0..<columnCount {
            for row in 0..<rowsPerColumn {
                let index = column * rowsPerColumn + row
                guard index < entries.count else { break }
                let y = padding + row * rowHeight
                drawSwatch(&panel, x: columnX, y: y, color: entries[index].color)
                font.draw(
                    names[index], into: &panel, x: columnX + swatchSize + padding, y: y, color: textColor, scale: scale)
            }
            columnX += columnWidths[column] + padding
        }
        return panel
    }

    /// `image` and `legend` side by side on the legend's background, both top-aligned.
    public func attach(_ legend: RGBImage, to image: RGBImage) -> RGBImage {
        let width = image.width + legend.width, height = max(image.height, legend.height)
        var pixels = Self.filled(width * height, background)
        for (source, offsetX) in [(image, 0), (legend, image.width)] {
            for y in 0..<source.height {
                let from = y * source.width * 3, to = (y * width + offsetX) * 3
                pixels.replaceSubrange(
                    to..<(to + source.width * 3), with: source.pixels[from..<(from + source.width * 3)])
            }
        }
        return RGBImage(unchecked: width, height, pixels)
    }

    func shortened(_ name: String) -> String {
        name.count <= maximumNameLength ? name : String(name.prefix(max(maximumNameLength - 3, 0))) + "..."
    }

    private func drawSwatch(_ image: inout RGBImage, x: Int, y: Int, color: RGBColor) {
        for row in 0..<swatchSize {
            for column in 0..<swatchSize {
                let isBorder = row == 0 || column == 0 || row == swatchSize - 1 || column == swatchSize - 1
                let ink = isBorder ? borderColor : color
                let px = x + column, py = y + row
                guard px >= 0, px < image.width, py >= 0, py < image.height else { continue }
                let offset = (py * image.width + px) * 3
                image.pixels[offset] = ink.red
                image.pixels[offset + 1] = ink.green
                image.pixels[offset + 2] = ink.blue
            }
        }
    }

    static func filled(_ count: Int, _ color: RGBColor) -> [UInt8] {
        var pixels = [UInt8](repeating: 0, count: count * 3)
        for offset in stride(from: 0, to: pixels.count, by: 3) {
            pixels[offset] = color.red
            pixels[offset + 1] = color.green
            pixels[offset + 2] = color.blue
        }
        return pixels
    }
}
