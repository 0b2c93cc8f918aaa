import Foundation
import Layout
import Testing
import _TestSupport

/// `ldvc-convert` on ONNX files, as a user runs it.
@Suite("ldvc-convert on ONNX models")
struct ONNXCommandTests {
    @Test("an ONNX export converts, and inspect shows how each name was recovered")
    func convertAndInspect() throws {
        let folder = TemporaryFolder()
        let input = FixturePath.fixture("onnx/hf/hf_vision_with_projection.onnx")
        let run = try RunTool.run([input, "-o", folder.file("v.h5"), "--quiet"])
        #expect(run.exitCode == 0, "\(run.stderr)")
        let layout = try LayoutReader(path: folder.file("v.h5"))
        #expect(layout.metadata.sourceFormat == "onnx")
        let inspect = try RunTool.run(["inspect", input, "--json"])
        #expect(inspect.exitCode == 0, "\(inspect.stderr)")
        #expect(inspect.stdout.contains("scope: anonymous initializer 'onnx::MatMul_"))
        #expect(inspect.stdout.contains("opset ai.onnx 20"))
        let stored = try RunTool.run(["inspect", folder.file("v.h5"), "--json"])
        #expect(
            stored.stdout.contains("/vision_model/encoder/layers.1/self_attn/k_proj/MatMul"),
            "\(stored.stdout.prefix(400))")
    }

    @Test(
        "bad ONNX input: one line naming the file and the cause, exit 65, nothing written",
        arguments: [
            ("onnx/adversarial/missing_external.onnx", "does not exist"),
            ("onnx/adversarial/short_external.onnx", "which has 8 bytes"),
            ("onnx/adversarial/escaping_location.onnx", "leads out of the model's folder"),
            ("onnx/adversarial/absolute_location.onnx", "absolute path"),
            ("onnx/adversarial/size_mismatch.onnx", "raw_data holds 12"),
            ("onnx/hf/hf_vision_swapped_names.onnx", "the names contradict the graph"),
            ("onnx/hf/hf_vision_ort_fused.onnx", "onnxruntime's fused ops"),
        ])
    func badInput(_ file: String, _ cause: String) throws {
        let folder = TemporaryFolder()
        let input = FixturePath.fixture(file)
        let run = try RunTool.run([input, "-o", folder.file("out.h5")])
        #expect(run.exitCode == 65)
        #expect(run.stderr.split(separator: "\n").count == 1, "\(run.stderr)")
        #expect(run.stderr.hasPrefix("error: \(input): "), "\(run.stderr)")
        #expect(run.stderr.contains(cause), "\(run.stderr)")
        #expect(folder.contents().isEmpty)
    }

    @Test("a truncated model and bytes that are not protobuf: one line, exit 65, nothing written")
    func truncatedAndGarbage() throws {
        let folder = TemporaryFolder()
        let bytes = try Data(contentsOf: URL(fileURLWithPath: FixturePath.fixture("onnx/openai/openai_visual.onnx")))
        let cut = folder.file("cut.onnx")
        try bytes.prefix(bytes.count * 2 / 3).write(to: URL(fileURLWithPath: cut))
        let garbage = folder.file("garbage.onnx")
        try Data([0x08, 0x07, 0x12, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x41]).write(to: URL(fileURLWithPath: garbage))
        for (input, cause) in [(cut, "truncated"), (garbage, "truncated")] {
            let out = TemporaryFolder()
            let run = try RunTool.run([input, "-o", out.file("out.h5")])
            #expect(run.exitCode == 65)
            #expect(run.stderr.split(separator: "\n").count == 1, "\(run.stderr)")
            #expect(run.stderr.contains(cause), "\(run.stderr)")
            #expect(out.contents().isEmpty)
        }
    }
}
