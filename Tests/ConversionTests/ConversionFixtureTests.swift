import Conventions
import Foundation
import HDF5
import Layout
import TensorCore
import Testing
import _TestSupport

@testable import Conversion

/// Converting each fixture gives exactly the canonical tensors the fixture script computed with
/// its own (independent, Python) mapping, and the architecture the reference models were built with.
@Suite("Converting the fixture checkpoints")
struct ConversionFixtureTests {
    struct Case: CustomStringConvertible, Sendable {
        let file: String
        let reference: String
        let convention: Convention
        var description: String { file }
    }

    static let cases: [Case] = [
        Case(file: "torch/openai_fp32.pt", reference: "openai_fp32", convention: .openAI),
        Case(file: "torch/openai_fp16.pt", reference: "openai_fp16", convention: .openAI),
        Case(file: "torch/openai_bf16.pt", reference: "openai_bf16", convention: .openAI),
        Case(file: "torch/openai_jit.pt", reference: "openai_jit", convention: .openAI),
        Case(file: "torch/openai_legacy.pt", reference: "openai_legacy", convention: .openAI),
        Case(file: "torch/openai_wrapped.pth", reference: "openai_wrapped", convention: .openAI),
        Case(file: "torch/openai_views.pt", reference: "openai_views", convention: .openAI),
        Case(file: "torch/openai_protocol4.pt", reference: "openai_protocol4", convention: .openAI),
        Case(file: "torch/open_clip/open_clip_model.pt", reference: "open_clip_model", convention: .openCLIP),
        Case(file: "hf/model.safetensors", reference: "hf_safetensors", convention: .huggingFace),
        Case(file: "hf/pytorch_model.bin", reference: "hf_bin", convention: .huggingFace),
    ]

    @Test("every canonical tensor is bit-exact and the architecture is the reference's", arguments: cases)
    func convert(_ testCase: Case) throws {
        let folder = TemporaryFolder()
        let output = folder.file("model.h5")
        let report = try Converter.convert(
            input: FixturePath.fixture(testCase.file), output: output, options: ConversionOptions())
        #expect(report.plan.convention == testCase.convention)
        #expect(folder.contents() == ["model.h5"])

        let dump = try ReferenceDump(testCase.reference)
        let layout = try LayoutReader(path: output)
        let expectedNames = try dump.canonicalNames()
        #expect(Set(try layout.tensorNames()) == Set(expectedNames))
        for name in expectedNames {
            let expected = try dump.canonical(name)
            let actual = try layout.tensor(name)
            #expect(actual.dtype == expected.dtype, "\(name)")
            #expect(actual.shape == expected.shape, "\(name)")
            #expect(actual.contiguousBytes == expected.contiguousBytes, "\(name)")
        }

        let architecture = layout.architecture
        let vision = try #require(architecture.vision)
        let text = try #require(architecture.text)
        #expect(architecture.embedDim == (try dump.intAttribute("embed_dim")))
        for (name, value) in try architecture.symbols() where name.hasPrefix("vision.") || name.hasPrefix("text.") {
            if case .int(let number) = value { #expect(number == (try dump.intAttribute(name)), "\(name)") }
        }
        #expect(vision.activation.rawValue == (try dump.stringAttribute("vision.activation")))
        #expect(text.activation.rawValue == (try dump.stringAttribute("text.activation")))

        let expectedDropped = try JSONDecoder().decode(
            [String].self, from: Data(try dump.stringAttribute("dropped").utf8))
        #expect(Set(layout.metadata.droppedTensors.map(\.name)) == Set(expectedDropped))
        #expect(layout.metadata.sourceConvention == testCase.convention.name)
        #expect(layout.metadata.sourceFile == URL(fileURLWithPath: testCase.file).lastPathComponent)
    }

    @Test("the source hash and size are recorded")
    func provenance() throws {
        let folder = TemporaryFolder()
        let input = FixturePath.fixture("torch/openai_fp16.pt")
        let report = try Converter.convert(input: input, output: folder.file("m.h5"), options: ConversionOptions())
        let layout = try LayoutReader(path: folder.file("m.h5"))
        #expect(layout.metadata.sourceSHA256 == report.sha256)
        #expect(layout.metadata.sourceSize == (try FileManager.default.attributesOfItem(atPath: input)[.size] as? Int))
        // Provenance of a split q/k/v tensor names its fused source.
        let (provenance, dtype) = try layout.provenance(of: "vision.blocks.1.attn.k_proj.weight")
        #expect(provenance.sourceName == "visual.transformer.resblocks.1.attn.in_proj_weight")
        #expect(provenance.transform == "split_qkv:1")
        #expect(dtype == .f16 && provenance.sourceDType == "f16")
        #expect(report.sha256.count == 64)
    }

    @Test("sidecar configs decide heads and activation, and the file records it")
    func sidecars() throws {
        let folder = TemporaryFolder()
        _ = try Converter.convert(
            input: FixturePath.fixture("torch/open_clip/open_clip_model.pt"), output: folder.file("o.h5"),
            options: ConversionOptions())
        let openCLIP = try LayoutReader(path: folder.file("o.h5"))
        #expect(openCLIP.metadata.architectureSources["vision.heads"] == "open_clip_config.json")
        #expect(openCLIP.metadata.architectureSources["vision.activation"] == "open_clip_config.json")
        _ = try Converter.convert(
            input: FixturePath.fixture("torch/openai_fp32.pt"), output: folder.file("a.h5"),
            options: ConversionOptions())
        let openAI = try LayoutReader(path: folder.file("a.h5"))
        #expect(openAI.metadata.architectureSources["vision.heads"] == "default: heads of width 64")
        #expect(openAI.metadata.architectureSources["text.activation"] == "default for the openai convention")
    }

    @Test("command-line overrides win and are recorded")
    func overrides() throws {
        let folder = TemporaryFolder()
        var options = ConversionOptions()
        options.activation = .gelu
        options.textHeads = 2
        _ = try Converter.convert(
            input: FixturePath.fixture("torch/openai_fp32.pt"), output: folder.file("a.h5"), options: options)
        let layout = try LayoutReader(path: folder.file("a.h5"))
        #expect(layout.architecture.text?.heads == 2)
        #expect(layout.architecture.vision?.activation == .gelu)
        #expect(layout.metadata.architectureSources["text.heads"] == "command line")
    }

    @Test("--dtype f32 widens exactly and --dtype f16 narrows like Float16(_:)")
    func dtypePolicies() throws {
        let folder = TemporaryFolder()
        let dump = try ReferenceDump("openai_bf16")
        var options = ConversionOptions()
        options.dtype = .f32
        _ = try Converter.convert(
            input: FixturePath.fixture("torch/openai_bf16.pt"), output: folder.file("w.h5"), options: options)
        let wide = try LayoutReader(path: folder.file("w.h5"))
        let name = "text.blocks.0.mlp.fc1.weight"
        #expect(try wide.tensor(name).dtype == .f32)
        #expect(try wide.tensor(name).floats() == (try dump.canonical(name)).floats())
        #expect(try wide.provenance(of: name).provenance.transform == "cast")

        options.dtype = .f16
        _ = try Converter.convert(
            input: FixturePath.fixture("torch/openai_fp32.pt"), output: folder.file("n.h5"), options: options)
        let narrow = try LayoutReader(path: folder.file("n.h5"))
        let reference = try ReferenceDump("openai_fp32").canonical("vision.proj.weight").floats()
        let stored = try narrow.tensor("vision.proj.weight")
        #expect(stored.dtype == .f16)
        #expect(stored.floats() == reference.map { Float(Float16($0)) })
        #expect(narrow.metadata.dtypePolicy == "f16")
    }
}
