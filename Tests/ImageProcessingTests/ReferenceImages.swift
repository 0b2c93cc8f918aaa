import ImageProcessing
import _TestSupport

/// Images and planes from `Fixtures/images/reference.h5`.
enum ReferenceImages {
    static func rgb(_ path: String) throws -> RGBImage {
        guard let array = try ImageReference.shared().array(path), array.shape.count == 3, array.shape[2] == 3 else {
            throw ReferenceMissing(path: path)
        }
        return try RGBImage(width: array.shape[1], height: array.shape[0], pixels: array.uint8)
    }

    /// What the reference library decoded `file` to under a profile key (`pillow`, `pillow_exif`,
    /// `opencv`), following the `same_as_pillow` attribute for the profiles stored once.
    static func decoded(_ file: String, _ profile: String) throws -> RGBImage {
        let reference = try ImageReference.shared()
        let same = (reference.attributes["decode/\(file)@same_as_pillow"] ?? "").split(separator: ",")
        return try rgb("decode/\(file)/\(same.contains(Substring(profile)) ? "pillow" : profile)")
    }

    static func planes(_ path: String) throws -> ImageReference.Array {
        guard let array = try ImageReference.shared().array(path) else { throw ReferenceMissing(path: path) }
        return array
    }

    struct ReferenceMissing: Error, CustomStringConvertible {
        let path: String
        var description: String { "reference.h5 has no dataset \(path)" }
    }
}

/// Largest absolute difference, for failure messages.
func maximumDifference(_ a: [Float], _ b: [Float]) -> Float {
    zip(a, b).map { abs($0 - $1) }.max() ?? .infinity
}
