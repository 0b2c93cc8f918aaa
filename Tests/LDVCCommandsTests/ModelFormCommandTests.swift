import Foundation
import Testing
import _TestSupport

/// The forms users hold models in, through the built binary: what it writes, warns and refuses, with
/// exit codes, and `verify` of the results against goldens of the reference libraries.
@Suite("ldvc-convert with model folders, shards, configs and unsupported models")
struct ModelFormCommandTests {
    static let geluStateDict = FixturePath.fixture("forms/open_clip_gelu.pt")
    static let geluGolden = FixturePath.fixture("forms/goldens/open_clip_gelu.h5")

    static func verify(_ model: String, _ golden: String) throws -> ToolRun {
        try RunTool.run(["verify", model, "--golden", golden])
    }

    @Test("a GELU state dict without its config: warned, marked (assumed), and verify points at the assumption")
    func assumedActivation() throws {
        let folder = TemporaryFolder("ldvc-forms")
        let output = folder.file("assumed.h5")
        let run = try RunTool.run([Self.geluStateDict, "-o", output])
        #expect(run.exitCode == 0, "\(run.stderr)")
        let warnings = run.stderr.split(separator: "\n").filter { $0.hasPrefix("warning: ") }
        #expect(warnings.count == 2, "\(run.stderr)")
        #expect(
            warnings[0].contains(
                "assumed vision.activation = quick_gelu, text.activation = quick_gelu, the openai convention's default")
        )
        #expect(warnings[0].hasSuffix("state it with --activation gelu|quick_gelu or --config FILE"))
        #expect(warnings[1].contains("state it with --vision-heads/--text-heads or --config FILE"))
        #expect(run.stdout.contains("; vision.heads = 1 (assumed), vision.activation = quick_gelu (assumed)"))

        let failed = try Self.verify(output, Self.geluGolden)
        #expect(failed.exitCode == 1)
        let lines = failed.stderr.split(separator: "\n")
        #expect(lines.count == 2, "\(failed.stderr)")
        #expect(lines.first?.hasPrefix("error: first diverging tap: vision.blocks.0 ") == true)
        #expect(
            lines.last?.hasPrefix(
                "note: \(output) was converted with assumed settings, the likeliest cause: text.activation = quick_gelu (default for the openai convention)"
            ) == true, "\(failed.stderr)")
    }

    @Test(
        "stated, the same state dict converts right: --activation gelu, or --config with its open_clip config",
        arguments: [
            ["--activation", "gelu"], ["--config", FixturePath.fixture("forms/open_clip_configs/tiny_model.json")],
        ])
    func statedActivation(_ extra: [String]) throws {
        let folder = TemporaryFolder("ldvc-forms")
        let output = folder.file("stated.h5")
        let run = try RunTool.run([Self.geluStateDict, "-o", output] + extra)
        #expect(run.exitCode == 0, "\(run.stderr)")
        #expect(!run.stdout.contains("activation = quick_gelu (assumed)"))
        let verified = try Self.verify(output, Self.geluGolden)
        #expect(verified.exitCode == 0, "\(verified.stdout)\(verified.stderr)")
        #expect(verified.stdout.contains("10 taps within tolerance"))
    }

    @Test("--strict refuses to assume, naming what it would assume, exit 65, nothing written")
    func strict() throws {
        let folder = TemporaryFolder("ldvc-forms")
        let run = try RunTool.run([Self.geluStateDict, "-o", folder.file("x.h5"), "--strict"])
        #expect(run.exitCode == 65)
        #expect(
            run.stderr.hasPrefix(
                "error: \(Self.geluStateDict): --strict refuses to assume vision.heads = 1 (heads of width 64, CLIP's usual), vision.activation = quick_gelu (the openai convention's default)"
            ), "\(run.stderr)")
        #expect(run.stderr.contains("state them with --activation, --text-heads, --vision-heads or --config"))
        #expect(folder.contents().isEmpty)
    }

    @Test("an open_clip hub folder: FOLDER.h5 beside it by default, and it verifies against its golden")
    func hubFolder() throws {
        let folder = TemporaryFolder("ldvc-forms")
        let hub = folder.file("tiny-open_clip")
        try FileManager.default.copyItem(atPath: FixturePath.fixture("forms/open_clip_hub"), toPath: hub)
        let run = try RunTool.run([hub])
        #expect(run.exitCode == 0, "\(run.stderr)")
        #expect(run.stdout.hasPrefix("wrote \(hub).h5: 46 tensors"))
        #expect(run.stdout.contains("open_clip convention, safetensors input"))
        #expect(run.stderr.isEmpty, "\(run.stderr)")
        #expect(try Self.verify(hub + ".h5", Self.geluGolden).exitCode == 0)
    }

    @Test(
        "model folders verify against the existing goldens of the same weights",
        arguments: [("hf", "clip_hf"), ("torch/open_clip", "clip_open_clip")])
    func foldersVerify(_ input: String, _ golden: String) throws {
        let folder = TemporaryFolder("ldvc-forms")
        let output = folder.file("m.h5")
        let run = try RunTool.run([FixturePath.fixture(input), "-o", output])
        #expect(run.exitCode == 0, "\(run.stderr)")
        let verified = try Self.verify(output, FixturePath.fixture("runtime/goldens/\(golden).h5"))
        #expect(verified.exitCode == 0, "\(verified.stdout)")
    }

    @Test("a HuggingFace cache repository (snapshot files linked into blobs/) verifies like hf/")
    func cacheVerifies() throws {
        let folder = TemporaryFolder("ldvc-forms")
        let root = folder.file("models--test--tiny-clip")
        let commit = "89abcdef0123456789abcdef0123456789abcdef"
        let snapshot = root + "/snapshots/" + commit
        for path in [root + "/blobs", root + "/refs", snapshot] {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        }
        try Data(commit.utf8).write(to: URL(fileURLWithPath: root + "/refs/main"))
        for (index, name) in ["config.json", "model.safetensors"].enumerated() {
            let blob = "blob\(index)"
            try FileManager.default.copyItem(atPath: FixturePath.fixture("hf/" + name), toPath: root + "/blobs/" + blob)
            try FileManager.default.createSymbolicLink(
                atPath: snapshot + "/" + name, withDestinationPath: "../../blobs/" + blob)
        }
        let run = try RunTool.run([root])
        #expect(run.exitCode == 0, "\(run.stderr)")
        #expect(run.stderr == "note: \(root): HuggingFace cache: snapshot \(commit) (refs/main)\n")
        let verified = try Self.verify(root + ".h5", FixturePath.fixture("runtime/goldens/clip_hf.h5"))
        #expect(verified.exitCode == 0, "\(verified.stdout)")
    }

    @Test(
        "refusals by name: one line naming the file and the cause, exit 65, nothing written",
        arguments: [
            (
                "forms/unsupported/open_clip_rn50_layout.pt", "ModifiedResNet vision tower",
                "converts alone with --text-only"
            ),
            ("forms/unsupported/open_clip_convnext.pt", "ConvNeXt vision tower", "converts alone with --text-only"),
            ("forms/unsupported/open_clip_eva.pt", "EVA vision tower", "converts alone with --text-only"),
            ("forms/unsupported/open_clip_siglip.pt", "SigLIP (open_clip", "supported are CLIP models"),
            ("forms/unsupported/siglip_hf", "SigLIP (transformers SiglipModel)", "supported are CLIP models"),
            ("forms/unsupported/open_clip_coca.pt", "CoCa (open_clip)", "supported are CLIP models"),
            (
                "runtime/checkpoints/zegclip_tiny.pth", "ZegCLIP/LDVC MMSegmentation checkpoint",
                "use `ldvc-convert import "
            ),
            ("forms/lfs_pointer.safetensors", "a Git LFS pointer, not the weights", "run `git lfs pull`"),
            ("adversarial/truncated.pt", "the file is truncated", "incomplete download?"),
            ("forms/broken_shards/duplicate", "is in two shards", "model-00002-of-00003.safetensors"),
        ])
    func refusals(_ input: String, _ cause: String, _ hint: String) throws {
        let folder = TemporaryFolder("ldvc-forms")
        let run = try RunTool.run([FixturePath.fixture(input), "-o", folder.file("out.h5")])
        #expect(run.exitCode == 65, "\(run.stderr)")
        #expect(run.stderr.split(separator: "\n").count == 1, "\(run.stderr)")
        #expect(run.stderr.hasPrefix("error: "))
        #expect(run.stderr.contains(cause) && run.stderr.contains(hint), "\(run.stderr)")
        #expect(folder.contents().isEmpty)
    }

    @Test("a missing shard and a shard without its index are missing input (exit 66), named")
    func missingShards() throws {
        let folder = TemporaryFolder("ldvc-forms")
        let copy = folder.file("sharded")
        try FileManager.default.copyItem(atPath: FixturePath.fixture("forms/hf_sharded"), toPath: copy)
        try FileManager.default.removeItem(atPath: copy + "/model-00003-of-00003.safetensors")
        let missing = try RunTool.run([copy, "-o", folder.file("out.h5")])
        #expect(missing.exitCode == 66)
        #expect(
            missing.stderr.hasPrefix(
                "error: \(copy)/model.safetensors.index.json: shard 'model-00003-of-00003.safetensors' is missing"),
            "\(missing.stderr)")
        let lone = try folder.copy(FixturePath.fixture("forms/hf_sharded/model-00001-of-00003.safetensors"))
        let alone = try RunTool.run([lone, "-o", folder.file("out.h5")])
        #expect(alone.exitCode == 66)
        #expect(alone.stderr.contains("shard 1 of 3 of a sharded checkpoint, and no *.index.json beside it lists it"))
        #expect(!FileManager.default.fileExists(atPath: folder.file("out.h5")))
    }

    @Test("a tensor in another shard than the index says, and configs that cannot be right, are refused (exit 65)")
    func refusedByContent() throws {
        let folder = TemporaryFolder("ldvc-forms")
        let copy = folder.file("sharded")
        try FileManager.default.copyItem(atPath: FixturePath.fixture("forms/hf_sharded"), toPath: copy)
        let indexPath = copy + "/model.safetensors.index.json"
        var index = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: indexPath))) as? [String: Any])
        var map = try #require(index["weight_map"] as? [String: String])
        map["logit_scale"] = "model-00003-of-00003.safetensors"
        index["weight_map"] = map
        try JSONSerialization.data(withJSONObject: index).write(to: URL(fileURLWithPath: indexPath))
        let wrong = try RunTool.run([copy, "-o", folder.file("out.h5")])
        #expect(wrong.exitCode == 65)
        #expect(
            wrong.stderr.contains(
                "tensor 'logit_scale' is in shard model-00001-of-00003.safetensors, but the index puts it in model-00003-of-00003.safetensors"
            ), "\(wrong.stderr)")

        // An open_clip config of a model that pools text by its last token, without a causal mask.
        let config = folder.file("config-of-another-kind.json")
        let text = #"""
            {"embed_dim": 32, "vision_cfg": {"image_size": 16, "layers": 1, "width": 64, "patch_size": 8, "mlp_ratio": 1.0},
             "text_cfg": {"context_length": 8, "vocab_size": 64, "width": 64, "heads": 1, "layers": 1, "mlp_ratio": 1.0,
                          "pool_type": "last", "no_causal_mask": true}}
            """#
        try Data(text.utf8).write(to: URL(fileURLWithPath: config))
        let pooled = try RunTool.run([Self.geluStateDict, "--config", config, "-o", folder.file("out.h5")])
        #expect(pooled.exitCode == 65)
        #expect(
            pooled.stderr.hasPrefix("error: \(config): an open_clip configuration unlike CLIP's: "), "\(pooled.stderr)")
        #expect(pooled.stderr.contains("text_cfg.pool_type = last (pool_type)"))
        #expect(pooled.stderr.contains("its vision tower converts alone with --vision-only"))

        // A config that says QuickGELU for a graph that computes GELU.
        let quick = folder.file("quick.json")
        try Data(
            #"{"quick_gelu": true, "vision_cfg": {"width": 48, "head_width": 16}, "text_cfg": {"width": 48, "heads": 3}}"#
                .utf8
        ).write(to: URL(fileURLWithPath: quick))
        let contradicted = try RunTool.run([
            FixturePath.fixture("forms/onnx/open_clip_gelu_3heads.onnx"), "--config", quick, "-o",
            folder.file("out.h5"),
        ])
        #expect(contradicted.exitCode == 65)
        #expect(contradicted.stderr.contains("says vision activation quick_gelu but the file computes with gelu"))
        #expect(contradicted.stderr.contains("pass --activation to decide"))
        #expect(!FileManager.default.fileExists(atPath: folder.file("out.h5")))
    }

    @Test(
        "--text-only converts the CLIP tower of a model whose image tower cannot run; --vision-only with it is bad usage"
    )
    func oneTower() throws {
        let folder = TemporaryFolder("ldvc-forms")
        let input = FixturePath.fixture("forms/unsupported/open_clip_rn50_layout.pt")
        let run = try RunTool.run([
            input, "-o", folder.file("text.h5"), "--text-only", "--text-heads", "2", "--activation", "gelu",
        ])
        #expect(run.exitCode == 0, "\(run.stderr)")
        #expect(run.stderr.isEmpty, "\(run.stderr)")
        let inspected = try RunTool.run(["inspect", folder.file("text.h5")])
        #expect(inspected.stdout.contains("text:        width 16, 1 layers, 2 heads"))
        #expect(!inspected.stdout.contains("vision:"))
        let both = try RunTool.run([input, "--text-only", "--vision-only"])
        #expect(both.exitCode == 64)
        #expect(both.stderr.contains("--text-only and --vision-only exclude each other"))
    }

    @Test("inspect of a ZegCLIP checkpoint shows the plan import would write")
    func inspectSegmentor() throws {
        let run = try RunTool.run(["inspect", FixturePath.fixture("runtime/checkpoints/zegclip_tiny.pth")])
        #expect(run.exitCode == 0, "\(run.stderr)")
        #expect(
            run.stdout.contains(
                "convention:  mmseg — a ZegCLIP/LDVC MMSegmentation checkpoint: `ldvc-convert import` writes this plan")
        )
        #expect(run.stdout.contains("decode_head.q_proj.weight") && run.stdout.contains("head.adapter.weight"))
    }
}
