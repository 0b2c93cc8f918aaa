import Conversion
import Export
import Foundation
import Layout
import TensorCore
import Testing
import _TestSupport

@testable import Comparison

/// `diff`: pairs of models of every supported kind, matched by canonical name and streamed by rows.
@Suite("Model comparison")
struct ModelComparisonTests {
    static let fp32 = FixturePath.fixture("torch/openai_fp32.pt")
    static let fp16 = FixturePath.fixture("torch/openai_fp16.pt")
    static let onnx = FixturePath.fixture("onnx/openai/openai_clip.onnx")
    static let trained = FixturePath.fixture("prompts/ldvc_mmseg.pth")
    static let start = FixturePath.fixture("prompts/ldvc_mmseg_start.pt")

    /// Both tiny OpenAI towers have 2 heads of 32, which build_model's width/64 rule cannot infer.
    static func options(_ configure: (inout ComparisonOptions) -> Void = { _ in }) -> ComparisonOptions {
        var options = ComparisonOptions()
        options.conversion.visionHeads = 2
        options.conversion.textHeads = 2
        configure(&options)
        return options
    }

    @Test("a checkpoint and its conversion, export and ONNX export are equal: .pt, .h5, .safetensors, .onnx")
    func crossFormat() throws {
        let folder = TemporaryFolder("ldvc-diff")
        var conversion = ConversionOptions()
        conversion.visionHeads = 2
        conversion.textHeads = 2
        let layout = folder.file("clip.h5")
        _ = try Converter.convert(input: Self.fp32, output: layout, options: conversion)
        let exported = folder.file("clip.safetensors")
        _ = try Exporter.exportModel(input: layout, output: exported, naming: nil, overwrite: false)
        let paths = [Self.fp32, layout, exported, Self.onnx]
        for (index, a) in paths.enumerated() {
            for b in paths[(index + 1)...] {
                let report = try ModelComparer.compare(a, b, options: Self.options())
                #expect(report.summary.equal, "\(a) vs \(b): \(report.summary)")
                #expect(report.summary.identical == 78 && report.summary.compared == 78, "\(a) vs \(b)")
                #expect(report.settings.isEmpty, "\(a) vs \(b): \(report.settings)")
            }
        }
    }

    @Test("the same weights in OpenAI and HF naming compare equal (renamed, q/k/v fused vs split, proj transposed)")
    func renamedConvention() throws {
        let folder = TemporaryFolder("ldvc-diff")
        let layout = folder.file("hf.h5")
        _ = try Converter.convert(
            input: FixturePath.fixture("hf/model.safetensors"), output: layout, options: ConversionOptions())
        let openAI = folder.file("openai.pt")
        _ = try Exporter.exportModel(input: layout, output: openAI, naming: ExportNaming(.openAI), overwrite: false)
        let report = try ModelComparer.compare(
            FixturePath.fixture("hf/model.safetensors"), openAI, options: Self.options())
        #expect(report.a.kind == "safetensors, hf names" && report.b.kind == "torch-zip, openai names")
        #expect(report.summary.equal && report.summary.identical == 78, "\(report.summary)")
    }

    @Test(
        "fp32 vs fp16 weights: different, with the max differences a whole-tensor computation gives; equal within a tolerance"
    )
    func changed() throws {
        let exact = try ModelComparer.compare(Self.fp32, Self.fp16, options: Self.options())
        #expect(!exact.summary.equal)
        // convert_weights leaves LayerNorms, embeddings and logit_scale in fp32: those stay identical.
        #expect(exact.summary.identical == 27 && exact.summary.different == 51 && exact.summary.dtypeChanged == 51)
        // The streamed maxima equal those of whole tensors widened to Float.
        let readerA = try CheckpointSides.tensors(Self.fp32)
        let readerB = try CheckpointSides.tensors(Self.fp16)
        for row in exact.tensors where row.status == .different {
            let a = try #require(readerA[row.name]).floats(), b = try #require(readerB[row.name]).floats()
            let gaps = zip(a, b).map { abs(Double($0) - Double($1)) }
            #expect(row.maxAbsolute == gaps.max(), "\(row.name)")
            #expect(row.differingElements == gaps.filter { $0 > 0 }.count, "\(row.name)")
        }
        let tolerant = try ModelComparer.compare(
            Self.fp32, Self.fp16, options: Self.options { $0.tolerance = Tolerance(absolute: 1e-3) })
        // Within tolerance, but the element types still changed.
        #expect(tolerant.summary.withinTolerance == 51 && tolerant.summary.different == 0 && !tolerant.summary.equal)
        let ignoring = try ModelComparer.compare(
            Self.fp32, Self.fp16,
            options: Self.options {
                $0.tolerance = Tolerance(absolute: 1e-3)
                $0.ignoreDType = true
            })
        #expect(ignoring.summary.equal)
        let tooTight = try ModelComparer.compare(
            Self.fp32, Self.fp16, options: Self.options { $0.tolerance = Tolerance(absolute: 1e-6) })
        #expect(tooTight.summary.different > 0)
    }

    @Test("fine-tuning left the CLIP backbone frozen: only prompts and head differ from the CLIP it started from")
    func frozenBackbone() throws {
        let report = try ModelComparer.compare(Self.start, Self.trained, options: Self.options())
        #expect(!report.summary.equal)
        #expect(report.summary.different == 0 && report.summary.shapeChanged == 0)
        let onlyInB = report.tensors.filter { $0.status == .onlyInB }.map(\.name)
        #expect(!onlyInB.isEmpty && onlyInB.allSatisfy { $0.hasPrefix("prompts.") || $0.hasPrefix("head.") })
        // The CLIP's logit_scale has no place in a segmentor.
        #expect(report.tensors.filter { $0.status == .onlyInA }.map(\.name) == ["logit_scale"])
        let towers = try ModelComparer.compare(
            Self.start, Self.trained, options: Self.options { $0.only = ["vision.", "text."] })
        #expect(towers.summary.equal && towers.summary.identical == towers.summary.compared)
        // Vision: 5 + 3 blocks × 16 + 3 tensors; text: 2 + 2 blocks × 16 + 3.
        #expect(towers.summary.compared == 56 + 37)
        // A segmentor started from another CLIP: its towers differ.
        let other = try ModelComparer.compare(
            Self.start, FixturePath.fixture("prompts/zegclip_mmseg.pth"),
            options: Self.options { $0.only = ["vision.", "text."] })
        #expect(other.summary.different > 0 && !other.summary.equal)
    }

    @Test(
        "a trained checkpoint and its mmseg export are equal (the round trip through PyTorch's format changed nothing)")
    func roundTrip() throws {
        let folder = TemporaryFolder("ldvc-diff")
        let layout = folder.file("ldvc.h5")
        _ = try MMSegImporter.importCheckpoint(input: Self.trained, output: layout, options: ConversionOptions())
        let exported = folder.file("back.pth")
        _ = try Exporter.exportModel(input: layout, output: exported, naming: ExportNaming(.mmseg), overwrite: false)
        let report = try ModelComparer.compare(Self.trained, exported, options: ComparisonOptions())
        #expect(report.summary.equal && report.summary.identical == 164, "\(report.summary)")
        #expect(report.a.kind == "torch-zip, mmseg names")
    }

    @Test("pieces of any size give the same result as one piece per tensor")
    func streaming() throws {
        let whole = try ModelComparer.compare(Self.fp32, Self.fp16, options: Self.options { $0.chunkBytes = 1 << 30 })
        let tiny = try ModelComparer.compare(Self.fp32, Self.fp16, options: Self.options { $0.chunkBytes = 1 })
        #expect(whole.tensors == tiny.tensors)
    }

    @Test("a missing input and bad tolerances keep their failure kinds")
    func failures() throws {
        #expect {
            try ModelComparer.compare("/nonexistent/a.pt", Self.fp32)
        } throws: { error in
            (error as? ComparisonError)?.kind == .inputMissing
        }
        #expect(throws: ComparisonError.badOption(reason: "--atol and --rtol must be finite and not negative")) {
            try ModelComparer.compare(
                Self.fp32, Self.fp32, options: Self.options { $0.tolerance = Tolerance(absolute: -1) })
        }
        #expect {
            try ModelComparer.compare(FixturePath.fixture("adversarial/text.pt"), Self.fp32)
        } throws: { error in
            (error as? ComparisonError)?.kind == .inputRefused
        }
    }

    @Test(
        "statistics: NaN against NaN is equal, against a number infinitely different; relative to the larger magnitude")
    func statistics() {
        var statistics = DifferenceStatistics(tolerance: Tolerance(absolute: 0.5))
        statistics.add([.nan, 1, 2, 0, -0.0], [.nan, 1.25, .nan, 0, 0])
        #expect(statistics.maxAbsolute == .infinity)
        #expect(statistics.differing == 1)
        #expect(!statistics.bitwiseEqual)
        var relative = DifferenceStatistics(tolerance: Tolerance())
        relative.add([4, 1], [3, 1])
        #expect(relative.maxAbsolute == 1 && relative.maxRelative == 0.25 && relative.differing == 1)
    }
}

/// Whole tensors of a checkpoint by canonical name, read without streaming (the reference for the
/// streamed maxima).
enum CheckpointSides {
    static func tensors(_ path: String) throws -> [String: Tensor] {
        var options = ConversionOptions()
        options.visionHeads = 2
        options.textHeads = 2
        let side = try ModelSide.open(path: path, options: options)
        var result: [String: Tensor] = [:]
        for tensor in side.tensors {
            guard case .checkpoint(let source, let transform) = tensor.source else { continue }
            result[tensor.name] = try transform.apply(to: try source.read())
        }
        return result
    }
}
