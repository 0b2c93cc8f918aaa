import Checkpoint
import Foundation
import Layout
import TensorCore
import Testing
import _TestSupport

@testable import Conversion
@testable import Export

/// Exports their libraries load as they are: model folders with the library's own config, MMSeg
/// training checkpoints with `meta`, layout files; and the warnings where a loader would guess wrong.
/// (PyTorch's own verdict on these files is `Fixtures/prompts/export_confirmation.json`.)
@Suite("Loadable exports")
struct LoadableExportTests {
    static func json(_ path: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    static func convertHF(into folder: TemporaryFolder) throws -> String {
        let layout = folder.file("hf.h5")
        _ = try Converter.convert(
            input: FixturePath.fixture("hf/model.safetensors"), output: layout, options: ConversionOptions())
        return layout
    }

    @Test("--naming hf to a folder: config.json states what transformers' own config.json for the model states")
    func huggingFaceFolder() throws {
        let folder = TemporaryFolder("ldvc-export")
        let layout = try Self.convertHF(into: folder)
        let report = try Exporter.exportModel(
            input: layout, output: folder.file("out") + "/", naming: ExportNaming(.huggingFace), overwrite: false)
        #expect(report.format == .folder && report.output == folder.file("out"))
        #expect(
            Set(try FileManager.default.contentsOfDirectory(atPath: folder.file("out"))) == [
                "config.json", "model.safetensors",
            ])
        // The fixture's config.json was written by transformers' save_pretrained for the same model.
        let reference = try Self.json(FixturePath.fixture("hf/config.json"))
        let written = try Self.json(folder.file("out/config.json"))
        #expect(written["projection_dim"] as? Int == reference["projection_dim"] as? Int)
        #expect(written["model_type"] as? String == "clip" && written["architectures"] as? [String] == ["CLIPModel"])
        for (tower, keys) in [
            (
                "text_config",
                [
                    "hidden_size", "intermediate_size", "num_attention_heads", "num_hidden_layers",
                    "max_position_embeddings", "vocab_size", "projection_dim",
                ]
            ),
            (
                "vision_config",
                [
                    "hidden_size", "intermediate_size", "num_attention_heads", "num_hidden_layers", "image_size",
                    "patch_size", "num_channels", "projection_dim",
                ]
            ),
        ] {
            let ours = try #require(written[tower] as? [String: Any])
            let theirs = try #require(reference[tower] as? [String: Any])
            for key in keys { #expect(ours[key] as? Int == theirs[key] as? Int, "\(tower).\(key)") }
            #expect(ours["hidden_act"] as? String == theirs["hidden_act"] as? String)
            #expect(ours["layer_norm_eps"] as? Double == theirs["layer_norm_eps"] as? Double)
        }
        // The weights are the model's, in HF names, bit for bit.
        let original = try ExportRoundTripTests.tensors(FixturePath.fixture("hf/model.safetensors"))
        ExportRoundTripTests.expectSame(
            try ExportRoundTripTests.tensors(folder.file("out/model.safetensors")),
            original.filter { !$0.key.hasSuffix("position_ids") }, "hf folder")
        #expect(folder.contents() == ["hf.h5", "out"])
    }

    @Test(
        "--naming open_clip to a folder: open_clip_config.json states what open_clip's own config for the model states")
    func openCLIPFolder() throws {
        let folder = TemporaryFolder("ldvc-export")
        var options = ConversionOptions()
        options.convention = "open_clip"
        let layout = folder.file("oc.h5")
        _ = try Converter.convert(
            input: FixturePath.fixture("torch/open_clip/open_clip_model.pt"), output: layout, options: options)
        let report = try Exporter.exportModel(
            input: layout, output: folder.file("oc/"), naming: ExportNaming(.openCLIP), overwrite: false)
        #expect(report.warnings.isEmpty, "\(report.warnings)")
        #expect(
            Set(try FileManager.default.contentsOfDirectory(atPath: folder.file("oc")))
                == ["open_clip_config.json", "open_clip_model.safetensors"])
        // Written by open_clip's save_config_for_hf for the same model.
        let reference = try #require(
            try Self.json(FixturePath.fixture("torch/open_clip/open_clip_config.json"))["model_cfg"] as? [String: Any])
        let written = try #require(
            try Self.json(folder.file("oc/open_clip_config.json"))["model_cfg"] as? [String: Any])
        #expect(written["embed_dim"] as? Int == reference["embed_dim"] as? Int)
        #expect(written["quick_gelu"] as? Bool == reference["quick_gelu"] as? Bool)
        for part in ["vision_cfg", "text_cfg"] {
            let ours = try #require(written[part] as? [String: Any])
            let theirs = try #require(reference[part] as? [String: Any])
            for (key, value) in theirs { #expect(ours[key] as? Int == value as? Int, "\(part).\(key)") }
            // open_clip's default mlp_ratio, stated.
            #expect(ours["mlp_ratio"] as? Double == 4)
        }
        let original = try ExportRoundTripTests.tensors(FixturePath.fixture("torch/open_clip/open_clip_model.pt"))
        ExportRoundTripTests.expectSame(
            try ExportRoundTripTests.tensors(folder.file("oc/open_clip_model.safetensors")), original,
            "open_clip folder")
    }

    @Test("folders appear whole: an existing one is replaced only with --force and only when it holds an export")
    func folderAtomicity() throws {
        let folder = TemporaryFolder("ldvc-export")
        let layout = try Self.convertHF(into: folder)
        let out = folder.file("out")
        func export(_ overwrite: Bool) throws -> ExportReport {
            try Exporter.exportModel(
                input: layout, output: out + "/", naming: ExportNaming(.huggingFace), overwrite: overwrite)
        }
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: false)
        _ = try export(false)  // an empty folder is filled
        #expect(throws: ExportError.layout(.outputExists(path: out))) { try export(false) }
        let before = try Data(contentsOf: URL(fileURLWithPath: out + "/config.json"))
        _ = try export(true)  // an earlier export is replaced
        #expect(try Data(contentsOf: URL(fileURLWithPath: out + "/config.json")) == before)
        _ = FileManager.default.createFile(atPath: out + "/notes.txt", contents: Data("mine".utf8))
        #expect { try export(true) } throws: { error in
            guard case .layout(.outputFolder(let path, let reason)) = error as? ExportError else { return false }
            return path == out && reason.contains("notes.txt")
        }
        #expect(FileManager.default.fileExists(atPath: out + "/notes.txt"))
        // A regular file is never turned into a folder; a folder needs hf or open_clip.
        _ = FileManager.default.createFile(atPath: folder.file("file"), contents: Data())
        #expect(throws: ExportError.layout(.outputNotRegular(path: folder.file("file"), what: "not a folder"))) {
            try Exporter.exportModel(
                input: layout, output: folder.file("file"), naming: ExportNaming(.huggingFace), format: .folder,
                overwrite: true)
        }
        #expect {
            try Exporter.exportModel(
                input: layout, output: folder.file("oa/"), naming: ExportNaming(.openAI), overwrite: false)
        } throws: {
            error in "\(error)".contains("a folder export is a model folder")
        }
        // Nothing partial or locked is left beside the outputs.
        #expect(folder.contents() == ["file", "hf.h5", "out"])
    }

    @Test("--naming mmseg to .pth: {meta: {config, CLASSES, PALETTE}, state_dict}, the imported config text verbatim")
    func mmsegCheckpoint() throws {
        let folder = TemporaryFolder("ldvc-export")
        let source = FixturePath.fixture("prompts/zegclip_mmseg.pth")
        _ = try MMSegImporter.importCheckpoint(input: source, output: folder.file("z.h5"), options: ConversionOptions())
        let report = try Exporter.exportModel(
            input: folder.file("z.h5"), output: folder.file("z.pth"), naming: nil, overwrite: false)
        #expect(report.naming == ExportNaming(.mmseg) && report.warnings.isEmpty)
        let original = try CheckpointOpener.metadata(path: source)
        let exported = try CheckpointOpener.metadata(path: folder.file("z.pth"))
        #expect(exported == original)
        #expect(exported.classes == ["cat", "grass", "sky", "road"])
        #expect(exported.palette == [[120, 120, 120], [180, 120, 120], [6, 230, 230], [80, 50, 50]])
        let reader = try CheckpointOpener.open(path: folder.file("z.pth"))
        #expect(reader.wrapperKey == "state_dict")
        let buffer = try #require(reader.records.first { $0.name == "decode_head.loss_decode.criterion.empty_weight" })
        // ZegCLIP's SegPlusCriterion(num_classes = 2 seen): ones(3), eos_coef 0.1 last.
        #expect(try reader.read(buffer).floats() == [1, 1, 0.1])
    }

    @Test("without a recorded config, meta.config is generated, and importing the export gives the model back")
    func generatedConfig() throws {
        let folder = TemporaryFolder("ldvc-export")
        var options = ConversionOptions()
        options.visionHeads = 2
        options.textHeads = 2
        _ = try MMSegImporter.importCheckpoint(
            input: FixturePath.fixture("prompts/ldvc_noconfig.pth"), output: folder.file("a.h5"), options: options)
        let report = try Exporter.exportModel(
            input: folder.file("a.h5"), output: folder.file("a.pth"), naming: ExportNaming(.mmseg), overwrite: false)
        #expect(report.warnings.contains { $0.contains("meta.config is generated") })
        let text = try #require(try CheckpointOpener.metadata(path: folder.file("a.pth")).config)
        #expect(text.contains("type='LCTDHead'") && text.contains("total_d_layer=2"))
        // No --vision-heads this time: the generated config states them.
        _ = try MMSegImporter.importCheckpoint(
            input: folder.file("a.pth"), output: folder.file("b.h5"), options: ConversionOptions())
        let first = try LayoutReader(path: folder.file("a.h5"))
        let second = try LayoutReader(path: folder.file("b.h5"))
        #expect(first.architecture == second.architecture)
        #expect(second.attributes.dataset?.classes == first.attributes.dataset?.classes)
        ExportRoundTripTests.expectSame(
            try ExportRoundTripTests.layoutTensors(folder.file("b.h5")),
            try ExportRoundTripTests.layoutTensors(folder.file("a.h5")), "generated config round trip")
    }

    @Test(".h5 is a layout file again: every attribute and the dataset kept, tensors in the requested dtype")
    func layoutFile() throws {
        let folder = TemporaryFolder("ldvc-export")
        _ = try MMSegImporter.importCheckpoint(
            input: FixturePath.fixture("prompts/ldvc_mmseg.pth"), output: folder.file("a.h5"),
            options: ConversionOptions())
        let report = try Exporter.exportModel(
            input: folder.file("a.h5"), output: folder.file("b.h5"), naming: nil, dtype: .f16, overwrite: false)
        #expect(report.format == .layout && report.dtypes == ["f16": 164])
        let a = try LayoutReader(path: folder.file("a.h5"))
        let b = try LayoutReader(path: folder.file("b.h5"))
        var expected = a.attributes
        expected.metadata.dtypePolicy = "f16"
        #expect(b.attributes == expected)
        for name in try a.tensorNames() {
            let rounded = try a.tensor(name).converted(to: .f16).tensor
            #expect(try b.tensor(name) == rounded, "\(name)")
            #expect(try b.provenance(of: name).provenance.transform.hasSuffix("cast"), "\(name)")
        }
        #expect {
            try Exporter.exportModel(
                input: folder.file("a.h5"), output: folder.file("c.h5"), naming: ExportNaming(.openAI), overwrite: false
            )
        } throws: {
            error in "\(error)".contains("an .h5 export is a layout file")
        }
    }

    @Test("openai naming warns where clip.model.build_model would build another model; logit_scale is added")
    func loaderWarnings() throws {
        let folder = TemporaryFolder("ldvc-export")
        var options = ConversionOptions()
        options.convention = "open_clip"
        _ = try Converter.convert(
            input: FixturePath.fixture("torch/open_clip/open_clip_model.pt"), output: folder.file("oc.h5"),
            options: options)
        let report = try Exporter.exportModel(
            input: folder.file("oc.h5"), output: folder.file("oc.pt"), naming: ExportNaming(.openAI), overwrite: false)
        // Width 64 with 2 heads (build_model infers 1), and open_clip's exact GELU.
        #expect(
            report.warnings.filter { $0.contains("infers 1 vision heads") || $0.contains("infers 1 text heads") }.count
                == 2)
        #expect(report.warnings.filter { $0.contains("uses QuickGELU") }.count == 2)
        // An imported segmentor has no logit_scale: CLIP's initial value is written under every CLIP naming.
        _ = try MMSegImporter.importCheckpoint(
            input: FixturePath.fixture("prompts/ldvc_mmseg.pth"), output: folder.file("l.h5"),
            options: ConversionOptions())
        let clip = try Exporter.exportModel(
            input: folder.file("l.h5"), output: folder.file("l-hf/"), naming: ExportNaming(.huggingFace),
            overwrite: false)
        #expect(clip.computed == ["logit_scale"])
        let scale = try #require(try ExportRoundTripTests.tensors(folder.file("l-hf/model.safetensors"))["logit_scale"])
        #expect(scale.shape == [] && scale.floats() == [Float(2.6592)])
    }
}
