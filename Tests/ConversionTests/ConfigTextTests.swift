import Testing

@testable import Conversion

@Suite("Reading training configs without running them")
struct ConfigTextTests {
    @Test("mmcv pretty_text: nested dict(), tuples, lists, literals, comments, exponents and negatives")
    func prettyText() throws {
        let config = try ConfigText(
            parsing: """
                norm_cfg = dict(type='SyncBN', requires_grad=True)  # a comment
                model = dict(
                    type='ZegCLIP',
                    backbone=dict(type='VPTCLIPVisionTransformer', out_indices=[11], num_tokens=10, drop_path_rate=0.1),
                    decode_head=dict(num_heads=8, norm_eps=1e-06, seen_idx=[0, 1], offset=-0.1,
                                     loss_decode=dict(type="SegLossPlus", mask_weight=100.0)),
                    test_cfg=dict(mode='slide', crop_size=(512, 512), stride=(426, 426)))
                img_norm_cfg = dict(
                    mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], to_rgb=True)
                """)
        #expect(config.value(at: "model.backbone.num_tokens") == .int(10))
        #expect(config.value(at: "model.backbone.out_indices") == .list([.int(11)]))
        #expect(config.value(at: "model.decode_head.norm_eps") == .double(1e-6))
        #expect(config.value(at: "model.decode_head.offset") == .double(-0.1))
        #expect(config.value(at: "model.decode_head.loss_decode.type") == .string("SegLossPlus"))
        #expect(config.value(at: "model.test_cfg.stride.0") == .int(426))
        #expect(config.value(at: "img_norm_cfg.std")?.listValue?.compactMap(\.doubleValue) == [58.395, 57.12, 57.375])
        #expect(config.value(at: "img_norm_cfg.to_rgb") == .bool(true))
        #expect(config.value(at: "model.missing") == nil)
    }

    @Test("plain Python configs: names refer to earlier assignments; other expressions stay opaque")
    func pythonConfig() throws {
        let config = try ConfigText(
            parsing: """
                _base_ = ['../_base_/models/zegclip.py']
                out_indices = [3, 5, 7, 11]
                img_size = 512
                model = dict(
                    backbone=dict(out_indices=out_indices, input_resolution=img_size, lr=1e-5 * 2),
                    decode_head=dict(use_stages=len(out_indices), **extra, channels=512))
                from mmseg import x
                """)
        #expect(config.value(at: "model.backbone.out_indices")?.listValue?.count == 4)
        #expect(config.value(at: "model.backbone.input_resolution") == .int(512))
        if case .opaque = config.value(at: "model.backbone.lr") {
        } else {
            Issue.record("arithmetic should stay opaque")
        }
        if case .opaque = config.value(at: "model.decode_head") {
        } else {
            Issue.record("**kwargs should make the dict opaque")
        }
    }

    @Test("JSON objects are configs too")
    func json() throws {
        let config = try ConfigText(
            parsing:
                #"{"decoder": {"tap_layers": [1, 2], "final_norm": 0, "route_scale": "qk_dim"}, "text_prompts": null}"#)
        #expect(config.value(at: "decoder.tap_layers") == .list([.int(1), .int(2)]))
        #expect(config.value(at: "decoder.final_norm")?.boolValue == false)
        #expect(config.value(at: "text_prompts") == nil)
    }

    @Test(
        "text that cannot be tokenised is refused with its line",
        arguments: [
            ("model = dict(a=1\n", 2), ("x = 'unterminated\ny = 1", 1), ("a = [1, 2]]", 1),
        ])
    func refusals(_ text: String, _ line: Int) {
        #expect { try ConfigText(parsing: text) } throws: { error in (error as? ConfigTextError)?.line == line }
    }
}
