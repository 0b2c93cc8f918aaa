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
    @Test(
        "Tiny ZegCLIP/LDVC models match their reference at every tap",
        arguments: ["zegclip_tiny", "ldvc_tiny", "ldvc_alt_tiny"])
    func runtimeModels(name: String) throws {
        let report = try Verifier.verify(
            modelPath: FixturePath.fixture("runtime/models/\(name).h5"),
            goldenPath: FixturePath.fixture("runtime/goldens/\(name).h5"))
        #expect(report.policy == .fp32)
        for comparison in report.comparisons {
            #expect(
                comparison.passed,
                "\(name) \(comparison.name): max abs \(comparison.maxAbsError) > \(comparison.bound), mismatches \(comparison.mismatches)"
            )
        }
        #expect(report.comparisons.count > 20)
    }

    /// Goldens that `scripts/make_golden.py` made from a real picture (`Fixtures/images/scene.jpg`)
    /// through each library's own preprocessing, as a user makes them for their model.
    @Test("Goldens made by make_golden.py from a photo pass every tap")
    func sceneGoldens() throws {
        let folder = TemporaryFolder()
        let clip = folder.file("clip.h5")
        try ConverterShim.convert(FixturePath.fixture("torch/openai_fp32.pt"), to: clip)
        for (model, golden) in [
            (clip, "scene_openai_fp32"), (FixturePath.fixture("runtime/models/zegclip_tiny.h5"), "scene_zegclip_tiny"),
        ] {
            let report = try Verifier.verify(
                modelPath: model, goldenPath: FixturePath.fixture("runtime/goldens/\(golden).h5"))
            #expect(report.policy == .fp32)
            #expect(report.skipped.isEmpty, "\(golden): skipped \(report.skipped.map(\.tap))")
            #expect(report.comparisons.count > 10)
            for comparison in report.comparisons {
                #expect(
                    comparison.passed,
                    "\(golden) \(comparison.name): max abs \(comparison.maxAbsError) > \(comparison.bound)")
            }
        }
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
        try ConverterShim.convert(FixturePath.fixture(testCase.checkpoint), to: model)
        let report = try Verifier.verify(
            modelPath: model, goldenPath: FixturePath.fixture("runtime/goldens/\(testCase.golden).h5"))
        #expect(report.policy == .fp32)
        for comparison in report.comparisons {
            #expect(
                comparison.passed,
                "\(testCase.checkpoint) \(comparison.name): max abs \(comparison.maxAbsError) > \(comparison.bound)")
        }
        #expect(report.comparisons.count == 12)
    }

    struct ONNXCase: Sendable, CustomTestStringConvertible {
        let model: String
        let golden: String
        /// Taps of the tower the export lacks (12 taps in all: 7 vision, 5 text).
        let skipped: Int
        var testDescription: String { model }
    }

    /// ONNX exports of the same fixture weights (Fixtures/scripts/make_onnx.py): converted at test
    /// time, they must reproduce the reference taps of the towers they contain.
    static let onnxCases: [ONNXCase] = [
        ONNXCase(model: "openai/openai_clip.onnx", golden: "clip_openai_fp32", skipped: 0),
        ONNXCase(model: "openai/openai_visual.onnx", golden: "clip_openai_fp32", skipped: 5),
        ONNXCase(model: "openai/openai_visual_nofold.onnx", golden: "clip_openai_fp32", skipped: 5),
        ONNXCase(model: "openai/openai_visual_dynamo.onnx", golden: "clip_openai_fp32", skipped: 5),
        ONNXCase(model: "openai/openai_visual_external.onnx", golden: "clip_openai_fp32", skipped: 5),
        ONNXCase(model: "openai/openai_visual_typed.onnx", golden: "clip_openai_fp32", skipped: 5),
        ONNXCase(model: "openai/openai_text.onnx", golden: "clip_openai_fp32", skipped: 7),
        ONNXCase(model: "hf/hf_clip.onnx", golden: "clip_hf", skipped: 0),
        ONNXCase(model: "hf/hf_vision_with_projection.onnx", golden: "clip_hf", skipped: 5),
        ONNXCase(model: "hf/hf_vision_with_projection_dynamo.onnx", golden: "clip_hf", skipped: 5),
        ONNXCase(model: "hf/hf_vision_with_projection_opset14.onnx", golden: "clip_hf", skipped: 5),
        ONNXCase(model: "open_clip/open_clip_visual.onnx", golden: "clip_open_clip", skipped: 5),
    ]

    @Test(
        "Converted ONNX exports match the reference classes at every tap of the towers they hold", arguments: onnxCases)
    func convertedONNX(testCase: ONNXCase) throws {
        let folder = TemporaryFolder()
        let model = folder.file("model.h5")
        try ConverterShim.convert(FixturePath.fixture("onnx/\(testCase.model)"), to: model)
        let report = try Verifier.verify(
            modelPath: model, goldenPath: FixturePath.fixture("runtime/goldens/\(testCase.golden).h5"))
        #expect(report.policy == .fp32)
        for comparison in report.comparisons {
            #expect(
                comparison.passed,
                "\(testCase.model) \(comparison.name): max abs \(comparison.maxAbsError) > \(comparison.bound)")
        }
        #expect(report.skipped.count == testCase.skipped)
        #expect(report.comparisons.count == 12 - testCase.skipped)
    }

    @Test(
        "Weights narrowed to f16 by the conversion are held to the f16 policy, and fail the fp32 bound",
        arguments: [
            ("torch/openai_fp32.pt", "clip_openai_fp32"), ("torch/open_clip/open_clip_model.pt", "clip_open_clip"),
            ("hf/model.safetensors", "clip_hf"),
        ])
    func narrowedToF16(checkpoint: String, golden: String) throws {
        let folder = TemporaryFolder()
        let model = folder.file("model.h5")
        try ConverterShim.convert(FixturePath.fixture(checkpoint), to: model, dtype: .f16)
        let goldenPath = FixturePath.fixture("runtime/goldens/\(golden).h5")
        let report = try Verifier.verify(modelPath: model, goldenPath: goldenPath)
        #expect(report.policy == .narrowedF16)
        #expect(report.passed, "\(checkpoint): \(report.firstFailure?.name ?? "")")
        // Rounding the weights to f16 moves every tap by ~1e-3 relative: far beyond the fp32 bound,
        // and the first tap to show it is the first one computed.
        let strict = try Verifier.verify(modelPath: model, goldenPath: goldenPath, tolerance: 1e-5)
        #expect(strict.firstFailure?.name == "vision.patch_embed")
    }

    @Test("bf16 weights checked against goldens of the f32 original use the bf16 policy")
    func bf16AgainstF32() throws {
        let folder = TemporaryFolder()
        let model = folder.file("model.h5")
        try ConverterShim.convert(FixturePath.fixture("torch/openai_bf16.pt"), to: model)
        let report = try Verifier.verify(
            modelPath: model, goldenPath: FixturePath.fixture("runtime/goldens/clip_openai_fp32.h5"))
        #expect(report.policy == .narrowedBF16)
        #expect(report.passed)
    }

    @Test(
        "The parallel paths (two workers) give the same taps within the fp32 bound",
        arguments: ["zegclip_tiny", "ldvc_tiny"])
    func twoThreads(name: String) throws {
        let report = try Verifier.verify(
            modelPath: FixturePath.fixture("runtime/models/\(name).h5"),
            goldenPath: FixturePath.fixture("runtime/goldens/\(name).h5"), threads: 2)
        #expect(report.passed, "\(name): \(report.firstFailure?.name ?? "")")
    }
}
