import Foundation
import HDF5
import Layout
import TensorCore
import Testing
import ZipArchive
import _TestSupport

@testable import Checkpoint
@testable import Conversion
@testable import Export

/// Export gives back exactly what was converted: the original keys, dtypes and bits in the original
/// naming, and re-importing an export gives the same layout tensors.
@Suite("Export round trips")
struct ExportRoundTripTests {
    struct Case: CustomStringConvertible, Sendable {
        let file: String
        let naming: ExportNaming
        var options: ConversionOptions {
            var options = ConversionOptions()
            if naming == ExportNaming(.openCLIP) {
                // The open_clip fixture's sidecar is beside it; conversion finds it by itself.
                options.convention = "open_clip"
            }
            return options
        }
        var description: String { file }
    }

    static let cases: [Case] = [
        Case(file: "torch/openai_fp32.pt", naming: ExportNaming(.openAI)),
        Case(file: "torch/openai_fp16.pt", naming: ExportNaming(.openAI)),
        Case(file: "torch/openai_bf16.pt", naming: ExportNaming(.openAI)),
        Case(file: "torch/openai_jit.pt", naming: ExportNaming(.openAI)),
        Case(file: "torch/openai_legacy.pt", naming: ExportNaming(.openAI)),
        Case(file: "torch/openai_views.pt", naming: ExportNaming(.openAI)),
        Case(file: "torch/openai_wrapped.pth", naming: ExportNaming(.openAI)),
        Case(file: "torch/open_clip/open_clip_model.pt", naming: ExportNaming(.openCLIP)),
        Case(file: "hf/model.safetensors", naming: ExportNaming(.huggingFace)),
        Case(file: "hf/pytorch_model.bin", naming: ExportNaming(.huggingFace)),
    ]

    /// Every tensor of a checkpoint by name, read by our own readers.
    static func tensors(_ path: String) throws -> [String: Tensor] {
        let reader = try CheckpointOpener.open(path: path)
        var result: [String: Tensor] = [:]
        for record in reader.records { result[record.name] = try reader.read(record) }
        return result
    }

    static func layoutTensors(_ path: String) throws -> [String: Tensor] {
        let reader = try LayoutReader(path: path)
        var result: [String: Tensor] = [:]
        for name in try reader.tensorNames() { result[name] = try reader.tensor(name) }
        return result
    }

    static func expectSame(_ actual: [String: Tensor], _ expected: [String: Tensor], _ label: String) {
        #expect(
            Set(actual.keys) == Set(expected.keys),
            "\(label): \(Set(actual.keys).symmetricDifference(expected.keys).sorted().prefix(5))")
        for (name, tensor) in expected {
            guard let other = actual[name] else { continue }
            #expect(
                other.dtype == tensor.dtype && other.shape == tensor.shape
                    && other.contiguousBytes == tensor.contiguousBytes, "\(label): \(name)")
        }
    }

    @Test(
        "convert, export in the same naming: the original keys, dtypes and bits (.pt and .safetensors)",
        arguments: cases)
    func sameNaming(_ testCase: Case) throws {
        let folder = TemporaryFolder("ldvc-export")
        let source = FixturePath.fixture(testCase.file)
        let converted = folder.file("model.h5")
        let conversion = try Converter.convert(input: source, output: converted, options: testCase.options)
        let dropped = Set(conversion.plan.dropped.map(\.name))
        let original = try Self.tensors(source).filter { !dropped.contains($0.key) }
        for name in ["export.pt", "export.safetensors"] {
            let output = folder.file(name)
            // .pt names the convention; .safetensors relies on the default, the file's own convention.
            let report = try Exporter.exportModel(
                input: converted, output: output, naming: name.hasSuffix(".pt") ? testCase.naming : nil,
                overwrite: false)
            #expect(report.naming == testCase.naming)
            #expect(report.skipped.isEmpty)
            let exported = try Self.tensors(output)
            Self.expectSame(exported, original, "\(testCase.file) → \(name)")
            // Export, then import: the same layout tensors, bit for bit.
            let again = folder.file("again-\(name).h5")
            _ = try Converter.convert(input: output, output: again, options: testCase.options)
            Self.expectSame(try Self.layoutTensors(again), try Self.layoutTensors(converted), "\(name) re-imported")
        }
    }

    @Test(
        "a file converted with --dtype f32 exports its source dtypes again, exactly",
        arguments: ["torch/openai_fp16.pt", "torch/openai_bf16.pt"])
    func sourceDTypes(_ file: String) throws {
        let folder = TemporaryFolder("ldvc-export")
        var options = ConversionOptions()
        options.dtype = .f32
        _ = try Converter.convert(input: FixturePath.fixture(file), output: folder.file("wide.h5"), options: options)
        _ = try Exporter.exportModel(
            input: folder.file("wide.h5"), output: folder.file("back.pt"), naming: ExportNaming(.openAI),
            overwrite: false)
        Self.expectSame(try Self.tensors(folder.file("back.pt")), try Self.tensors(FixturePath.fixture(file)), file)
        _ = try Exporter.exportModel(
            input: folder.file("wide.h5"), output: folder.file("stored.safetensors"), naming: ExportNaming(.openAI),
            dtype: .stored,
            overwrite: false)
        #expect(try Self.tensors(folder.file("stored.safetensors")).values.allSatisfy { $0.dtype == .f32 })
    }

    @Test("an imported LDVC checkpoint exports its state_dict back (MMSeg names) and re-imports identically")
    func mmseg() throws {
        let folder = TemporaryFolder("ldvc-export")
        let source = FixturePath.fixture("prompts/ldvc_mmseg.pth")
        _ = try MMSegImporter.importCheckpoint(
            input: source, output: folder.file("ldvc.h5"), options: ConversionOptions())
        let report = try Exporter.exportModel(
            input: folder.file("ldvc.h5"), output: folder.file("ldvc.pt"), naming: ExportNaming(.mmseg),
            overwrite: false)
        #expect(report.skipped.isEmpty)
        let original = try Self.tensors(source).filter { !$0.key.hasSuffix("criterion.empty_weight") }
        var exported = try Self.tensors(folder.file("ldvc.pt"))
        // ZegCLIP's loss buffer, recreated: SegPlusCriterion's ones(num_classes + 1) with eos_coef 0.1 last,
        // num_classes = the 2 seen classes of the checkpoint's config (seen_idx=[0, 1]).
        let removed = exported.removeValue(forKey: "decode_head.loss_decode.criterion.empty_weight")
        let buffer = try #require(removed)
        #expect(buffer.dtype == .f32 && buffer.floats() == [1, 1, 0.1])
        #expect(report.computed == ["decode_head.loss_decode.criterion.empty_weight"])
        Self.expectSame(exported, original, "mmseg export")
        var options = ConversionOptions()
        options.visionHeads = 2
        options.textHeads = 2
        _ = try MMSegImporter.importCheckpoint(
            input: folder.file("ldvc.pt"), output: folder.file("again.h5"), options: options)
        Self.expectSame(
            try Self.layoutTensors(folder.file("again.h5")), try Self.layoutTensors(folder.file("ldvc.h5")),
            "re-imported")
        // Under a CLIP naming, the prompts and the head have no names: skipped and reported.
        let clip = try Exporter.exportModel(
            input: folder.file("ldvc.h5"), output: folder.file("clip.pt"), naming: ExportNaming(.openAI),
            overwrite: false)
        #expect(clip.skipped.contains("prompts.text.embeddings") && clip.skipped.contains("head.adapter.weight"))
        #expect(clip.keys.allSatisfy { !$0.contains("prompt") } && clip.keys.contains("visual.proj"))
    }
}
