import Checkpoint
import Foundation
import Layout
import Testing
import _TestSupport

@testable import Conversion

/// `import` keeps the dataset a segmentor was trained on: classes, the zero-shot split, the palette
/// and the config text, with where each came from. Expected values are those the fixture scripts
/// built the checkpoints with (`make_prompt_fixtures.py`: CLASSES, PALETTE, `seen_idx=[0, 1]`,
/// `novel_class=[2, 3]`; `make_goldens.py`: CLASSES and a JSON `seen_idx` [0, 1]).
@Suite("Imported training datasets")
struct MMSegDatasetTests {
    static func imported(_ fixture: String, heads: Int? = nil) throws -> (LayoutReader, TemporaryFolder) {
        let folder = TemporaryFolder("ldvc-dataset")
        var options = ConversionOptions()
        options.visionHeads = heads
        options.textHeads = heads
        _ = try MMSegImporter.importCheckpoint(
            input: FixturePath.fixture(fixture), output: folder.file("model.h5"), options: options)
        return (try LayoutReader(path: folder.file("model.h5")), folder)
    }

    @Test("a Config.pretty_text checkpoint: classes, seen_idx, novel_class, palette and the text, each with its source")
    func prettyText() throws {
        let (reader, _) = try Self.imported("prompts/ldvc_mmseg.pth")
        let dataset = try #require(reader.attributes.dataset)
        #expect(dataset.classes == ["cat", "grass", "sky", "road"])
        #expect(dataset.seenClasses == [0, 1] && dataset.unseenClasses == [2, 3])
        #expect(dataset.palette == [[120, 120, 120], [180, 120, 120], [6, 230, 230], [80, 50, 50]])
        #expect(
            dataset.config
                == (try CheckpointOpener.metadata(path: FixturePath.fixture("prompts/ldvc_mmseg.pth")).config))
        #expect(
            dataset.sources == [
                "classes": "meta.CLASSES", "palette": "meta.PALETTE", "config": "meta.config",
                "seen_classes": "meta.config: model.decode_head.seen_idx",
                "unseen_classes": "meta.config: model.novel_class",
            ])
    }

    @Test("a JSON config with seen_idx only: the unseen classes are the rest")
    func jsonConfig() throws {
        let (reader, _) = try Self.imported("runtime/checkpoints/zegclip_tiny.pth")
        let dataset = try #require(reader.attributes.dataset)
        #expect(dataset.classes == ["cat", "grass", "sky", "road"])
        #expect(dataset.seenClasses == [0, 1] && dataset.unseenClasses == [2, 3])
        #expect(dataset.sources["unseen_classes"] == "the classes not seen" && dataset.palette == nil)
    }

    @Test("without meta.config: classes and palette, no split")
    func noConfig() throws {
        let (reader, _) = try Self.imported("prompts/ldvc_noconfig.pth", heads: 2)
        let dataset = try #require(reader.attributes.dataset)
        #expect(dataset.classes.count == 4 && dataset.palette?.count == 4)
        #expect(dataset.seenClasses == nil && dataset.unseenClasses == nil && dataset.config == nil)
    }

    @Test("a split that does not fit the classes is left out with a warning; the palette likewise")
    func badSplit() throws {
        let text = "model = dict(decode_head=dict(seen_idx=[0, 7], all_idx=[0, 1, 2, 3]))"
        let collected = Warnings()
        let reporter = Reporter(diagnostic: { collected.append($0) })
        let dataset = MMSegDataset.read(
            metadata: CheckpointMetadata(config: text, classes: ["a", "b", "c", "d"], palette: [[1, 2, 3]]),
            config: try ConfigText(parsing: text), path: "x.pth", reporter: reporter)
        #expect(dataset?.seenClasses == nil && dataset?.palette == nil && dataset?.classes.count == 4)
        let warnings = collected.messages
        #expect(warnings.count == 2)
        #expect(warnings.contains { $0.contains("class index 7 is outside the 4 classes") })
        // all_idx less seen_idx when no unseen list is given (ZegCLIP's own rule).
        let split = "model = dict(decode_head=dict(seen_idx=[2, 0], all_idx=[0, 1, 2]))"
        let fine = MMSegDataset.read(
            metadata: CheckpointMetadata(config: split, classes: ["a", "b", "c", "d"]),
            config: try ConfigText(parsing: split), path: "x.pth", reporter: .silent)
        #expect(fine?.seenClasses == [2, 0] && fine?.unseenClasses == [1])
    }
}
