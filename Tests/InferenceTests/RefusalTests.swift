import Foundation
import Inference
import Layout
import Testing
import _TestSupport

/// Inputs that cannot be run are refused with one line naming the file, before anything is written.
@Suite("Refusals")
struct RefusalTests {
    typealias F = InferenceFixtures

    @Test(
        "a corrupt image stops segment before any output is written",
        arguments: ["hostile/truncated.jpg", "hostile/garbage.jpg", "hostile/photo.webp", "hostile/bad_crc.png"])
    func corruptImage(name: String) throws {
        let folder = TemporaryFolder()
        let model = try InferenceModel(path: F.zegclipModel, threads: 1)
        #expect {
            _ = try Segmenter.run(
                model: model, images: [F.scene, FixturePath.fixture("images/" + name)], classNames: F.zegclipClasses,
                seen: [], tokenIDs: F.zegclipTokenIDs, folder: folder.path, writeScores: true, overwrite: false)
        } throws: { error in
            guard let error = error as? InferenceError else { return false }
            return error.kind == .inputRefused && error.description.hasPrefix(FixturePath.fixture("images/" + name))
                && !error.description.contains("\n")
        }
        #expect(folder.contents().isEmpty)
    }

    @Test("an existing output is refused before the model runs, and kept")
    func existingOutput() throws {
        let folder = TemporaryFolder()
        _ = FileManager.default.createFile(atPath: folder.file("scene.overlay.png"), contents: Data([1, 2, 3]))
        let model = try InferenceModel(path: F.zegclipModel, threads: 1)
        #expect {
            _ = try Segmenter.run(
                model: model, images: [F.scene], classNames: F.zegclipClasses, seen: [],
                tokenIDs: F.zegclipTokenIDs, folder: folder.path, writeScores: false, overwrite: false)
        } throws: { error in (error as? InferenceError)?.kind == .outputUnavailable }
        #expect(folder.contents() == ["scene.overlay.png"])
    }

    @Test("image embeddings of a segmentation model and class counts that do not fit are usage errors")
    func usage() throws {
        let model = try InferenceModel(path: F.zegclipModel, threads: 1)
        #expect(throws: InferenceError.self) { _ = try Embedder.embed(model: model, images: [F.scene], texts: []) }
        #expect {
            _ = try Segmenter.classEmbeddings(model: model, classNames: ["a", "b"], tokenIDs: F.zegclipTokenIDs)
        } throws: { error in (error as? InferenceError)?.kind == .usage }
    }

    @Test("class lists: commas or a file, repeats refused, seen classes by name or index")
    func classLists() throws {
        #expect(try ClassList.parse(" sky, grass ,road", option: "--classes") == ["sky", "grass", "road"])
        let folder = TemporaryFolder()
        let path = folder.file("classes.txt")
        _ = FileManager.default.createFile(atPath: path, contents: Data("sky\n\ngrass, tall\n".utf8))
        #expect(try ClassList.parse(path, option: "--classes") == ["sky", "grass, tall"])
        #expect(throws: InferenceError.self) { _ = try ClassList.parse("a,b,a", option: "--classes") }
        #expect(try ClassList.seen("grass,0", classNames: ["sky", "grass", "road"]) == [0, 1])
        #expect(throws: InferenceError.self) { _ = try ClassList.seen("7", classNames: ["sky", "grass"]) }
        #expect(try ClassList.tokenIDs(["98 17 99", "1,2"]) == [[98, 17, 99], [1, 2]])
    }

    @Test("settings the runtime cannot reproduce are refused by name: whole-image mode, no keep_ratio")
    func unsupportedPipelines() throws {
        let head = HeadArchitecture(kind: .zegclip, width: 32, heads: 8, imageSize: 32)
        var whole = PreprocessingSettings.zegCLIP(crop: 32)
        whole.mode = .whole
        #expect {
            _ = try ImagePipeline(settings: whole, head: head, modelPath: "m.h5")
        } throws: { error in (error as? InferenceError)?.description.contains("mode 'whole' is not supported") == true }
        var stretched = PreprocessingSettings.zegCLIP(crop: 32)
        stretched.keepRatio = false
        #expect(throws: InferenceError.self) {
            _ = try ImagePipeline(settings: stretched, head: head, modelPath: "m.h5")
        }
        #expect(throws: InferenceError.self) {
            _ = try ImagePipeline(settings: .zegCLIP(crop: 32), head: nil, modelPath: "m.h5")
        }
    }
}
