/// Segmentation results drawn for people: class colours blended over the image, and a legend.
public enum SegmentationOverlay {
    /// The label map in colours: label `k` gets `palette[k]`, labels past the palette black
    /// (MMSeg's `color_seg`, zero-initialised, so its ignore value 255 stays black).
    public static func colorize(_ labels: LabelMap, palette: [RGBColor]) -> RGBImage {
        var pixels = [UInt8](repeating: 0, count: labels.labels.count * 3)
        for (index, label) in labels.labels.enumerated() where Int(label) < palette.count {
            let color = palette[Int(label)]
            pixels[index * 3] = color.red
            pixels[index * 3 + 1] = color.green
            pixels[index * 3 + 2] = color.blue
        }
        return RGBImage(unchecked: labels.width, labels.height, pixels)
    }

    /// MMSeg 0.x `BaseSegmentor.show_result`: `img * (1 − opacity) + color_seg * opacity` in double
    /// precision, truncated to uint8.
    public static func blend(_ image: RGBImage, labels: LabelMap, palette: [RGBColor], opacity: Double = 0.5)
        throws(ImageProcessingError) -> RGBImage
    {
        guard labels.width == image.width, labels.height == image.height else {
            throw .invalidSetting(
                what: "overlay",
                reason: "label map \(labels.width)×\(labels.height) does not match image \(image.width)×\(image.height)"
            )
        }
        guard opacity >= 0, opacity <= 1 else {
            throw .invalidSetting(what: "overlay", reason: "opacity \(opacity) outside 0…1")
        }
        let colors = colorize(labels, palette: palette)
        let keep = 1 - opacity
        var pixels = image.pixels
        for index in pixels.indices {
            pixels[index] = UInt8(Double(image.pixels[index]) * keep + Double(colors.pixels[index]) * opacity)
        }
        return RGBImage(unchecked: image.width, image.height, pixels)
    }

    /// The blended image with a legend to its right: a swatch and the name of every class present
    /// in `labels` (labels without a name, such as the ignore value, are left out), in class order.
    public static func render(
        _ image: RGBImage, labels: LabelMap, classNames: [String], palette: [RGBColor], opacity: Double = 0.5,
        legend: LegendRenderer = LegendRenderer()
    ) throws(ImageProcessingError) -> RGBImage {
        let blended = try blend(image, labels: labels, palette: palette, opacity: opacity)
        let entries = labels.presentLabels.filter { Int($0) < classNames.count }.map { label in
            LegendRenderer.Entry(
                name: classNames[Int(label)],
                color: Int(label) < palette.count ? palette[Int(label)] : RGBColor(0, 0, 0))
        }
        guard !entries.isEmpty else { return blended }
        return legend.attach(legend.render(entries, height: blended.height), to: blended)
    }
}
