import Foundation
import Testing
import _TestSupport

/// `diff`, the dataset in `inspect`, and the element types in every `wrote` line, as a user runs them.
@Suite("ldvc-convert diff, and what import and export print")
struct DiffCommandTests {
    static let trained = FixturePath.fixture("prompts/ldvc_mmseg.pth")
    static let start = FixturePath.fixture("prompts/ldvc_mmseg_start.pt")
    static let heads = ["--vision-heads", "2", "--text-heads", "2"]

    @Test("exit 0 when equal, 1 when not; the summary line says why")
    func exitStatus() throws {
        let equal = try RunTool.run(
            ["diff", Self.start, Self.trained, "--only", "vision.", "--only", "text."] + Self.heads)
        #expect(equal.exitCode == 0, "\(equal.stderr)")
        #expect(equal.stdout.hasSuffix("equal: 93 compared: 93 identical\n"))
        let whole = try RunTool.run(["diff", Self.start, Self.trained] + Self.heads)
        #expect(whole.exitCode == 1)
        #expect(whole.stdout.contains("only in A") && whole.stdout.contains("head.adapter.weight"))
        #expect(whole.stdout.contains("not equal: 93 compared: 93 identical, 1 only in A, 71 only in B"))
        let tolerance = try RunTool.run(
            [
                "diff", FixturePath.fixture("torch/openai_fp32.pt"), FixturePath.fixture("torch/openai_fp16.pt"),
                "--atol", "1e-3",
                "--ignore-dtype",
            ] + Self.heads)
        #expect(tolerance.exitCode == 0, "\(tolerance.stdout)")
        #expect(
            tolerance.stdout.contains("equal (atol 0.001, rtol 0.0): 78 compared: 27 identical, 51 within tolerance"))
    }

    @Test("--json is one object with snake_case keys")
    func json() throws {
        let run = try RunTool.run(["diff", Self.trained, Self.trained, "--json"])
        #expect(run.exitCode == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let summary = try #require(object["summary"] as? [String: Any])
        #expect(summary["equal"] as? Bool == true && summary["identical"] as? Int == 164)
        #expect(summary["only_in_a"] as? Int == 0 && summary["within_tolerance"] as? Int == 0)
        let first = try #require((object["tensors"] as? [[String: Any]])?.first)
        #expect(
            Set(first.keys).isSuperset(of: ["name", "status", "dtype_a", "dtype_b", "shape_a", "max_abs", "max_rel"]))
    }

    @Test("errors keep their exit codes: 66 missing, 65 refused, 64 usage")
    func errors() throws {
        #expect(try RunTool.run(["diff", "/nonexistent.pt", Self.trained]).exitCode == 66)
        #expect(try RunTool.run(["diff", FixturePath.fixture("adversarial/text.pt"), Self.trained]).exitCode == 65)
        #expect(try RunTool.run(["diff", Self.trained, Self.trained, "--atol=-1"]).exitCode == 64)
    }

    @Test("import says the split and dtype, inspect shows the dataset, export folders say their files and dtype")
    func writtenLines() throws {
        let folder = TemporaryFolder("ldvc-cli")
        let model = folder.file("ldvc.h5")
        let imported = try RunTool.run(["import", Self.trained, "-o", model])
        #expect(imported.exitCode == 0, "\(imported.stderr)")
        #expect(
            imported.stdout.contains(
                "164 tensors, ldvc head, 4 classes (cat, grass, sky, road) (2 seen, 2 unseen), dtype f32"))
        let inspect = try RunTool.run(["inspect", model])
        #expect(inspect.stdout.contains("dataset:     4 classes (meta.CLASSES): cat, grass, sky, road"))
        #expect(inspect.stdout.contains("  unseen:    2 (meta.config: model.novel_class): 2 sky, 3 road"))
        let exported = try RunTool.run([
            "export", model, "--naming", "hf", "-o", folder.file("hf") + "/", "--dtype", "f16",
        ])
        #expect(exported.exitCode == 0, "\(exported.stderr)")
        #expect(
            exported.stdout.contains(
                "wrote \(folder.file("hf")) (config.json + model.safetensors): 94 tensors (1 computed: logit_scale), hf names, folder, dtype f16"
            ))
        #expect(exported.stderr.contains("have no hf name and are not exported"))
        let layout = try RunTool.run(["export", model, "-o", folder.file("copy.h5"), "--dtype", "bf16"])
        #expect(layout.stdout.contains("164 tensors, canonical names, layout, dtype bf16"))
        let converted = try RunTool.run(
            ["convert", FixturePath.fixture("torch/openai_fp16.pt"), "-o", folder.file("c.h5")] + Self.heads)
        #expect(converted.stdout.contains("dtypes f16 ×51, f32 ×27"), "\(converted.stdout)")
    }
}
