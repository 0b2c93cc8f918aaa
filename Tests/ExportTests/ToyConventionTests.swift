import Conventions
import Conversion
import Export
import Foundation
import Layout
import Testing
import _TestSupport

/// A naming convention nobody ships, written the way a new one is added: one table (this extension)
/// and one registration line. Detection, conversion and export then take it like the built-in ones.
extension Convention {
    static let toy = Convention(
        name: "toy", summary: "a toy naming used by the tests",
        table: {
            let block = NameTable.BlockSpelling(
                norm1: "norm_a", attention: "mix", norm2: "norm_b", fc1: "ff.up", fc2: "ff.down")
            var rules = [
                NameRule("vision.patch_embed.weight", "toy.image.patchify"),
                NameRule("vision.class_embedding", "toy.image.cls"),
                NameRule("vision.position_embedding", "toy.image.where"),
                NameRule("vision.ln_pre.weight", "toy.image.norm_in.scale"),
                NameRule("vision.ln_pre.bias", "toy.image.norm_in.shift"),
                NameRule("vision.ln_post.weight", "toy.image.norm_out.scale"),
                NameRule("vision.ln_post.bias", "toy.image.norm_out.shift"),
                NameRule("vision.proj.weight", "toy.image.to_joint", .transpose),
                NameRule("text.token_embedding", "toy.words.vocab"),
                NameRule("text.position_embedding", "toy.words.where"),
                NameRule("text.ln_final.weight", "toy.words.norm_out.scale"),
                NameRule("text.ln_final.bias", "toy.words.norm_out.shift"),
                NameRule("text.proj.weight", "toy.words.to_joint", .transpose),
                NameRule("logit_scale", "toy.temperature"),
            ]
            rules += NameTable.blockRules(
                canonicalPrefix: "vision.blocks", sourcePrefix: "toy.image.layer", fusedAttention: false, names: block)
            rules += NameTable.blockRules(
                canonicalPrefix: "text.blocks", sourcePrefix: "toy.words.layer", fusedAttention: true, names: block)
            return NameTable(rules: rules)
        }(),
        defaultActivation: .quickGELU)
}

@Suite("A convention added in one table and one registration line")
struct ToyConventionTests {
    @Test("a checkpoint in the toy naming is detected, converts to the same tensors, and exports back byte for byte")
    func toyConvention() throws {
        var registry = ConventionRegistry.builtIn
        registry.register(.toy)  // the registration line

        let folder = TemporaryFolder("ldvc-toy")
        let original = folder.file("original.h5")
        _ = try Converter.convert(
            input: FixturePath.fixture("torch/openai_fp32.pt"), output: original, options: ConversionOptions())
        let toyFile = folder.file("toy.safetensors")
        let export = try Exporter.exportModel(
            input: original, output: toyFile, naming: ExportNaming(.toy), overwrite: false)
        #expect(export.skipped.isEmpty)
        #expect(
            export.keys.contains("toy.words.layer.1.mix.in_proj_weight")
                && export.keys.contains("toy.image.layer.0.mix.k_proj.bias"))

        // Without the registration nothing in the file is recognised.
        #expect(throws: ConversionError.self) {
            try Converter.convert(input: toyFile, output: folder.file("unknown.h5"), options: ConversionOptions())
        }
        var options = ConversionOptions()
        options.conventions = registry
        let again = folder.file("again.h5")
        let report = try Converter.convert(input: toyFile, output: again, options: options)
        #expect(report.plan.convention == .toy)
        #expect(report.plan.architecture == (try LayoutReader(path: original)).architecture)
        ExportRoundTripTests.expectSame(
            try ExportRoundTripTests.layoutTensors(again), try ExportRoundTripTests.layoutTensors(original),
            "toy round trip")

        let back = folder.file("back.safetensors")
        _ = try Exporter.exportModel(input: again, output: back, naming: ExportNaming(.toy), overwrite: false)
        #expect(FileManager.default.contents(atPath: back) == FileManager.default.contents(atPath: toyFile))
    }
}
