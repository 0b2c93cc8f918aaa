import Conversion
import Foundation
import HDF5
import Inference
import Layout
import _TestSupport

/// Fixture models, pictures and reference arrays shared by the Inference tests.
enum InferenceFixtures {
    static let scene = FixturePath.fixture("images/scene.jpg")
    static let scenePNG = FixturePath.fixture("images/scene.png")
    static let zegclipModel = FixturePath.fixture("runtime/models/zegclip_tiny.h5")
    static let zegclipCheckpoint = FixturePath.fixture("runtime/checkpoints/zegclip_tiny.pth")
    static let openAIGolden = FixturePath.fixture("runtime/goldens/scene_openai_fp32.h5")
    static let zegclipGolden = FixturePath.fixture("runtime/goldens/scene_zegclip_tiny.h5")
    static let classifyReference = FixturePath.fixture("inference/classify_reference.json")
    static let preprocessReference = FixturePath.fixture("inference/preprocess_reference.h5")

    /// The prompts of the scene goldens, as token ids of the tiny models' own vocabularies.
    static let clipTokenIDs = [[998, 320, 125, 999], [998, 320, 539, 268, 17, 999], [998] + Array(5...18) + [999]]
    static let zegclipTokenIDs = [[98, 17, 99], [98, 23, 41, 99], [98, 55, 99], [98, 61, 62, 63, 99]]
    static let zegclipClasses = ["sky", "grass", "road", "cat"]

    /// Converts a CLIP checkpoint into `folder` as `ldvc-convert` does.
    static func convert(_ checkpoint: String, into folder: TemporaryFolder, name: String = "model.h5") throws -> String
    {
        let output = folder.file(name)
        _ = try Converter.convert(input: checkpoint, output: output, options: ConversionOptions())
        return output
    }

    /// Imports the tiny ZegCLIP checkpoint as `ldvc-convert import` does (with `/preprocessing`).
    static func importZegCLIP(into folder: TemporaryFolder) throws -> String {
        let output = folder.file("zegclip.h5")
        _ = try MMSegImporter.importCheckpoint(
            input: zegclipCheckpoint, output: output, options: ConversionOptions())
        return output
    }

    /// A float dataset of an HDF5 file and its shape.
    static func floats(_ path: String, _ name: String) throws -> (shape: [Int], values: [Float]) {
        let data = try HDF5File.open(path: path).root().dataset(name)
        return (data.shape, try data.readFloats())
    }

    /// `max |a − b|`.
    static func maxAbsDifference(_ a: [Float], _ b: [Float]) -> Float {
        zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
    }

    static func maxAbs(_ values: [Float]) -> Float { values.reduce(0) { max($0, abs($1)) } }

    /// How many elements differ (a count, so that a failed expectation does not diff large arrays); a length
    /// mismatch counts every element.
    static func differing(_ a: [Float], _ b: [Float]) -> Int {
        a.count == b.count ? zip(a, b).filter { $0.0 != $0.1 }.count : max(a.count, b.count)
    }
}
