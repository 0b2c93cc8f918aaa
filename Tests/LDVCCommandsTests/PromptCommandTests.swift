import Foundation
import HDF5
import Layout
import Testing
import _TestSupport

/// The issue-6 commands as a user runs them: output, stderr wording, exit codes, nothing left behind on failure.
@Suite("ldvc-convert prompts, import and export commands")
struct PromptCommandTests {
    static let fullVocabulary = FixturePath.fixture("prompts/clip_fullvocab.pt")
    /// What the fixture's shapes cannot tell: towers of 2 heads of 8, and OpenAI's QuickGELU.
    static let unstated = ["--vision-heads", "2", "--text-heads", "2", "--activation", "quick_gelu"]

    static func convertedFullVocabulary(_ folder: TemporaryFolder) throws -> String {
        let path = folder.file("clip.h5")
        let run = try RunTool.run(["convert", fullVocabulary, "-o", path, "--quiet"] + unstated)
        #expect(run.exitCode == 0, "\(run.stderr)")
        return path
    }

    @Test("--help lists the new subcommands and their options")
    func help() throws {
        let root = try RunTool.run(["--help"])
        for word in ["init-prompts", "import", "export", "export-prompts", "--init-prompts"] {
            #expect(root.stdout.contains(word), "\(word)")
        }
        let initHelp = try RunTool.run(["init-prompts", "--help"])
        for option in ["--template", "--visual-tokens", "--text-tokens", "--positions", "--seed", "--text-init"] {
            #expect(initHelp.stdout.contains(option), "\(option)")
        }
        #expect(try RunTool.run(["convert", "--help"]).stdout.contains("--init-prompts"))
    }

    @Test("convert --init-prompts writes one file with both prompt groups and nothing else")
    func convertWithPrompts() throws {
        let folder = TemporaryFolder("ldvc-cli")
        let output = folder.file("ViT.h5")
        let run = try RunTool.run(
            ["convert", Self.fullVocabulary, "--init-prompts", "a photo of a", "--visual-tokens", "8", "-o", output]
                + Self.unstated)
        #expect(run.exitCode == 0, "\(run.stderr)")
        #expect(run.stdout.hasPrefix("wrote \(output): "))
        #expect(
            run.stdout.contains(
                "; visual prompts 8 × 2 layers (seed 0); language prompts 6 × 3 layers from \"a photo of a\" at positions [0, 1, 2, 3, 4, 5]"
            ))
        #expect(folder.contents() == ["ViT.h5"])
        let layout = try LayoutReader(path: output)
        #expect(
            layout.architecture.ldvc?.visionPrompts?.tokens == 8 && layout.architecture.ldvc?.textPrompts?.tokens == 6)
        #expect(layout.promptInitialization("text")?.tokenIDs == [49406, 320, 1125, 539, 320, 49407])
        #expect(layout.metadata.sourceFile == "clip_fullvocab.pt")
    }

    @Test(
        "init-prompts: default output beside the input, a warning for a template of another length, the input untouched"
    )
    func initPrompts() throws {
        let folder = TemporaryFolder("ldvc-cli")
        let model = try Self.convertedFullVocabulary(folder)
        let before = try Data(contentsOf: URL(fileURLWithPath: model))
        let run = try RunTool.run([
            "init-prompts", model, "--template", "a photo of", "--visual-tokens", "4", "--seed", "3",
        ])
        #expect(run.exitCode == 0, "\(run.stderr)")
        #expect(run.stderr.hasPrefix("warning: \(model): the template \"a photo of\" gives 5 tokens"))
        #expect(folder.contents() == ["clip-prompts.h5", "clip.h5"])
        #expect(try Data(contentsOf: URL(fileURLWithPath: model)) == before)
        let layout = try LayoutReader(path: folder.file("clip-prompts.h5"))
        #expect(
            layout.promptInitialization("vision")
                == PromptInitialization(method: .vptUniform, seed: 3, scale: (6.0 / (3 * 64 + 16)).squareRoot()))
        let random = try RunTool.run([
            "init-prompts", model, "--text-init", "random", "--visual-tokens", "0", "-o", folder.file("r.h5"),
        ])
        #expect(random.exitCode == 0, "\(random.stderr)")
        #expect((try LayoutReader(path: folder.file("r.h5"))).promptInitialization("text")?.method == .random)
    }

    @Test(
        "bad prompt requests: one line naming the file and the cause, exit 64 or 65, no output",
        arguments: [
            (["--template", "   "], 64, "the prompt template is empty"),
            (["--template", Array(repeating: "photo", count: 80).joined(separator: " ")], 64, "needs 82 positions"),
            (["--template", "a photo of a", "--text-tokens", "80"], 64, "80 language prompt tokens do not fit"),
            (["--template", "a photo of a", "--deep-layers", "5"], 64, "5 deep visual prompt layers"),
            (["--template", "a photo of a", "--positions", "0,1,2"], 64, "3 positions for 6 prompt tokens"),
        ])
    func badRequests(_ arguments: [String], _ code: Int32, _ cause: String) throws {
        let folder = TemporaryFolder("ldvc-cli")
        let model = try Self.convertedFullVocabulary(folder)
        let run = try RunTool.run(["init-prompts", model, "-o", folder.file("out.h5")] + arguments)
        #expect(run.exitCode == code, "\(run.stderr)")
        #expect(run.stderr.split(separator: "\n").count == 1, "\(run.stderr)")
        #expect(run.stderr.contains(cause), "\(run.stderr)")
        #expect(folder.contents() == ["clip.h5"])
    }

    @Test("contradictory options are usage errors (ArgumentParser's message and usage, exit 64)")
    func usage() throws {
        let folder = TemporaryFolder("ldvc-cli")
        let run = try RunTool.run(["init-prompts", folder.file("clip.h5"), "--text-init", "pretrain"])
        #expect(run.exitCode == 64 && run.stderr.contains("--text-init pretrain needs --template"), "\(run.stderr)")
        #expect(folder.contents().isEmpty)
    }

    @Test("import a trained checkpoint, export it back, export its prompts; prompts cannot be initialised twice")
    func importAndExport() throws {
        let folder = TemporaryFolder("ldvc-cli")
        let model = folder.file("ldvc.h5")
        let imported = try RunTool.run(["import", FixturePath.fixture("prompts/ldvc_mmseg.pth"), "-o", model])
        #expect(imported.exitCode == 0, "\(imported.stderr)")
        #expect(imported.stdout.contains("ldvc head, 4 classes (cat, grass, sky, road)"))
        let clip = try RunTool.run(["export", model, "--naming", "openai", "-o", folder.file("clip.pt")])
        #expect(clip.exitCode == 0, "\(clip.stderr)")
        #expect(clip.stderr.hasPrefix("warning: ") && clip.stderr.contains("have no openai name"))
        let whole = try RunTool.run(["export", model, "--naming", "mmseg", "-o", folder.file("ldvc.safetensors")])
        #expect(whole.exitCode == 0 && whole.stderr.isEmpty, "\(whole.stderr)")
        let prompts = try RunTool.run(["export-prompts", model, "-o", folder.file("prompts.npz")])
        #expect(prompts.exitCode == 0 && prompts.stdout.contains("7 tensors, mmseg names, npz"), "\(prompts.stderr)")
        let again = try RunTool.run(["init-prompts", model, "--template", "a photo of a", "-o", folder.file("x.h5")])
        #expect(again.exitCode == 65 && again.stderr.contains("already has /prompts/vision"), "\(again.stderr)")
        let unknown = try RunTool.run(["export", model, "--naming", "mmseg", "-o", folder.file("x.onnx")])
        #expect(unknown.exitCode == 64 && unknown.stderr.contains("cannot tell the format"), "\(unknown.stderr)")
        #expect(folder.contents() == ["clip.pt", "ldvc.h5", "ldvc.safetensors", "prompts.npz"])
    }

    @Test("an import whose shapes do not fit the architecture: exit 65, one line, no output")
    func badImport() throws {
        let folder = TemporaryFolder("ldvc-cli")
        let input = FixturePath.fixture("prompts/ldvc_badshape.pth")
        let run = try RunTool.run(["import", input, "-o", folder.file("out.h5")])
        #expect(run.exitCode == 65)
        #expect(
            run.stderr
                == "error: \(input): 5 deep visual prompt layers (backbone.deep_prompt_embeddings) for a vision encoder of 3 layers (at most 2)\n"
        )
        #expect(folder.contents().isEmpty)
    }
}

extension PromptCommandTests {
    @Test(
        "convert --init-prompts with a bad template names the checkpoint, not an intermediate file, and leaves nothing")
    func convertBadTemplate() throws {
        let folder = TemporaryFolder("ldvc-cli")
        let run = try RunTool.run(
            ["convert", Self.fullVocabulary, "--init-prompts", " ", "-o", folder.file("out.h5")] + Self.unstated)
        #expect(run.exitCode == 64)
        #expect(run.stderr.hasPrefix("error: \(Self.fullVocabulary): the prompt template is empty"), "\(run.stderr)")
        #expect(folder.contents().isEmpty)
    }
}
