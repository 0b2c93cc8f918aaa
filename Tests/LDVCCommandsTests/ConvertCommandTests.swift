import Foundation
import Layout
import Testing
import _TestSupport

/// The built `ldvc-convert` binary: what a user sees on stdout, stderr and in the exit code.
@Suite("ldvc-convert command line")
struct ConvertCommandTests {
    @Test("--help explains the subcommands, formats and exit codes")
    func help() throws {
        let run = try RunTool.run(["--help"])
        #expect(run.exitCode == 0)
        for word in [
            "inspect", "convert", "TorchScript", "Exit codes", "--help", "--dtype", "--init-prompts", "verify exits 1",
        ] {
            #expect(run.stdout.contains(word), "\(word)")
        }
        let convertHelp = try RunTool.run(["convert", "--help"])
        for option in ["--output", "--force", "--dtype", "--activation", "--vision-heads", "--strict"] {
            #expect(convertHelp.stdout.contains(option), "\(option)")
        }
    }

    @Test("a misspelled subcommand is suggested instead of being read as an input path")
    func misspelledSubcommand() throws {
        let run = try RunTool.run(["inpsect", "x.pt"])
        #expect(run.exitCode == 64)
        #expect(
            run.stderr
                == "error: unknown subcommand 'inpsect'; did you mean 'inspect'? (ldvc-convert --help lists them)\n")
        let missing = try RunTool.run(["no-such-model.pt"])
        #expect(missing.exitCode == 66)
        #expect(missing.stderr.contains("no-such-model.pt") && missing.stderr.contains("No such file"))
    }

    @Test("--json prints one object naming the output, its tensors and their element types")
    func jsonResult() throws {
        let folder = TemporaryFolder()
        let run = try RunTool.run([
            FixturePath.fixture("torch/openai_bf16.pt"), "-o", folder.file("m.h5"), "--json",
            // The fixture's settings (make_checkpoints.py), stated so nothing is assumed and stderr stays empty.
            "--activation", "quick_gelu", "--vision-heads", "1", "--text-heads", "1",
        ])
        #expect(run.exitCode == 0, "\(run.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(object["command"] as? String == "convert" && object["output"] as? String == folder.file("m.h5"))
        #expect(object["dtypes"] as? [String] == ["bf16"] && (object["tensors"] as? Int ?? 0) > 0)
        #expect((object["details"] as? [String: String])?["convention"] == "openai")
        #expect(run.stderr.isEmpty)
    }

    @Test("converting is the default; the output goes beside the input with .h5")
    func defaultOutput() throws {
        let folder = TemporaryFolder()
        let input = try folder.copy(FixturePath.fixture("torch/openai_jit.pt"), as: "ViT-tiny.pt")
        let run = try RunTool.run([input])
        #expect(run.exitCode == 0, "\(run.stderr)")
        #expect(run.stdout.contains("wrote \(folder.file("ViT-tiny.h5"))"))
        let summary = try RunTool.run(["inspect", folder.file("ViT-tiny.h5"), "--summary"])
        #expect(summary.exitCode == 0 && summary.stdout.contains("vision:") && !summary.stdout.contains("source name"))
        #expect(folder.contents() == ["ViT-tiny.h5", "ViT-tiny.pt"])
        _ = try LayoutReader(path: folder.file("ViT-tiny.h5"))
    }

    @Test("an existing output is refused with exit 73 and left untouched; --force replaces it")
    func refusesOverwrite() throws {
        let folder = TemporaryFolder()
        let output = folder.file("out.h5")
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: output))
        let refused = try RunTool.run([FixturePath.fixture("torch/openai_fp16.pt"), "-o", output])
        #expect(refused.exitCode == 73)
        #expect(refused.stderr.contains("already exists") && refused.stderr.contains("--force"))
        #expect(try String(contentsOfFile: output, encoding: .utf8) == "keep me")
        let forced = try RunTool.run([FixturePath.fixture("torch/openai_fp16.pt"), "-o", output, "--force", "--quiet"])
        #expect(forced.exitCode == 0)
        #expect(forced.stdout.isEmpty)
        _ = try LayoutReader(path: output)
    }

    @Test(
        "bad input: one line naming the file and the cause, exit 65, nothing written",
        arguments: [
            ("empty.pt", "empty"), ("text.pt", "text file"), ("truncated.pt", "zip"),
            ("malicious_reduce.pt", "posix.system"),
            ("unknown_global.pt", "torch.nn.modules.linear.Linear"), ("storage_too_small.pt", "needs 40000 bytes"),
            ("absurd_sizes.pt", "elements"), ("bad_safetensors.safetensors", "header"),
        ])
    func badInput(_ name: String, _ cause: String) throws {
        let folder = TemporaryFolder()
        let input = FixturePath.fixture("adversarial/\(name)")
        let run = try RunTool.run([input, "-o", folder.file("out.h5")])
        #expect(run.exitCode == 65)
        let lines = run.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(run.stderr)")
        #expect(run.stderr.hasPrefix("error: \(input): "))
        #expect(run.stderr.contains(cause), "\(run.stderr)")
        #expect(folder.contents().isEmpty)
    }

    @Test("a missing input exits 66 and bad options exit 64")
    func missingAndUsage() throws {
        let folder = TemporaryFolder()
        let missing = try RunTool.run([folder.file("nope.pt"), "-o", folder.file("o.h5")])
        #expect(missing.exitCode == 66)
        #expect(missing.stderr.contains("nope.pt"))
        let usage = try RunTool.run([FixturePath.fixture("torch/openai_fp16.pt"), "--dtype", "f8"])
        #expect(usage.exitCode == 64)
    }

    @Test("inspect prints a table and --json, for checkpoints and converted files")
    func inspect() throws {
        let table = try RunTool.run(["inspect", FixturePath.fixture("torch/openai_fp16.pt")])
        #expect(table.exitCode == 0)
        #expect(table.stdout.contains("visual.transformer.resblocks.0.attn.in_proj_weight"))
        #expect(table.stdout.contains("vision.blocks.0.attn.q_proj.weight, vision.blocks.0.attn.k_proj.weight"))
        let json = try RunTool.run(["inspect", FixturePath.fixture("torch/openai_jit.pt"), "--json"])
        #expect(json.exitCode == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["format"] as? String == "torchscript")
        #expect(object["convention"] as? String == "openai")
        let tensors = try #require(object["tensors"] as? [[String: Any]])
        #expect(
            tensors.contains {
                $0["source_name"] as? String == "input_resolution" && $0["status"] as? String == "dropped"
            })

        let folder = TemporaryFolder()
        _ = try RunTool.run([FixturePath.fixture("hf/model.safetensors"), "-o", folder.file("hf.h5")])
        let converted = try RunTool.run(["inspect", folder.file("hf.h5"), "--json"])
        #expect(converted.exitCode == 0)
        let layout = try #require(try JSONSerialization.jsonObject(with: Data(converted.stdout.utf8)) as? [String: Any])
        #expect((layout["format"] as? String)?.hasPrefix("ldvc-swift.layout") == true)
        #expect(layout["convention"] as? String == "hf")
    }
}
