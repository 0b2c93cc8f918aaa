import Foundation
import HDF5
import Layout
import TensorCore
import Testing
import _TestSupport

@testable import Checkpoint
@testable import Conversion

/// Importing the MMSegmentation checkpoints `Fixtures/scripts/make_prompt_fixtures.py` made from the
/// reference modules gives the tensors of its own (independent, Python) mapping, bit for bit, and
/// the architecture the models were built with.
@Suite("Importing ZegCLIP/LDVC MMSegmentation checkpoints")
struct MMSegImportTests {
    static func fixture(_ name: String) -> String { FixturePath.fixture("prompts/\(name)") }

    /// `mmseg_reference.h5/<name>`: expected canonical tensors and architecture.
    struct Reference {
        let group: HDF5Group
        let canonical: HDF5Group
        let architecture: [String: Any]

        init(_ name: String) throws {
            let root = try HDF5File.open(path: MMSegImportTests.fixture("mmseg_reference.h5")).root()
            group = try root.group(name)
            let source = group.hasAttribute("canonical_from") ? try group.stringAttribute("canonical_from") : name
            canonical = try root.group(source).group("canonical")
            architecture =
                try JSONSerialization.jsonObject(with: Data(try group.stringAttribute("architecture").utf8))
                as? [String: Any] ?? [:]
        }

        func names() throws -> [String] {
            var names: [String] = []
            func collect(_ group: HDF5Group, _ prefix: String) throws {
                for child in try group.childNames() {
                    let name = prefix.isEmpty ? child : prefix + "." + child
                    if try group.kind(of: child) == .group {
                        try collect(try group.group(child), name)
                    } else {
                        names.append(name)
                    }
                }
            }
            try collect(canonical, "")
            return names
        }

        func dataset(_ name: String) throws -> HDF5Dataset {
            var group = canonical
            let parts = name.split(separator: ".").map(String.init)
            for part in parts.dropLast() { group = try group.group(part) }
            return try group.dataset(parts[parts.count - 1])
        }

        func section(_ key: String) -> [String: Any] { architecture[key] as? [String: Any] ?? [:] }
    }

    static func importFixture(_ name: String, options: ConversionOptions = ConversionOptions()) throws -> (
        LayoutReader, MMSegImportReport, TemporaryFolder
    ) {
        let folder = TemporaryFolder("ldvc-import")
        let report = try MMSegImporter.importCheckpoint(
            input: fixture("\(name).pth"), output: folder.file("model.h5"), options: options)
        return (try LayoutReader(path: folder.file("model.h5")), report, folder)
    }

    static func expectTensors(_ layout: LayoutReader, _ reference: Reference) throws {
        let names = try reference.names()
        #expect(Set(try layout.tensorNames()) == Set(names))
        for name in names {
            let expected = try reference.dataset(name)
            let actual = try layout.tensor(name)
            #expect(actual.dtype == .f32 && actual.shape == expected.shape, "\(name)")
            #expect(actual.contiguousBytes == (try expected.readBytes()), "\(name)")
            let provenance = try layout.provenance(of: name).provenance
            #expect(provenance.sourceName == (try expected.stringAttribute("source_name")), "\(name)")
            #expect(provenance.transform == (try expected.stringAttribute("transform")), "\(name)")
        }
    }

    static func expectIntegers(_ actual: [String: Int], _ expected: [String: Any], _ label: String) {
        for (key, value) in expected {
            if let number = value as? Int { #expect(actual[key] == number, "\(label).\(key)") }
        }
    }

    /// The integer settings of one attribute group (`vision`, `prompts.text`, `head`), by attribute name.
    static func integers(_ architecture: CLIPArchitecture, _ group: String) throws -> [String: Int] {
        var result: [String: Int] = [:]
        for (key, value) in try architecture.symbols() where key.hasPrefix(group + ".") {
            let name = String(key.dropFirst(group.count + 1))
            if !name.contains("."), case .int(let number) = value { result[name] = Int(number) }
        }
        return result
    }

    @Test("LDVC: tensors bit-exact, every setting from meta.config or the shapes, trained prompts marked imported")
    func ldvc() throws {
        let (layout, report, _) = try Self.importFixture("ldvc_mmseg")
        let reference = try Reference("ldvc_mmseg")
        try Self.expectTensors(layout, reference)
        let architecture = layout.architecture
        for group in ["vision", "text", "prompts.vision", "prompts.text"] {
            Self.expectIntegers(try Self.integers(architecture, group), reference.section(group), group)
        }
        let ldvc = try #require(architecture.ldvc)
        let text = try #require(ldvc.textPrompts)
        #expect(text.template == reference.section("prompts.text")["template"] as? String)
        let head = try #require(ldvc.head)
        let lctd = try #require(head.lctd)
        Self.expectIntegers(try Self.integers(architecture, "head"), reference.section("head"), "head")
        for (key, value) in try architecture.symbols() where key.hasPrefix("head.") {
            let name = String(key.dropFirst("head.".count))
            if case .string(let text) = value, let expected = reference.section("head")[name] as? String {
                #expect(text == expected, "\(key)")
            }
        }
        #expect(lctd.tapLayers == reference.section("head")["tap_layers"] as? [Int])
        #expect(lctd.normEps == 1e-6 && lctd.tapNormEps == 1e-5)
        #expect(report.sources["head.fusion"] == "meta.config: model.decode_head.fusion")
        #expect(report.sources["head.route_windows"] == "meta.config: model.decode_head.n_win")
        #expect(report.sources["head.conv"] == "tensor shapes")
        #expect(report.sources["vision.heads"] == "meta.config: model.backbone.heads")
        #expect(report.classes == ["cat", "grass", "sky", "road"])
        #expect(layout.metadata.sourceConvention == "mmseg" && layout.metadata.sourceWrapper == "state_dict")
        #expect(layout.metadata.droppedTensors.map(\.name) == ["decode_head.loss_decode.criterion.empty_weight"])
        #expect(
            layout.promptInitialization("text") == PromptInitialization(method: .imported, source: "ldvc_mmseg.pth")
        )
        #expect(layout.promptInitialization("vision")?.method == .imported)
    }

    @Test("ZegCLIP: the ATM decoder (with its unused self-attention, split q/k/v) and Python config values")
    func zegclip() throws {
        let (layout, report, _) = try Self.importFixture("zegclip_mmseg")
        let reference = try Reference("zegclip_mmseg")
        try Self.expectTensors(layout, reference)
        let head = try #require(layout.architecture.ldvc?.head)
        #expect(head.kind == .zegclip)
        Self.expectIntegers(try Self.integers(layout.architecture, "head"), reference.section("head"), "head")
        #expect(head.pixelMean == [123.675, 116.28, 103.53] && head.pixelStd == [58.395, 57.12, 57.375])
        #expect(report.sources["head.stride"] == "meta.config: model.test_cfg.stride")
        #expect(layout.architecture.ldvc?.textPrompts == nil)
    }

    @Test("without meta.config: shapes, the command line and the notes' defaults, each recorded")
    func noConfig() throws {
        var options = ConversionOptions()
        options.visionHeads = 2
        options.textHeads = 2
        let (layout, report, _) = try Self.importFixture("ldvc_noconfig", options: options)
        try Self.expectTensors(layout, try Reference("ldvc_noconfig"))
        let lctd = try #require(layout.architecture.ldvc?.head?.lctd)
        #expect(
            lctd.routeWindows == 8 && lctd.routeTopK == 16 && lctd.fusion == .addThenConv && lctd.tapLayers == [1, 2])
        #expect(lctd.routeLePEKernel == 3 && lctd.finalNorm && lctd.routeOutputProjection && lctd.conv == .depthwise)
        #expect(report.sources["head.route_windows"]?.hasPrefix("default:") == true)
        #expect(report.sources["vision.heads"] == "command line")
        #expect(layout.architecture.ldvc?.head?.heads == 8)
    }

    @Test("a prompt shape the architecture cannot hold is refused and nothing is written")
    func badShape() throws {
        let folder = TemporaryFolder("ldvc-import")
        #expect {
            try MMSegImporter.importCheckpoint(
                input: Self.fixture("ldvc_badshape.pth"), output: folder.file("model.h5"), options: ConversionOptions())
        } throws: { error in
            "\(error)".contains("ldvc_badshape.pth: 5 deep visual prompt layers") && "\(error)".contains("at most 2")
        }
        #expect(folder.contents().isEmpty)
    }

    @Test("a plain CLIP checkpoint is not an MMSeg one")
    func plainCLIP() throws {
        let folder = TemporaryFolder("ldvc-import")
        #expect {
            try MMSegImporter.importCheckpoint(
                input: FixturePath.fixture("torch/openai_fp32.pt"), output: folder.file("model.h5"),
                options: ConversionOptions())
        } throws: { error in
            "\(error)".contains("not a ZegCLIP/LDVC MMSegmentation checkpoint")
        }
        #expect(folder.contents().isEmpty)
    }

    @Test("meta.config and CLASSES are read without executing anything")
    func metadata() throws {
        let metadata = try CheckpointOpener.metadata(path: Self.fixture("zegclip_mmseg.pth"))
        #expect(metadata.classes == ["cat", "grass", "sky", "road"])
        #expect(metadata.config?.hasPrefix("norm_cfg = dict(type='SyncBN', requires_grad=True)") == true)
        #expect(
            try CheckpointOpener.metadata(path: FixturePath.fixture("torch/openai_fp32.pt")) == CheckpointMetadata())
    }
}
