import Foundation
import Layout
import Testing
import _TestSupport

@testable import Conversion

/// The preprocessing a converted or imported model records (`/preprocessing`), from the source's config.
@Suite("Preprocessing settings at convert and import time")
struct PreprocessingSettingsTests {
    static func resolved(_ text: String?) throws -> (PreprocessingSettings, [String: String]) {
        var resolver = SettingsResolver(
            path: "ckpt.pth", config: try text.map { try ConfigText(parsing: $0) }, shapes: [:])
        let settings = try resolver.preprocessing(crop: 512)
        return (settings, resolver.sources)
    }

    @Test("ZegCLIP's MMSeg 0.x test pipeline: MultiScaleFlipAug img_scale, Resize min_size, test_cfg mode")
    func mmseg0() throws {
        let (settings, sources) = try Self.resolved(
            """
            model = dict(type='ZegCLIP', test_cfg=dict(mode='slide', crop_size=(512, 512), stride=(426, 426)))
            img_norm_cfg = dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], to_rgb=True)
            data = dict(
                samples_per_gpu=4,
                test=dict(
                    type='ZeroPascalVOCDataset20',
                    pipeline=[
                        dict(type='LoadImageFromFile'),
                        dict(type='MultiScaleFlipAug', img_scale=(2048, 512), flip=False,
                             transforms=[dict(type='Resize', keep_ratio=True, min_size=512),
                                         dict(type='RandomFlip'),
                                         dict(type='Normalize', mean=[123.675, 116.28, 103.53],
                                              std=[58.395, 57.12, 57.375], to_rgb=True),
                                         dict(type='ImageToTensor', keys=['img']),
                                         dict(type='Collect', keys=['img'])])
                    ]))
            """)
        #expect(settings == .zegCLIP(crop: 512))
        #expect(sources["preprocessing.scale"] == "meta.config: data.test.pipeline")
        #expect(sources["preprocessing.mode"] == "meta.config: model.test_cfg.mode")
        #expect(sources["preprocessing.rgb"] == "meta.config: img_norm_cfg.to_rgb")
        #expect(sources["preprocessing.normalization"]?.hasPrefix("default: MMSeg 0.x") == true)
    }

    @Test("MMSeg 1.x: Resize(scale=…) without min_size, SegDataPreProcessor, whole mode, BGR")
    func mmseg1() throws {
        let (settings, sources) = try Self.resolved(
            """
            model = dict(
                data_preprocessor=dict(type='SegDataPreProcessor', mean=[123.675, 116.28, 103.53],
                                       std=[58.395, 57.12, 57.375], bgr_to_rgb=False),
                test_cfg=dict(mode='whole'))
            test_pipeline = [
                dict(type='LoadImageFromFile'),
                dict(type='Resize', scale=(1024, 256), keep_ratio=True),
                dict(type='LoadAnnotations'),
                dict(type='PackSegInputs')]
            """)
        #expect(settings.scale == [1024, 256])
        #expect(settings.minSize == nil)
        #expect(settings.normalization == .dataPreprocessor)
        #expect(settings.mode == .whole)
        #expect(settings.rgb == false)
        #expect(sources["preprocessing.scale"] == "meta.config: test_pipeline")
    }

    @Test("no test pipeline: ZegCLIP's (4·crop, crop) with min_size crop, each a recorded default")
    func defaults() throws {
        let (settings, sources) = try Self.resolved(nil)
        #expect(settings.scale == [2048, 512])
        #expect(settings.minSize == 512)
        #expect(settings.decoder == .opencv)
        #expect(sources["preprocessing.scale"] == "default: ZegCLIP's (4 × crop, crop)")
    }

    @Test("a test_cfg mode that is neither slide nor whole is refused, naming the setting")
    func badMode() throws {
        #expect(throws: ConversionError.self) {
            _ = try Self.resolved("model = dict(test_cfg=dict(mode='tiles'))")
        }
    }

    @Test("an HF model takes image_mean/image_std of preprocessor_config.json beside it, stored and read back")
    func huggingFace() throws {
        let folder = TemporaryFolder()
        for name in ["config.json", "model.safetensors"] { try folder.copy(FixturePath.fixture("hf/" + name)) }
        let processor = """
            {"crop_size": {"height": 32, "width": 32}, "do_center_crop": true, "image_mean": [0.5, 0.25, 0.125],
             "image_std": [0.2, 0.3, 0.4], "resample": 3, "size": {"shortest_edge": 32}}
            """
        _ = FileManager.default.createFile(
            atPath: folder.file("preprocessor_config.json"), contents: Data(processor.utf8))
        let output = folder.file("clip.h5")
        _ = try Converter.convert(
            input: folder.file("model.safetensors"), output: output, options: ConversionOptions())
        let reader = try LayoutReader(path: output)
        #expect(
            reader.attributes.preprocessing
                == .clip(.huggingFace, imageSize: 32, mean: [0.5, 0.25, 0.125], std: [0.2, 0.3, 0.4]))
        #expect(reader.attributes.preprocessing?.decoder == .pillowExifTransposed)
        #expect(reader.metadata.architectureSources["preprocessing.mean"] == "preprocessor_config.json: image_mean")
    }

    @Test("an OpenAI checkpoint gets OpenAI's preprocess at its image size")
    func openAI() throws {
        let folder = TemporaryFolder()
        let output = folder.file("clip.h5")
        _ = try Converter.convert(
            input: FixturePath.fixture("torch/openai_fp32.pt"), output: output, options: ConversionOptions())
        let attributes = try LayoutReader(path: output).attributes
        #expect(attributes.preprocessing == .clip(.torchvision, imageSize: 32))
        #expect(attributes.resolvedPreprocessing.isStored)
    }
}
