import Foundation
import HDF5
import TensorCore
import Testing
import _TestSupport

@testable import Layout

@Suite("Layout reader and writer")
struct LayoutReaderTests {
    static let tinyText = CLIPArchitecture(
        embedDim: 4, vision: nil,
        text: TextArchitecture(
            width: 4, layers: 1, heads: 1, contextLength: 3, vocabSize: 5, mlpWidth: 8, layerNormEps: 1e-5,
            activation: .quickGELU))

    static func metadata() -> LayoutMetadata {
        LayoutMetadata(
            producer: "test", sourceFile: "x.pt", sourceSize: 1, sourceSHA256: String(repeating: "0", count: 64),
            sourceFormat: "torch-zip", sourceConvention: "openai", sourceWrapper: "", dtypePolicy: "keep",
            architectureSources: [:], droppedTensors: [], tiedTensors: [])
    }

    /// Writes every tensor the schema asks for, filled with its index.
    static func writeTiny(to path: String, skipping: String? = nil) throws {
        let writer = try LayoutWriter(output: try AtomicOutput(destination: path, overwrite: false, inputs: []))
        for (index, tensor) in try LayoutSchema.current.expectedTensors(for: tinyText).enumerated()
        where tensor.name != skipping {
            let count = tensor.shape.reduce(1, *)
            try writer.write(
                tensor.name,
                tensor: try Tensor(shape: tensor.shape, floats: [Float](repeating: Float(index), count: count)),
                provenance: TensorProvenance(sourceName: "s\(index)", transform: "identity", sourceDType: "f32"))
        }
        try writer.finish(LayoutAttributes(metadata: metadata(), architecture: tinyText))
    }

    @Test("a written file reads back with its architecture, tensors and provenance")
    func roundTrip() throws {
        let folder = TemporaryFolder()
        try Self.writeTiny(to: folder.file("tiny.h5"))
        let reader = try LayoutReader(path: folder.file("tiny.h5"))
        #expect(reader.architecture == Self.tinyText)
        #expect(reader.metadata == Self.metadata())
        #expect(try reader.floats("text.blocks.0.mlp.fc1.weight", shape: [8, 4]).count == 32)
        #expect(try reader.provenance(of: "text.token_embedding").provenance.sourceName == "s0")
        #expect(try reader.tensorNames().first == "text.token_embedding")
        #expect(
            throws: LayoutError.tensorShape(
                path: folder.file("tiny.h5"), name: "text.token_embedding", expected: [4, 5], actual: [5, 4])
        ) {
            _ = try reader.floats("text.token_embedding", shape: [4, 5])
        }
    }

    @Test("finishing without a required tensor fails and leaves no file")
    func missingTensor() throws {
        let folder = TemporaryFolder()
        #expect(throws: LayoutError.missingTensor(path: folder.file("tiny.h5"), name: "text.ln_final.bias")) {
            try Self.writeTiny(to: folder.file("tiny.h5"), skipping: "text.ln_final.bias")
        }
        #expect(folder.contents().isEmpty)
    }

    @Test("a file from a newer layout version is refused")
    func newerVersion() throws {
        let folder = TemporaryFolder()
        let path = folder.file("future.h5")
        let file = try HDF5File.create(path: path)
        let root = try file.root()
        try root.setAttribute("format", .string("ldvc-swift.layout"))
        try root.setAttribute("format_version", .int(99))
        try file.close()
        #expect(throws: LayoutError.newerVersion(path: path, version: 99, supported: 1)) {
            _ = try LayoutReader(path: path)
        }
    }

    @Test("an HDF5 file of another kind is refused")
    func foreignFile() throws {
        let path = FixturePath.fixture("reference/openai_fp32.h5")
        #expect(
            throws: LayoutError.notALayoutFile(
                path: path, found: "an HDF5 file without the layout's 'format' attribute")
        ) {
            _ = try LayoutReader(path: path)
        }
    }

    @Test("a checkpoint or a missing file given where a converted file is expected says what to do")
    func notConverted() throws {
        let checkpoint = FixturePath.fixture("torch/openai_fp32.pt")
        #expect(
            throws: LayoutError.notALayoutFile(
                path: checkpoint,
                found: "not an HDF5 file; a checkpoint is converted with `ldvc-convert \(checkpoint)` first")
        ) {
            _ = try LayoutReader(path: checkpoint)
        }
        let missing = TemporaryFolder().file("missing.h5")
        #expect(throws: LayoutError.read(.cannotOpen(path: missing, reason: "No such file or directory"))) {
            _ = try LayoutReader(path: missing)
        }
        #expect(LayoutError.read(.cannotOpen(path: missing, reason: "")).kind == .inputMissing)
    }

    @Test("architecture values no model has are refused before anything is built from them")
    func implausibleSettings() throws {
        var absurd = Self.tinyText
        absurd.text?.layers = 1 << 40
        #expect(throws: LayoutError.self) { try absurd.checkBounds(path: "x.h5") }
        var indivisible = Self.tinyText
        indivisible.text?.heads = 3
        #expect(
            throws: LayoutError.badAttribute(
                path: "x.h5", object: "/text", attribute: "heads", reason: "3 heads do not divide width 4")
        ) { try indivisible.checkBounds(path: "x.h5") }
    }
}
