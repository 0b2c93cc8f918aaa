/// The entry point of the `image` fuzz target (`Fuzz/image`) and its regression replay: arbitrary bytes
/// through every way the commands read an image file, which must return or throw `ImagingError`, never
/// trap, hang or allocate past the limits. libpng and libjpeg-turbo run on these bytes, so this is also
/// where a hole in the budgets handed to them would show.
package enum ImagingFuzzing {
    /// Smaller than `ImagingLimits.default` so inputs run fast (hundreds a second, not tens) and stay inside
    /// libFuzzer's limits; the checks are the same code with other numbers.
    package static let limits: ImagingLimits = {
        var limits = ImagingLimits()
        limits.maxPixels = 1 << 18
        limits.maxDecodedBytes = 4 << 20
        limits.maxJPEGMemoryBytes = 64 << 20
        limits.maxJPEGScans = 200
        return limits
    }()

    package static func image(_ bytes: [UInt8]) {
        let name = "fuzz-input"
        guard (try? ImageDecoder.info(bytes: bytes, name: name, limits: limits)) != nil else { return }
        for profile in DecodeProfile.allCases {
            _ = try? ImageDecoder.decode(bytes: bytes, name: name, profile: profile, limits: limits)
        }
        _ = try? ImageDecoder.decodeLabels(bytes: bytes, name: name, limits: limits)
    }
}
