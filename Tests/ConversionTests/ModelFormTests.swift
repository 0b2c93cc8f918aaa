import Checkpoint
import Conventions
import Foundation
import Layout
import TensorCore
import Testing
import _TestSupport

@testable import Conversion

/// Every form a user may hold a model in converts to exactly what the single file converts to.
@Suite("Converting models in the forms users hold them")
struct ModelFormTests {
    static func convert(
        _ input: String, _ folder: TemporaryFolder, _ name: String, options: ConversionOptions = ConversionOptions(),
        reporter: Reporter = .silent
    ) throws -> (ConversionReport, LayoutReader) {
        let report = try Converter.convert(
            input: input, output: folder.file(name), options: options, reporter: reporter)
        return (report, try LayoutReader(path: folder.file(name)))
    }

    /// The error converting `input` fails with, or nil when it converts.
    static func refusal(_ input: String, _ folder: TemporaryFolder, options: ConversionOptions = ConversionOptions())
        -> ConversionError?
    {
        do {
            _ = try Converter.convert(input: input, output: folder.file("refused.h5"), options: options)
            return nil
        } catch {
            return error
        }
    }

    /// The same tensors (names, dtypes, shapes, bytes) and the same architecture.
    static func expectSame(_ actual: LayoutReader, _ expected: LayoutReader, _ label: String) throws {
        #expect(Set(try actual.tensorNames()) == Set(try expected.tensorNames()), "\(label)")
        for name in try expected.tensorNames() {
            let a = try actual.tensor(name)
            let b = try expected.tensor(name)
            #expect(a.dtype == b.dtype && a.shape == b.shape, "\(label): \(name)")
            #expect(a.contiguousBytes == b.contiguousBytes, "\(label): \(name)")
        }
        #expect(actual.architecture == expected.architecture, "\(label)")
    }

    @Test("an HF folder converts like its model.safetensors, preferred over pytorch_model.bin, with a note")
    func huggingFaceFolder() throws {
        let folder = TemporaryFolder()
        let notes = Warnings()
        let (_, fromFolder) = try Self.convert(
            FixturePath.fixture("hf"), folder, "folder.h5", reporter: Reporter(diagnostic: { notes.append($0) }))
        let (_, fromFile) = try Self.convert(FixturePath.fixture("hf/model.safetensors"), folder, "file.h5")
        try Self.expectSame(fromFolder, fromFile, "hf folder")
        #expect(fromFolder.metadata.sourceFormat == "safetensors")
        #expect(
            notes.messages.contains {
                $0.hasSuffix(
                    "model.safetensors chosen over pytorch_model.bin (safetensors preferred: the same weights without unpickling)"
                )
            }, "\(notes.messages)")
    }

    @Test(
        "a sharded checkpoint, given as its folder, its index or any shard, converts like the unsharded file",
        arguments: [
            "forms/hf_sharded", "forms/hf_sharded/model.safetensors.index.json",
            "forms/hf_sharded/model-00002-of-00003.safetensors", "forms/hf_sharded_bin",
            "forms/hf_sharded_bin/pytorch_model.bin.index.json",
            "forms/hf_sharded_bin/pytorch_model-00003-of-00003.bin",
        ])
    func sharded(_ input: String) throws {
        let folder = TemporaryFolder()
        let (report, sharded) = try Self.convert(FixturePath.fixture(input), folder, "sharded.h5")
        let (_, single) = try Self.convert(
            FixturePath.fixture("forms/hf_single/model.safetensors"), folder, "single.h5")
        try Self.expectSame(sharded, single, input)
        #expect(report.plan.convention == .huggingFace)
        #expect(sharded.architecture.vision?.heads == 2)  // from config.json: heads of 16, no default gives 2
        #expect(sharded.metadata.architectureSources["vision.heads"] == "config.json")

        // Size and hash cover every shard: `sha256sum` lines of the shards, hashed.
        let index = try ShardIndex(
            path: FixturePath.fixture(
                input.hasPrefix("forms/hf_sharded_bin")
                    ? "forms/hf_sharded_bin/pytorch_model.bin.index.json"
                    : "forms/hf_sharded/model.safetensors.index.json"))
        var manifest = ""
        var size = 0
        for shard in index.shards {
            let value = try FileDigest(path: index.shardPath(shard)).value()
            manifest += "\(value.sha256)  \(shard)\n"
            size += value.size
        }
        let manifestFile = folder.file("manifest.txt")
        try Data(manifest.utf8).write(to: URL(fileURLWithPath: manifestFile))
        #expect(sharded.metadata.sourceSHA256 == (try FileDigest(path: manifestFile).value().sha256))
        #expect(sharded.metadata.sourceSize == size)
        #expect(sharded.metadata.sourceFile == URL(fileURLWithPath: index.path).lastPathComponent)
        if !input.contains("_bin") {
            // Safetensors shards are copied file to file from each shard.
            #expect(report.build.copiedBytes > 0)
        }
    }

    @Test("the default output sits beside the input: FOLDER.h5 for a folder, model.h5 for an index")
    func defaultOutputs() throws {
        let folder = TemporaryFolder()
        let copy = folder.file("my-clip")
        try FileManager.default.copyItem(atPath: FixturePath.fixture("forms/hf_sharded"), toPath: copy)
        let fromFolder = try Converter.convert(input: copy, output: nil, options: ConversionOptions())
        #expect(fromFolder.output == folder.file("my-clip.h5"))
        let fromIndex = try Converter.convert(
            input: copy + "/model.safetensors.index.json", output: nil, options: ConversionOptions())
        #expect(fromIndex.output == copy + "/model.h5")
        #expect(try ModelInput.resolve(copy + "/model-00001-of-00003.safetensors").defaultOutput == copy + "/model.h5")
        #expect(ModelInput.shardNumber(of: "pytorch_model-00002-of-00003.bin").map { $0 == (2, 3) } == true)
        #expect(ModelInput.shardNumber(of: "model-of-the-year.safetensors") == nil)
        #expect(ModelInput.stem(ofIndex: "/x/pytorch_model.bin.index.json") == "pytorch_model")
    }

    /// A HuggingFace cache repository of `hf/`: blobs named by hash, the snapshot's files links into them.
    static func makeCache(in folder: TemporaryFolder) throws -> (root: String, snapshot: String) {
        let root = folder.file("models--test--tiny-clip")
        let commit = "0123456789abcdef0123456789abcdef01234567"
        let snapshot = root + "/snapshots/" + commit
        for path in [root + "/blobs", root + "/refs", snapshot] {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        }
        try Data(commit.utf8).write(to: URL(fileURLWithPath: root + "/refs/main"))
        for name in ["config.json", "model.safetensors"] {
            let blob = try FileDigest(path: FixturePath.fixture("hf/" + name)).value().sha256
            try FileManager.default.copyItem(atPath: FixturePath.fixture("hf/" + name), toPath: root + "/blobs/" + blob)
            try FileManager.default.createSymbolicLink(
                atPath: snapshot + "/" + name, withDestinationPath: "../../blobs/" + blob)
        }
        return (root, snapshot)
    }

    @Test(
        "a HuggingFace cache repository or snapshot (links into blobs/) converts like the files; no output replaces a blob"
    )
    func huggingFaceCache() throws {
        let folder = TemporaryFolder()
        let (root, snapshot) = try Self.makeCache(in: folder)
        let (_, expected) = try Self.convert(FixturePath.fixture("hf/model.safetensors"), folder, "file.h5")
        let notes = Warnings()
        let (_, fromRoot) = try Self.convert(
            root, folder, "root.h5", reporter: Reporter(diagnostic: { notes.append($0) }))
        try Self.expectSame(fromRoot, expected, "cache root")
        #expect(
            notes.messages.contains {
                $0.hasSuffix(
                    "HuggingFace cache: snapshot \(URL(fileURLWithPath: snapshot).lastPathComponent) (refs/main)")
            })
        let (_, fromSnapshot) = try Self.convert(snapshot, folder, "snapshot.h5")
        try Self.expectSame(fromSnapshot, expected, "snapshot")
        #expect(fromSnapshot.architecture.vision?.heads == 2)

        var force = ConversionOptions()
        force.overwrite = true
        for target in [snapshot + "/config.json", snapshot + "/model.safetensors"] {
            #expect(throws: ConversionError.layout(.outputIsInput(path: target))) {
                _ = try Converter.convert(input: root, output: target, options: force)
            }
        }
    }

    @Test(
        "open_clip's hub folder (config + safetensors) is open_clip with GELU, like the state dict told --activation gelu"
    )
    func openCLIPHub() throws {
        let folder = TemporaryFolder()
        let (report, hub) = try Self.convert(FixturePath.fixture("forms/open_clip_hub"), folder, "hub.h5")
        #expect(report.plan.convention == .openCLIP)
        #expect(report.plan.assumed.isEmpty)
        #expect(hub.architecture.vision?.activation == .gelu && hub.architecture.text?.activation == .gelu)
        #expect(hub.metadata.architectureSources["convention"] == "open_clip_config.json beside the input")
        var options = ConversionOptions()
        options.activation = .gelu
        let (_, stateDict) = try Self.convert(
            FixturePath.fixture("forms/open_clip_gelu.pt"), folder, "sd.h5", options: options)
        for name in try hub.tensorNames() {
            #expect(try hub.tensor(name).contiguousBytes == (try stateDict.tensor(name)).contiguousBytes, "\(name)")
        }
        #expect(hub.architecture == stateDict.architecture)
    }

    @Test("--config takes a config from anywhere; an open_clip model config is recognised by its content")
    func explicitConfig() throws {
        let folder = TemporaryFolder()
        var options = ConversionOptions()
        options.config = FixturePath.fixture("forms/open_clip_configs/tiny_model.json")
        let (report, layout) = try Self.convert(
            FixturePath.fixture("forms/open_clip_gelu.pt"), folder, "c.h5", options: options)
        #expect(report.plan.convention == .openCLIP)
        #expect(report.plan.assumed.isEmpty)
        #expect(layout.architecture.vision?.activation == .gelu)
        #expect(layout.metadata.architectureSources["vision.activation"] == "--config \(options.config!)")
        #expect(layout.metadata.architectureSources["convention"] == "--config \(options.config!)")

        // An HF config for a lone safetensors file: the heads (2 of 16) come only from it.
        let lone = try folder.copy(FixturePath.fixture("forms/hf_single/model.safetensors"), as: "lone.safetensors")
        #expect(throws: ConversionError.self) { _ = try Self.convert(lone, folder, "no-config.h5") }
        var hf = ConversionOptions()
        hf.config = FixturePath.fixture("forms/hf_single/config.json")
        let (_, withConfig) = try Self.convert(lone, folder, "hf.h5", options: hf)
        #expect(withConfig.architecture.text?.heads == 2)

        // Another model's config is refused: its widths contradict the tensors.
        var other = ConversionOptions()
        other.config = FixturePath.fixture("hf/config.json")
        #expect(
            throws: ConversionError.sidecar(
                path: other.config!,
                reason: "says embed_dim = 32 but the tensors of \(lone) give 16: it is not this model's configuration")
        ) { _ = try Self.convert(lone, folder, "other.h5", options: other) }
    }

    @Test("a GELU open_clip state dict without its config: assumed settings warned and recorded, refused with --strict")
    func assumedSettings() throws {
        let folder = TemporaryFolder()
        let input = FixturePath.fixture("forms/open_clip_gelu.pt")
        let warnings = Warnings()
        let (report, layout) = try Self.convert(
            input, folder, "assumed.h5", reporter: Reporter(diagnostic: { warnings.append($0) }))
        #expect(report.plan.convention == .openAI)
        #expect(
            report.plan.assumed.map(\.name).sorted() == [
                "text.activation", "text.heads", "vision.activation", "vision.heads",
            ])
        #expect(layout.architecture.vision?.activation == .quickGELU)
        #expect(layout.metadata.architectureSources["vision.activation"] == "default for the openai convention")
        let activationWarning = try #require(warnings.messages.first { $0.contains("activation") })
        for part in [
            "assumed vision.activation = quick_gelu, text.activation = quick_gelu", "the openai convention's default",
            "an open_clip model saved without its config uses gelu", "--activation gelu|quick_gelu or --config FILE",
        ] {
            #expect(activationWarning.contains(part), "\(part)")
        }
        #expect(
            warnings.messages.contains { $0.contains("assumed vision.heads = 1, text.heads = 1, heads of width 64") })

        var strict = ConversionOptions()
        strict.strict = true
        let error = try #require(Self.refusal(input, folder, options: strict))
        guard case .assumedSettings(let path, let settings) = error else { throw error }
        #expect(path == input)
        #expect(settings.count == 4)
        #expect(error.kind == .inputRefused)
        #expect(!FileManager.default.fileExists(atPath: folder.file("refused.h5")))
        // Stating everything satisfies --strict.
        strict.activation = .gelu
        strict.visionHeads = 1
        strict.textHeads = 1
        let (stated, _) = try Self.convert(input, folder, "stated.h5", options: strict)
        #expect(stated.plan.assumed.isEmpty)
    }

    @Test(
        "ONNX exports state the activation and the head count; both exports hold the same weights as the traced model",
        arguments: [
            ("forms/onnx/open_clip_gelu_3heads.onnx", Activation.gelu),
            ("forms/onnx/open_clip_quickgelu_3heads.onnx", .quickGELU),
        ])
    func onnxStatesSettings(_ file: String, _ activation: Activation) throws {
        let folder = TemporaryFolder()
        var strict = ConversionOptions()
        strict.strict = true  // nothing may be assumed: width 48 in heads of 16 has no default
        let (report, onnx) = try Self.convert(FixturePath.fixture(file), folder, "onnx.h5", options: strict)
        #expect(report.plan.assumed.isEmpty)
        for tower in [onnx.architecture.vision?.activation, onnx.architecture.text?.activation] {
            #expect(tower == activation)
        }
        #expect(onnx.architecture.vision?.heads == 3 && onnx.architecture.text?.heads == 3)
        #expect(
            onnx.metadata.architectureSources["text.heads"]?.hasPrefix("ONNX graph: the query is split into 3 heads")
                == true)
        let (_, traced) = try Self.convert(
            FixturePath.fixture("forms/torchscript/open_clip_gelu_3heads.pt"), folder, "traced.h5", options: strict)
        #expect(traced.architecture.vision?.activation == .gelu)
        #expect(
            traced.metadata.architectureSources["vision.activation"]?.hasPrefix(
                "TorchScript code of visual.transformer.resblocks.0.mlp.gelu") == true)
        for name in try onnx.tensorNames() {
            #expect(try onnx.tensor(name).contiguousBytes == (try traced.tensor(name)).contiguousBytes, "\(name)")
        }
    }

    @Test("a config that contradicts the graph is refused; the command line decides")
    func configContradictsGraph() throws {
        let folder = TemporaryFolder()
        let config = folder.file("open_clip_config.json")
        let text = #"""
            {"model_cfg": {"embed_dim": 16, "quick_gelu": true,
             "vision_cfg": {"image_size": 16, "layers": 1, "width": 48, "head_width": 16, "patch_size": 8},
             "text_cfg": {"context_length": 8, "vocab_size": 64, "width": 48, "heads": 3, "layers": 1}}}
            """#
        try Data(text.utf8).write(to: URL(fileURLWithPath: config))
        let input = try folder.copy(FixturePath.fixture("forms/onnx/open_clip_gelu_3heads.onnx"))
        let error = try #require(Self.refusal(input, folder))
        guard case .architecture(_, let reason) = error else { throw error }
        #expect(
            reason.hasPrefix(
                "open_clip_config.json says vision activation quick_gelu but the file computes with gelu"))
        #expect(reason.hasSuffix("pass --activation to decide"))
        var options = ConversionOptions()
        options.activation = .gelu
        let (_, decided) = try Self.convert(input, folder, "decided.h5", options: options)
        #expect(decided.metadata.architectureSources["vision.activation"] == "command line")
    }

    @Test(
        "families the runtime cannot run are refused by name",
        arguments: [
            ("forms/unsupported/open_clip_rn50_layout.pt", "ModifiedResNet vision tower", true),
            ("forms/unsupported/open_clip_convnext.pt", "ConvNeXt vision tower", true),
            ("forms/unsupported/open_clip_eva.pt", "EVA vision tower", true),
            ("forms/unsupported/open_clip_siglip.pt", "SigLIP (open_clip", false),
            ("forms/unsupported/siglip_hf", "SigLIP (transformers SiglipModel)", false),
            ("forms/unsupported/open_clip_coca.pt", "CoCa (open_clip)", false),
        ])
    func unsupported(_ file: String, _ family: String, _ textConverts: Bool) throws {
        let folder = TemporaryFolder()
        let error = try #require(Self.refusal(FixturePath.fixture(file), folder))
        guard case .unsupportedArchitecture(_, let name, _, let remedy) = error else { throw error }
        #expect(name.hasPrefix(family), "\(name)")
        #expect(
            remedy
                == (textConverts
                    ? "its text tower is CLIP's and converts alone with --text-only"
                    : ConversionPlanner.supported(.builtIn)))
        #expect(error.kind == .inputRefused)
        #expect(!folder.contents().contains("refused.h5"))
        guard textConverts else { return }
        var options = ConversionOptions()
        options.towers = .textOnly
        options.textHeads = 2
        options.activation = .gelu
        let (report, layout) = try Self.convert(FixturePath.fixture(file), folder, "text.h5", options: options)
        #expect(layout.architecture.vision == nil)
        #expect(layout.architecture.text?.width == 16)
        #expect(try layout.tensorNames().allSatisfy { $0.hasPrefix("text.") || $0 == "logit_scale" })
        #expect(report.plan.unmapped.isEmpty)
        #expect(
            layout.metadata.droppedTensors.contains { $0.reason == "the vision tower is not converted (--text-only)" })
    }

    @Test("an open_clip config with settings the runtime does not implement is refused, naming them")
    func unsupportedConfig() throws {
        let folder = TemporaryFolder()
        let config = folder.file("siglip-like.json")
        var root = try #require(
            try JSONSerialization.jsonObject(
                with: Data(
                    contentsOf: URL(fileURLWithPath: FixturePath.fixture("forms/open_clip_configs/tiny_model.json"))))
                as? [String: Any])
        var textConfig = try #require(root["text_cfg"] as? [String: Any])
        textConfig["no_causal_mask"] = true
        textConfig["pool_type"] = "last"
        root["text_cfg"] = textConfig
        try JSONSerialization.data(withJSONObject: root).write(to: URL(fileURLWithPath: config))
        var options = ConversionOptions()
        options.config = config
        let error = try #require(Self.refusal(FixturePath.fixture("forms/open_clip_gelu.pt"), folder, options: options))
        guard case .unsupportedArchitecture(let path, _, let reason, let remedy) = error else { throw error }
        #expect(path == config)
        #expect(
            reason.contains("text_cfg.pool_type = last (pool_type)")
                && reason.contains("text_cfg.no_causal_mask = true"))
        #expect(remedy == "its vision tower converts alone with --vision-only")
        options.towers = .visionOnly
        let (_, vision) = try Self.convert(
            FixturePath.fixture("forms/open_clip_gelu.pt"), folder, "v.h5", options: options)
        #expect(vision.architecture.text == nil && vision.architecture.vision?.activation == .gelu)
    }

    @Test("a ZegCLIP/LDVC training checkpoint is sent to import; inspect shows the import plan")
    func segmentor() throws {
        let folder = TemporaryFolder()
        let input = FixturePath.fixture("runtime/checkpoints/zegclip_tiny.pth")
        #expect(throws: ConversionError.segmentorCheckpoint(path: input, summary: Convention.mmseg.summary)) {
            _ = try Self.convert(input, folder, "x.h5")
        }
        let report = try Inspector.inspect(path: input)
        #expect(report.convention == "mmseg")
        #expect(report.conventionSource.contains("`ldvc-convert import` writes this plan"))
        #expect(report.architecture?.ldvc?.head != nil)
        #expect(report.tensors.contains { $0.canonical.contains("head.adapter.weight") })
    }

    @Test("folders without weights, and a shard without its index, are missing input")
    func missingInput() throws {
        let folder = TemporaryFolder()
        let empty = folder.file("empty")
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: false)
        let error = try #require(Self.refusal(empty, folder))
        guard case .modelInput(let path, let reason) = error else { throw error }
        #expect(
            path == empty
                && reason.hasPrefix(
                    "no model weights found: expected one of model.safetensors, model.safetensors.index.json")
        )
        #expect(error.kind == .inputMissing)
        let shard = try folder.copy(FixturePath.fixture("forms/hf_sharded/model-00002-of-00003.safetensors"))
        #expect(
            throws: ConversionError.modelInput(
                path: shard,
                reason:
                    "shard 2 of 3 of a sharded checkpoint, and no *.index.json beside it lists it: give the index file or the folder"
            )
        ) { _ = try ModelInput.resolve(shard) }
    }
}
