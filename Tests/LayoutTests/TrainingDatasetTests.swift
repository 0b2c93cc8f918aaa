import Foundation
import HDF5
import Testing
import _TestSupport

@testable import Layout

/// The `/dataset` attributes: written and read back through the one attribute coder, refused when
/// a hostile file's values do not fit together; and `AtomicFolder`'s leftovers.
@Suite("Training dataset attributes")
struct TrainingDatasetTests {
    static let dataset = TrainingDataset(
        classes: ["cat", "grass", "sky", "road \"quoted\""], seenClasses: [0, 1], unseenClasses: [2, 3],
        palette: [[1, 2, 3], [4, 5, 6], [7, 8, 9], [255, 0, 0]], config: "model = dict(type='ZegCLIP')\n",
        sources: ["classes": "meta.CLASSES"])

    @Test("written into a layout file and read back equal; attributes on /dataset")
    func roundTrip() throws {
        let folder = TemporaryFolder()
        let path = folder.file("m.h5")
        let writer = try LayoutWriter(output: try AtomicOutput(destination: path, overwrite: false, inputs: []))
        for (index, tensor) in try LayoutSchema.current.expectedTensors(for: LayoutReaderTests.tinyText).enumerated() {
            try writer.write(
                tensor.name,
                tensor: try .init(
                    shape: tensor.shape, floats: [Float](repeating: Float(index), count: tensor.shape.reduce(1, *))),
                provenance: TensorProvenance(sourceName: "s", transform: "identity", sourceDType: "f32"))
        }
        try writer.finish(
            LayoutAttributes(
                metadata: LayoutReaderTests.metadata(), architecture: LayoutReaderTests.tinyText, dataset: Self.dataset)
        )
        let reader = try LayoutReader(path: path)
        #expect(reader.attributes.dataset == Self.dataset)
        let group = try reader.file.root().group("dataset")
        #expect(try group.attribute("palette") == .intArray([1, 2, 3, 4, 5, 6, 7, 8, 9, 255, 0, 0]))
        #expect(try group.attribute("seen_classes") == .intArray([0, 1]))
        // No tensors live under /dataset.
        #expect(try !reader.tensorNames().contains { $0.hasPrefix("dataset") })
    }

    @Test("indices outside the classes, overlapping splits and short palettes are refused")
    func refusals() throws {
        var values = try AttributeEncoder().encode(Self.dataset)
        let decoder = AttributeDecoder(path: "x.h5")
        #expect(try decoder.decode(TrainingDataset.self, from: values) == Self.dataset)
        values["seen_classes"] = .intArray([0, 4])
        #expect(
            throws: LayoutError.badAttribute(
                path: "x.h5", object: "/", attribute: "seen_classes", reason: "class index 4 is outside 0 … 3")
        ) {
            try decoder.decode(TrainingDataset.self, from: values)
        }
        values["seen_classes"] = .intArray([0, 2])
        #expect(
            throws: LayoutError.badAttribute(
                path: "x.h5", object: "/", attribute: "unseen_classes", reason: "a class is both seen and unseen")
        ) {
            try decoder.decode(TrainingDataset.self, from: values)
        }
        values["seen_classes"] = .intArray([0, 1])
        values["palette"] = .intArray([1, 2, 3])
        #expect(
            throws: LayoutError.badAttribute(
                path: "x.h5", object: "/", attribute: "palette", reason: "3 values for 4 classes (3 per class)")
        ) {
            try decoder.decode(TrainingDataset.self, from: values)
        }
        values["palette"] = .intArray([Int64](repeating: 256, count: 12))
        #expect(
            throws: LayoutError.badAttribute(
                path: "x.h5", object: "/", attribute: "palette", reason: "a value is outside 0 … 255")
        ) {
            try decoder.decode(TrainingDataset.self, from: values)
        }
    }

    @Test("a folder output's partial folder of a killed run is removed; a live one's is not")
    func folderLeftovers() throws {
        let folder = TemporaryFolder()
        let dead = folder.file(".out.partial-999999999-1")
        let live = folder.file(".out.partial-\(getpid())-2")
        for path in [dead, live] {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
            _ = FileManager.default.createFile(atPath: path + "/model.safetensors", contents: Data([1]))
        }
        let output = try AtomicFolder(
            destination: folder.file("out"), overwrite: false, inputs: [], replaceableNames: ["a"])
        #expect(output.removedLeftovers == [dead])
        _ = FileManager.default.createFile(atPath: output.temporaryFile("a"), contents: Data([2]))
        try output.commit()
        #expect(folder.contents() == [".out.partial-\(getpid())-2", "out"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.file("out")) == ["a"])
    }
}
