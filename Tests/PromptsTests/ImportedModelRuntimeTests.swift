import Conversion
import Layout
import Runtime
import Testing
import _TestSupport

@testable import Prompts

/// Prompts in a file change what the runtime computes: imported trained prompts reproduce the
/// reference modules' outputs, and initialised prompts make the encoders compute something else.
@Suite("The runtime uses imported and initialised prompts")
struct ImportedModelRuntimeTests {
    @Test(
        "an imported ZegCLIP/LDVC checkpoint passes every tap of the reference goldens",
        arguments: ["zegclip_tiny", "ldvc_tiny"])
    func importedGoldens(_ name: String) throws {
        let folder = TemporaryFolder("ldvc-import")
        let model = folder.file("\(name).h5")
        _ = try MMSegImporter.importCheckpoint(
            input: FixturePath.fixture("runtime/checkpoints/\(name).pth"), output: model,
            options: ConversionOptions())
        let report = try Verifier.verify(
            modelPath: model, goldenPath: FixturePath.fixture("runtime/goldens/\(name).h5"))
        #expect(report.passed, "first diverging tap: \(report.firstFailure?.name ?? "")")
        #expect(report.comparisons.count > 20)
    }

    @Test("initialised prompts are what the runtime inserts: text features and image features change")
    func initialisedPromptsChangeOutputs() throws {
        let model = try FullVocabularyModel()
        var request = PromptRequest()
        request.visualTokens = 4
        request.textInitialization = .template("a photo of a")
        let output = model.folder.file("prompted.h5")
        let report = try PromptInjector.inject(
            input: model.path, output: output, request: request, overwrite: false, producer: "test")
        #expect(report.warnings.isEmpty)
        let plain = try LDVCRuntime(path: model.path), prompted = try LDVCRuntime(path: output)
        // [SOT, 6 prompt rows, a class name token, EOT] as the runtime's template lays them out.
        let tokens = [[49406, 343, 343, 343, 343, 343, 343, 2368, 49407]]
        let a = try plain.encodeTexts(tokens), b = try prompted.encodeTexts(tokens)
        #expect(zip(a.values, b.values).contains { $0 != $1 })
        var pixels = [Float](repeating: 0, count: 3 * 32 * 32)
        for index in pixels.indices { pixels[index] = Float(index % 17) / 17 - 0.5 }
        let image = try Image(channels: 3, height: 32, width: 32, pixels: pixels)
        let plainImage = try plain.encodeImage(image), promptedImage = try prompted.encodeImage(image)
        #expect(plainImage.embedding != promptedImage.embedding)
    }
}
