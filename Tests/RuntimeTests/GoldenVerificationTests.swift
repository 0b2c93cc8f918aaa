import Conversion
import Foundation
import Layout
import Runtime
import Testing
import _TestSupport

/// Every golden tap of every fixture model, against the reference code's outputs
/// (Fixtures/scripts/make_goldens.py).
@Suite("Golden verification")
struct GoldenVerificationTests {
    /// The tiny ZegCLIP and LDVC models, written in the layout by make_goldens.py.
    @Test("Tiny ZegCLIP/LDVC models match their reference at every tap", arguments: ["zegclip_tiny", "ldvc_tiny", "ldvc_alt_tiny"])
    func runtimeModels(name: String) throws {
        let report = try Verifier.verify(modelPath: FixturePath.fixture("runtime/models/\(name).h5"),
                                         goldenPath: FixturePath.fixture("runtime/goldens/\(name).h5"))
        #expect(report.policy == .fp32)
        for comparison in report.comparisons {
            #expect(comparison.passed, "\(name) \(comparison.name): max abs \(comparison.maxAbsError) > \(comparison.bound), mismatches \(comparison.mismatches)")
        }
        #expect(report.comparisons.count > 20)
    }

    struct CLIPCase: Sendable, CustomTestStringConvertible {
        let checkpoint: String
        let golden: String
        var testDescription: String { checkpoint }
    }

    /// Every CLIP fixture checkpoint, converted at test time from every container it comes in.
    static let clipCases: [CLIPCase] = [
        CLIPCase(checkpoint: "torch/openai_fp32.pt", golden: "clip_openai_fp32"),
        CLIPCase(checkpoint: "torch/openai_legacy.pt", golden: "clip_openai_fp32"),
        CLIPCase(checkpoint: "torch/openai_protocol4.pt", golden: "clip_openai_fp32"),
        CLIPCase(checkpoint: "torch/openai_wrapped.pth", golden: "clip_openai_fp32"),
        CLIPCase(checkpoint: "torch/openai_fp16.pt", golden: "clip_openai_fp16"),
        CLIPCase(checkpoint: "torch/openai_jit.pt", golden: "clip_openai_fp16"),
        CLIPCase(checkpoint: "torch/openai_bf16.pt", golden: "clip_openai_bf16"),
        CLIPCase(checkpoint: "torch/open_clip/open_clip_model.pt", golden: "clip_open_clip"),
        CLIPCase(checkpoint: "hf/model.safetensors", golden: "clip_hf"),
        CLIPCase(checkpoint: "hf/pytorch_model.bin", golden: "clip_hf"),
    ]

    @Test("Converted CLIP checkpoints match the reference classes at every tap", arguments: clipCases)
    func convertedCLIP(testCase: CLIPCase) throws {
        let folder = TemporaryFolder()
        let model = folder.file("model.h5")
        _ = try Converter.convert(input: FixturePath.fixture(testCase.checkpoint), output: model, options: ConversionOptions())
        let report = try Verifier.verify(modelPath: model, goldenPath: FixturePath.fixture("runtime/goldens/\(testCase.golden).h5"))
        #expect(report.policy == .fp32)
        for comparison in report.comparisons {
            #expect(comparison.passed, "\(testCase.checkpoint) \(comparison.name): max abs \(comparison.maxAbsError) > \(comparison.bound)")
        }
        #expect(report.comparisons.count == 12)
    }
}
