import Foundation
import Testing
import _TestSupport

/// `embed`, `classify`, `segment` and `evaluate` as a user runs them on the tiny fixture models.
@Suite("ldvc-convert embed, classify, segment, evaluate")
struct InferenceCommandTests {
    static let scene = FixturePath.fixture("images/scene.jpg")
    static let scenePNG = FixturePath.fixture("images/scene.png")
    static let zegclip = FixturePath.fixture("runtime/models/zegclip_tiny.h5")
    static let truncated = FixturePath.fixture("images/hostile/truncated.jpg")
    static let clipTokens = [
        "--token-ids", "998 320 125 999", "--token-ids", "998 320 539 268 17 999", "--token-ids",
        "998 5 6 7 8 9 10 11 12 13 14 15 16 17 18 999",
    ]
    static let zegclipTokens = [
        "--token-ids", "98 17 99", "--token-ids", "98 23 41 99", "--token-ids", "98 55 99", "--token-ids",
        "98 61 62 63 99",
    ]

    static func convertedCLIP(in folder: TemporaryFolder) throws -> String {
        let output = folder.file("clip.h5")
        let run = try RunTool.run([FixturePath.fixture("torch/openai_fp32.pt"), "-o", output, "-q"])
        #expect(run.exitCode == 0, "\(run.stderr)")
        return output
    }

    @Test("embed writes .npz, .npy and .json, and prints a summary without -o")
    func embed() throws {
        let folder = TemporaryFolder()
        let model = try Self.convertedCLIP(in: folder)
        for name in ["e.npz", "e.npy", "e.json"] {
            let run = try RunTool.run(
                ["embed", model, "--image", Self.scene, "--text", "t"] + [
                    "--token-ids", "998 320 125 999", "-o",
                    folder.file(name),
                ])
            #expect(run.exitCode == 0, "\(run.stderr)")
            #expect(run.stdout.contains("wrote \(folder.file(name)): 1 image and 1 text embeddings of 32"))
        }
        let npy = try Data(contentsOf: URL(fileURLWithPath: folder.file("e.npy")))
        #expect(npy.count == 128 + 2 * 32 * 4)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder.file("e.json"))))
        let images = (json as? [String: Any])?["images"] as? [[String: Any]]
        #expect((images?.first?["normalized"] as? [Double])?.count == 32)
        let summary = try RunTool.run(["embed", model, "--image", Self.scene])
        #expect(summary.exitCode == 0)
        #expect(summary.stdout.contains("scene.jpg: norm "))
        let again = try RunTool.run(["embed", model, "--image", Self.scene, "-o", folder.file("e.npy")])
        #expect(again.exitCode == 73)
    }

    @Test("classify prints a table and --json with the reference's winner")
    func classify() throws {
        let folder = TemporaryFolder()
        let model = try Self.convertedCLIP(in: folder)
        let table = try RunTool.run(["classify", model, Self.scene, "--labels", "sky,road,cat"] + Self.clipTokens)
        #expect(table.exitCode == 0, "\(table.stderr)")
        // openai-clip gives 85.44 % to the third prompt (Fixtures/inference/classify_reference.json).
        #expect(table.stdout.contains("cat    85.44%"))
        let json = try RunTool.run(
            ["classify", model, Self.scene, Self.scenePNG, "--labels", "sky,road,cat", "--json", "--top-k", "1"]
                + Self.clipTokens)
        let document = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let images = document?["images"] as? [[String: Any]]
        #expect(images?.count == 2)
        #expect((images?.first?["top"] as? [[String: Any]])?.first?["label"] as? String == "cat")
        #expect(document?["logit_scale"] as? Double != nil)
    }

    @Test("segment writes the label PNG, the overlay, the summary and the scores")
    func segment() throws {
        let folder = TemporaryFolder()
        let run = try RunTool.run(
            [
                "segment", Self.zegclip, Self.scene, "--classes", "sky,grass,road,cat", "--seen", "sky,grass", "-o",
                folder.path, "--scores",
            ] + Self.zegclipTokens)
        #expect(run.exitCode == 0, "\(run.stderr)")
        #expect(run.stdout.contains("scene.overlay.png: road 100.0%"))
        #expect(folder.contents() == ["scene.json", "scene.labels.png", "scene.overlay.png", "scene.scores.npy"])
        let summary =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: folder.file("scene.json")))) as? [String: Any]
        #expect(summary?["seen_classes"] as? [Int] == [0, 1])
        #expect((summary?["present"] as? [[String: Any]])?.first?["name"] as? String == "road")
        let missingClasses = try RunTool.run(["segment", Self.zegclip, Self.scene, "-o", folder.path])
        #expect(missingClasses.exitCode == 64)
        #expect(missingClasses.stderr.contains("stores no class names"))
    }

    @Test("a file without stored preprocessing runs with a warning naming the fix; --strict refuses it (exit 65)")
    func strictPreprocessing() throws {
        let folder = TemporaryFolder()
        let arguments = ["segment", Self.zegclip, Self.scene, "--classes", "sky,grass,road,cat", "-o", folder.path]
        let warned = try RunTool.run(arguments + Self.zegclipTokens)
        #expect(warned.exitCode == 0, "\(warned.stderr)")
        #expect(warned.stderr.contains("warning: \(Self.zegclip): no /preprocessing group"))
        #expect(warned.stderr.contains("convert or import its source again"))
        let refusing = TemporaryFolder()
        let refused = try RunTool.run(
            ["segment", Self.zegclip, Self.scene, "--classes", "sky,grass,road,cat", "-o", refusing.path, "--strict"]
                + Self.zegclipTokens)
        #expect(refused.exitCode == 65)
        #expect(refused.stderr.contains("would be assumed"))
        #expect(refusing.contents().isEmpty)
    }

    @Test(
        "a corrupt image is refused in one line with exit 65 and nothing written",
        arguments: ["embed", "classify", "segment"])
    func corruptImage(command: String) throws {
        let folder = TemporaryFolder()
        let model = command == "segment" ? Self.zegclip : try Self.convertedCLIP(in: folder)
        let outputs = TemporaryFolder()
        var arguments: [String]
        switch command {
        case "embed":
            arguments = ["embed", model, "--image", Self.scene, "--image", Self.truncated, "-o", outputs.file("e.npz")]
        case "classify":
            arguments = ["classify", model, Self.scene, Self.truncated, "--labels", "a,b,c"] + Self.clipTokens
        default:
            arguments =
                ["segment", model, Self.scene, Self.truncated, "--classes", "a,b,c,d", "-o", outputs.path, "-q"]
                + Self.zegclipTokens
        }
        let run = try RunTool.run(arguments)
        #expect(run.exitCode == 65)
        // The tiny ZegCLIP fixture predates the stored preprocessing, so its warning may come first.
        let errors = run.stderr.split(separator: "\n").filter { !$0.hasPrefix("warning: ") }
        #expect(errors == ["error: \(Self.truncated): truncated JPEG (the data ends before the image does)"])
        #expect(run.stdout.isEmpty)
        #expect(outputs.contents().isEmpty)
    }

    @Test("evaluate: 2 shards merged give the one-pass metrics.json byte for byte")
    func evaluate() throws {
        let folder = TemporaryFolder()
        let images = folder.file("images"), labels = folder.file("labels")
        for path in [images, labels] {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        }
        // The label maps: segment's own 160×120 label PNG of the scene (pixel values are class indices).
        let segmented = try RunTool.run(
            ["segment", Self.zegclip, Self.scene, "--classes", "sky,grass,road,cat", "-o", folder.path, "-q"]
                + Self.zegclipTokens)
        #expect(segmented.exitCode == 0, "\(segmented.stderr)")
        for (stem, name) in [("a", "scene.jpg"), ("b", "scene.png")] {
            try FileManager.default.copyItem(
                atPath: FixturePath.fixture("images/" + name),
                toPath: images + "/" + stem + "." + URL(fileURLWithPath: name).pathExtension)
            try FileManager.default.copyItem(
                atPath: folder.file("scene.labels.png"), toPath: labels + "/" + stem + ".png")
        }
        let common =
            ["--images", images, "--labels", labels, "--classes", "sky,grass,road,cat", "--seen", "0,1"]
            + Self.zegclipTokens
        let whole = try RunTool.run(["evaluate", Self.zegclip] + common + ["-o", folder.file("metrics.json")])
        #expect(whole.exitCode == 0, "\(whole.stderr)")
        #expect(whole.stdout.contains("2 images, mIoU"))
        for index in 1...2 {
            let run = try RunTool.run(
                ["evaluate", Self.zegclip] + common + [
                    "--shard", "\(index)/2", "-o", folder.file("shard\(index).json"),
                ])
            #expect(run.exitCode == 0, "\(run.stderr)")
        }
        let merged = try RunTool.run(
            [
                "evaluate", "--merge", folder.file("shard2.json"), folder.file("shard1.json"), "-o",
                folder.file("merged.json"),
            ])
        #expect(merged.exitCode == 0, "\(merged.stderr)")
        let one = try Data(contentsOf: URL(fileURLWithPath: folder.file("metrics.json")))
        let two = try Data(contentsOf: URL(fileURLWithPath: folder.file("merged.json")))
        #expect(one == two)
        let incomplete = try RunTool.run([
            "evaluate", "--merge", folder.file("shard1.json"), "-o", folder.file("m.json"),
        ])
        #expect(incomplete.exitCode == 65)
        #expect(!FileManager.default.fileExists(atPath: folder.file("m.json")))
    }

    @Test("verify --dump writes a golden that verify accepts")
    func dump() throws {
        let folder = TemporaryFolder()
        let golden = FixturePath.fixture("runtime/goldens/zegclip_tiny.h5")
        let run = try RunTool.run([
            "verify", Self.zegclip, "--golden", golden, "--dump", folder.file("dump.h5"), "--threads", "2",
        ])
        #expect(run.exitCode == 0, "\(run.stderr)")
        let again = try RunTool.run(["verify", Self.zegclip, "--golden", folder.file("dump.h5")])
        #expect(again.exitCode == 0, "\(again.stderr)")
        #expect(again.stdout.contains("taps within tolerance"))
    }

    @Test("inspect shows the stored preprocessing, or notes the convention's default for older files")
    func inspect() throws {
        let folder = TemporaryFolder()
        let model = try Self.convertedCLIP(in: folder)
        let converted = try RunTool.run(["inspect", model])
        #expect(converted.stdout.contains("images:      torchvision: decode pillow, shortest side to 32"))
        #expect(converted.stdout.contains("preprocessing.mean: default: OpenAI's constants"))
        let older = try RunTool.run(["inspect", Self.zegclip])
        #expect(older.stdout.contains("images:      mmseg: decode opencv, keep-ratio resize to (128, 32) min_size 32"))
        #expect(older.stdout.contains("note: no /preprocessing group"))
    }
}
