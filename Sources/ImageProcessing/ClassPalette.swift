/// Colours for class indices.
public enum ClassPalette {
    /// The PASCAL VOC development kit's colour map (`labelcolormap`): the bits of the index are spread
    /// over the high bits of R, G and B (bit 0 → R, 1 → G, 2 → B, then the next three one bit lower, …),
    /// so every index below 2^24 gets its own colour and the first 21 are MMSeg's VOC palette.
    public static func generated(count: Int) -> [RGBColor] {
        (0..<max(count, 0)).map(color(forIndex:))
    }

    /// The colour map's entry for one index.
    public static func color(forIndex index: Int) -> RGBColor {
        var red = 0, green = 0, blue = 0
        var bits = index
        for shift in 0..<8 {
            red |= (bits & 1) << (7 - shift)
            green |= (bits >> 1 & 1) << (7 - shift)
            blue |= (bits >> 2 & 1) << (7 - shift)
            bits >>= 3
        }
        return RGBColor(UInt8(red), UInt8(green), UInt8(blue))
    }

    /// `palette` extended with generated colours until it has `count` entries.
    public static func extended(_ palette: [RGBColor], toCount count: Int) -> [RGBColor] {
        guard palette.count < count else { return palette }
        return palette + (palette.count..<count).map(color(forIndex:))
    }
}
