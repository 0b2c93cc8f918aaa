import Foundation
import ImageProcessing
import Testing
import _TestSupport

@testable import Imaging

/// Truncated, corrupt, unsupported and oversized files are refused with one line naming the file,
/// never a crash; declared sizes beyond the budget are refused before any pixel buffer exists.
@Suite("Hostile and unsupported images are refused")
struct HostileInputTests {
    enum Expected: Sendable {
        case truncated, malformed, overBudget, notAnImage, unsupportedEncoding, unsupportedFormat(String), anyRefusal

        func matches(_ error: ImagingError) -> Bool {
            switch (self, error) {
            case (.truncated, .truncated), (.malformed, .malformed), (.overBudget, .overBudget),
                (.notAnImage, .notAnImage), (.unsupportedEncoding, .unsupportedEncoding):
                return true
            case (.unsupportedFormat(let name), .unsupportedFormat(_, let format)): return name == format
            case (.anyRefusal, .truncated), (.anyRefusal, .malformed): return true
            default: return false
            }
        }
    }

    static let cases: [(String, Expected)] = [
        ("truncated.png", .truncated), ("truncated.jpg", .truncated), ("missing_eoi.jpg", .truncated),
        ("bad_crc.png", .malformed), ("bad_zlib.png", .malformed), ("zero_width.png", .malformed),
        ("twelve_bit.jpg", .unsupportedEncoding), ("garbage.jpg", .anyRefusal), ("huge.png", .overBudget),
        ("wide.png", .overBudget), ("huge.jpg", .overBudget), ("empty.png", .notAnImage),
        ("text.png", .notAnImage), ("animation.gif", .unsupportedFormat("GIF")),
        ("photo.webp", .unsupportedFormat("WebP")),
    ]

    @Test("Every hostile fixture is refused as expected, under every profile", arguments: cases.map(\.0))
    func refused(_ name: String) throws {
        let expected = try #require(Self.cases.first { $0.0 == name }?.1)
        let path = FixturePath.fixture("images/hostile/" + name)
        for profile in DecodeProfile.allCases {
            do {
                _ = try ImageDecoder.decode(path: path, profile: profile)
                Issue.record("\(name) decoded under \(profile)")
            } catch {
                #expect(expected.matches(error), "\(name): \(error)")
                let message = error.description
                #expect(message.hasPrefix(path + ": "), "\(message)")
                #expect(!message.contains("\n"))
                #expect(message.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F || $0 >= 0x80 })
            }
        }
    }

    @Test("Pillow refuses the corrupt fixtures too (its verdicts are recorded in the reference)")
    func pillowVerdicts() throws {
        let reference = try ImageReference.shared()
        for (name, _) in Self.cases where !["animation.gif", "photo.webp"].contains(name) {
            let verdict = try #require(reference.attributes["hostile@\(name)"], "\(name)")
            #expect(verdict.hasPrefix("Pillow refused"), "\(name): \(verdict)")
        }
    }

    @Test("Declared sizes are checked against every budget")
    func budgets() throws {
        let png = FixturePath.fixture("images/png/rgb16.png")  // 37×23, 6 bytes per pixel
        var limits = ImagingLimits()
        limits.maxPixels = 37 * 23 - 1
        expectOverBudget { try ImageDecoder.decode(path: png, profile: .pillow, limits: limits) }
        limits = ImagingLimits()
        limits.maxDimension = 36
        expectOverBudget { try ImageDecoder.decode(path: png, profile: .pillow, limits: limits) }
        limits = ImagingLimits()
        limits.maxDecodedBytes = 37 * 23 * 6 - 1
        expectOverBudget { try ImageDecoder.decode(path: png, profile: .pillow, limits: limits) }
        limits.maxDecodedBytes = 37 * 23 * 6
        _ = try ImageDecoder.decode(path: png, profile: .pillow, limits: limits)

        let jpeg = FixturePath.fixture("images/jpeg/progressive_420_64x48.jpg")
        limits = ImagingLimits()
        limits.maxJPEGScans = 2
        expectOverBudget { try ImageDecoder.decode(path: jpeg, profile: .pillow, limits: limits) }
        limits = ImagingLimits()
        limits.maxJPEGMemoryBytes = 10 * 8 * 3 * 128 - 1  // (64/8 + 2) × (48/8 + 2) blocks × 3 × 128, less one
        expectOverBudget { try ImageDecoder.decode(path: jpeg, profile: .pillow, limits: limits) }
        limits.maxJPEGMemoryBytes += 1
        _ = try ImageDecoder.decode(path: jpeg, profile: .pillow, limits: limits)
        // A baseline file keeps no coefficient buffers, so the same budget does not apply to it.
        limits.maxJPEGMemoryBytes = 1
        _ = try ImageDecoder.decode(
            path: FixturePath.fixture("images/jpeg/baseline_420_64x48.jpg"), profile: .pillow, limits: limits)
        limits = ImagingLimits()
        limits.maxFileBytes = 100
        #expect {
            try ImageDecoder.decode(path: jpeg, profile: .pillow, limits: limits)
        } throws: { error in
            guard let error = error as? ImagingError, case .unreadable(_, let reason) = error else { return false }
            return reason.contains("budget")
        }
    }

    @Test("A missing file and a folder are unreadable, not malformed")
    func unreadable() {
        for path in [FixturePath.fixture("images/no-such-file.png"), FixturePath.fixture("images")] {
            #expect {
                try ImageDecoder.decode(path: path, profile: .pillow)
            } throws: { error in
                guard let error = error as? ImagingError, case .unreadable(let named, _) = error else { return false }
                return named == path
            }
        }
    }

    @Test("Thousands of mutated files decode or throw ImagingError, never crash")
    func mutations() throws {
        var generator = SplitMix64(seed: 0x1D5C_2026)
        let sources = [
            "png/rgb8_interlaced.png", "png/palette4_trns.png", "png/grey16.png", "png/exif6.png",
            "jpeg/baseline_420.jpg", "jpeg/progressive_411.jpg", "jpeg/cmyk.jpg", "jpeg/exif6.jpg",
        ]
        var decoded = 0, refused = 0
        for source in sources {
            let original = try ImageDecoder.readFile(path: FixturePath.fixture("images/" + source))
            for round in 0..<150 {
                var bytes = original
                if round % 5 == 4 {
                    bytes = Array(bytes.prefix(Int(generator.next() % UInt64(bytes.count))))
                } else {
                    for _ in 0..<(1 + Int(generator.next() % 8)) {
                        let offset = Int(generator.next() % UInt64(bytes.count))
                        bytes[offset] = UInt8(truncatingIfNeeded: generator.next())
                    }
                }
                do {
                    let image = try ImageDecoder.decode(
                        bytes: bytes, name: "mutant", profile: round % 2 == 0 ? .opencv : .pillow)
                    #expect(image.pixels.count == image.width * image.height * 3)
                    decoded += 1
                } catch {
                    #expect(error.description.hasPrefix("mutant: "))
                    refused += 1
                }
            }
        }
        #expect(decoded + refused == sources.count * 150)
        #expect(refused > 0)
    }

    private func expectOverBudget(_ body: () throws -> RGBImage, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(sourceLocation: sourceLocation) {
            try body()
        } throws: { error in
            guard let error = error as? ImagingError, case .overBudget = error else { return false }
            return true
        }
    }
}

/// A small deterministic generator (SplitMix64) for reproducible mutations.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
