import Foundation
import HDF5
import Layout
import Runtime
import TensorCore
import Testing
import _TestSupport

/// Bad input: every refusal is a thrown error whose one-line message names the file and what is wrong.
@Suite("Refusals")
struct RefusalTests {
    static let zegclip = FixturePath.fixture("runtime/models/zegclip_tiny.h5")
    static let zegclipGolden = FixturePath.fixture("runtime/goldens/zegclip_tiny.h5")

    /// Copies an HDF5 file object by object with our own bridge, leaving out `skipping` (an HDF5 path)
    /// and replacing attributes: `overrides[groupPath][name]` (`""` is the root group).
    static func copy(
        _ source: String, to destination: String, skipping: String? = nil,
        overrides: [String: [String: HDF5AttributeValue]] = [:]
    ) throws {
        let input = try HDF5File.open(path: source), output = try HDF5File.create(path: destination)
        func copyAttributes(from: any HDF5Object, to: any HDF5Object) throws {
            for name in try from.attributeNames() { try to.setAttribute(name, try from.attribute(name)) }
        }
        func copyGroup(_ from: HDF5Group, _ to: HDF5Group, path: String) throws {
            try copyAttributes(from: from, to: to)
            for (name, value) in overrides[path] ?? [:] { try to.setAttribute(name, value) }
            for child in try from.childNames() {
                let childPath = path + "/" + child
                if childPath == skipping { continue }
                switch try from.kind(of: child) {
                case .group: try copyGroup(try from.group(child), try to.createGroup(child), path: childPath)
                case .dataset:
                    let data = try from.dataset(child)
                    let copy = try to.createDataset(child, dtype: data.dtype, shape: data.shape)
                    try copy.write(try data.readBytes())
                    try copyAttributes(from: data, to: copy)
                case .other: continue
                }
            }
        }
        try copyGroup(try input.root(), try output.root(), path: "")
        try output.close()
    }

    @Test("A model file missing a tensor the runtime needs names the tensor")
    func missingTensor() throws {
        let folder = TemporaryFolder()
        let model = folder.file("missing.h5")
        try Self.copy(Self.zegclip, to: model, skipping: "/head/layers/2/mlp/fc2/weight")
        let error = #expect(throws: RuntimeError.self) { try LDVCRuntime(path: model) }
        #expect(error == .layout(.missingTensor(path: model, name: "head.layers.2.mlp.fc2.weight")))
        #expect(error?.description == "\(model): the tensor 'head.layers.2.mlp.fc2.weight' is missing")
    }

    @Test("A file from a newer layout version is refused before anything is read")
    func newerLayoutVersion() throws {
        let folder = TemporaryFolder()
        let model = folder.file("newer.h5")
        try Self.copy(Self.zegclip, to: model, overrides: ["": ["format_version": .int(2)]])
        let error = #expect(throws: RuntimeError.self) { try LDVCRuntime(path: model) }
        #expect(error == .layout(.newerVersion(path: model, version: 2, supported: 1)))
        #expect(error?.description.contains("layout version 2 is newer") == true)
    }

    @Test("An unknown reconstructed-option value is refused with the allowed ones")
    func unknownOption() throws {
        let folder = TemporaryFolder()
        let model = folder.file("option.h5")
        try Self.copy(
            FixturePath.fixture("runtime/models/ldvc_tiny.h5"), to: model,
            overrides: ["/head": ["route_scale": .string("sqrt")]])
        let error = #expect(throws: RuntimeError.self) { try LDVCRuntime(path: model) }
        #expect(
            error?.description
                == "\(model): attribute 'route_scale' of '/head' is invalid: 'sqrt' is not one of qk_dim, head_dim")
    }

    /// A golden written from scratch with our HDF5 bridge, as any tool could: a plain CLIP golden
    /// whose patch-embedding tap has one row too many for the model.
    @Test("A golden whose tap shapes do not match the model names the tap and both shapes")
    func goldenShapeMismatch() throws {
        let folder = TemporaryFolder()
        let model = folder.file("clip.h5")
        try Self.convertOpenAI(to: model)
        let golden = folder.file("golden.h5")
        let file = try HDF5File.create(path: golden)
        let root = try file.root()
        try root.setAttribute("format", .string("ldvc-swift.golden"))
        try root.setAttribute("format_version", .int(1))
        let inputs = try root.createGroup("inputs"), taps = try root.createGroup("taps")
        let image = try inputs.createDataset("image", dtype: .f32, shape: [1, 3, 32, 32])
        try image.write(TensorBytes.bytes(fromFloats: [Float](repeating: 0.5, count: 3 * 32 * 32)))
        let tap = try taps.createDataset("vision.patch_embed", dtype: .f32, shape: [1, 17, 64])
        try tap.write(TensorBytes.bytes(fromFloats: [Float](repeating: 0, count: 17 * 64)))
        try file.close()
        let error = #expect(throws: RuntimeError.self) { try Verifier.verify(modelPath: model, goldenPath: golden) }
        #expect(
            error == .goldenShape(path: golden, tap: "vision.patch_embed", expected: [1, 16, 64], actual: [1, 17, 64]))
        #expect(
            error?.description
                == "\(golden): tap 'vision.patch_embed' has shape [1, 17, 64] but the model produces [1, 16, 64] for these inputs"
        )
    }

    @Test("A golden made for another model: its taps are not produced, or its inputs do not fit")
    func goldenForAnotherModel() throws {
        // LDVC goldens on the ZegCLIP model: the same towers, but no local consensus decoder.
        let error = #expect(throws: RuntimeError.self) {
            try Verifier.verify(
                modelPath: Self.zegclip, goldenPath: FixturePath.fixture("runtime/goldens/ldvc_tiny.h5"))
        }
        #expect(error?.description.contains("tap 'head.taps.0' is not produced by") == true)
        // CLIP goldens use token ids up to 999; the tiny segmentation models have a vocabulary of 100.
        let vocabulary = #expect(throws: RuntimeError.self) {
            try Verifier.verify(
                modelPath: Self.zegclip, goldenPath: FixturePath.fixture("runtime/goldens/clip_openai_fp32.h5"))
        }
        #expect(vocabulary?.description.contains("outside the vocabulary of 100") == true)
    }

    @Test("A golden from a newer golden format version is refused")
    func newerGoldenVersion() throws {
        let folder = TemporaryFolder()
        let golden = folder.file("golden.h5")
        try Self.copy(Self.zegclipGolden, to: golden, overrides: ["": ["format_version": .int(2)]])
        let error = #expect(throws: RuntimeError.self) { try GoldenFile(path: golden) }
        #expect(
            error == .golden(path: golden, reason: "golden format version 2 is newer than this tool understands (1)"))
    }

    @Test("A plain CLIP model refuses an image whose patch grid its position embeddings do not cover")
    func imageSize() throws {
        let folder = TemporaryFolder()
        let model = folder.file("clip.h5")
        try Self.convertOpenAI(to: model)
        let runtime = try LDVCRuntime(path: model)
        let image = try Image(height: 48, width: 48, pixels: [Float](repeating: 0, count: 3 * 48 * 48))
        let error = #expect(throws: RuntimeError.self) { try runtime.encodeImage(image) }
        #expect(
            error?.description.contains("a 6×6 patch grid needs position embeddings for it; the model stores 4×4")
                == true)
        #expect(throws: RuntimeError.missingPart(path: model, part: "head")) {
            try runtime.segmentCrop(image, classes: Matrix(rows: 1, columns: 32))
        }
    }

    static func convertOpenAI(to model: String) throws {
        _ = try ConverterShim.convert(FixturePath.fixture("torch/openai_fp32.pt"), to: model)
    }
}
