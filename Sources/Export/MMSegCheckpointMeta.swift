import Foundation
import Layout

/// The `meta` of a ZegCLIP/LDVC training checkpoint written by `export --naming mmseg` to `.pth`:
/// `config` (the imported checkpoint's own text, else one generated from the model's settings),
/// `CLASSES` and `PALETTE`, as MMSegmentation's `save_checkpoint` stores them.
enum MMSegCheckpointMeta {
    /// The meta dictionary, and whether its config was generated.
    static func meta(architecture: CLIPArchitecture, dataset: TrainingDataset?, sourceFile: String) -> (
        meta: PickleWriter.Literal, generated: Bool
    ) {
        var entries: [(key: String, value: PickleWriter.Literal)] = []
        let generated = dataset?.config == nil
        let config =
            dataset?.config ?? generatedConfig(architecture: architecture, dataset: dataset, sourceFile: sourceFile)
        entries.append(("config", .string(config)))
        if let classes = dataset?.classes, !classes.isEmpty {
            entries.append(("CLASSES", .tuple(classes.map { .string($0) })))
        }
        if let palette = dataset?.palette, !palette.isEmpty {
            entries.append(("PALETTE", .list(palette.map { .list($0.map { .int($0) }) })))
        }
        return (.dict(entries), generated)
    }

    /// An MMSegmentation config (`Config.pretty_text` style Python) stating the model's settings with
    /// ZegCLIP's argument names (`configs/_base_/models/zegclip.py`), and for LDVC's reconstructed
    /// decoder the names `import` reads (`MMSegSettings`), so importing the export gives the same
    /// architecture back and ZegCLIP's code can build its modules from it.
    static func generatedConfig(architecture: CLIPArchitecture, dataset: TrainingDataset?, sourceFile: String)
        -> String
    {
        var lines = [
            "# Written by ldvc-convert from \(sourceFile), whose training config was not recorded:",
            "# the model's settings in ZegCLIP's configuration names.",
        ]
        let classCount = dataset?.classes.count ?? 0
        let seen = dataset?.seenClasses ?? Array(0..<classCount)
        let unseen = dataset?.unseenClasses ?? []
        let all = Array(0..<classCount)
        let head = architecture.ldvc?.head
        if classCount > 0 && dataset?.seenClasses == nil {
            lines.append("# No zero-shot split was recorded: every class is listed as seen.")
        }
        if let head { lines.append("img_size = \(head.imageSize)") }
        if classCount > 0 {
            lines.append("base_class = \(python(seen))")
            lines.append("novel_class = \(python(unseen))")
            lines.append("both_class = \(python(all))")
        }
        var model: [(String, String)] = [("type", python(head?.kind == .ldvc ? "LDVC" : "ZegCLIP"))]
        if let text = architecture.text { model.append(("context_length", "\(text.contextLength)")) }
        if let vision = architecture.vision {
            var backbone: [(String, String)] = [
                ("type", python("VPTCLIPVisionTransformer")), ("input_resolution", "\(vision.imageSize)"),
                ("patch_size", "\(vision.patchSize)"), ("width", "\(vision.width)"), ("layers", "\(vision.layers)"),
                ("heads", "\(vision.heads)"), ("output_dim", "\(architecture.embedDim)"), ("get_embeddings", "True"),
                ("out_indices", python([vision.layers - 1])),
            ]
            if let prompts = architecture.ldvc?.visionPrompts {
                backbone += [
                    ("num_tokens", "\(prompts.tokens)"), ("prompt_dim", "\(vision.width)"),
                    ("total_d_layer", "\(prompts.deepLayers)"),
                ]
            }
            backbone.append(("style", python("pytorch")))
            model.append(("backbone", dict(backbone, indent: 1)))
        }
        if let text = architecture.text {
            var encoder: [(String, String)] = [
                ("type", python("CLIPTextEncoder")), ("context_length", "\(text.contextLength)"),
                ("vocab_size", "\(text.vocabSize)"), ("embed_dim", "\(architecture.embedDim)"),
                ("transformer_width", "\(text.width)"), ("transformer_heads", "\(text.heads)"),
                ("transformer_layers", "\(text.layers)"),
            ]
            if let prompts = architecture.ldvc?.textPrompts {
                encoder += [
                    ("num_tokens", "\(prompts.tokens)"), ("prompt_layers", "\(prompts.layers)"),
                    ("prompt_start", "\(prompts.start)"),
                    ("prompt_add_position", python(prompts.addPositionAtFirstLayer)),
                    ("prompt_template", python(prompts.template)),
                ]
            }
            encoder.append(("style", python("pytorch")))
            model.append(("text_encoder", dict(encoder, indent: 1)))
        }
        if let head {
            model.append(("decode_head", dict(decodeHead(head, seen: seen, all: all), indent: 1)))
            model.append(
                (
                    "test_cfg",
                    dict(
                        [
                            ("mode", python("slide")), ("crop_size", "(\(head.cropSize), \(head.cropSize))"),
                            ("stride", "(\(head.stride), \(head.stride))"),
                        ], indent: 1)
                ))
        }
        if classCount > 0 {
            model += [("base_class", "base_class"), ("novel_class", "novel_class"), ("both_class", "both_class")]
        }
        lines.append("model = " + dict(model, indent: 0))
        if let head {
            lines.append(
                "img_norm_cfg = dict(mean=\(python(head.pixelMean)), std=\(python(head.pixelStd)), to_rgb=True)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func decodeHead(_ head: HeadArchitecture, seen: [Int], all: [Int]) -> [(String, String)] {
        var entries: [(String, String)] = [
            ("type", python(head.kind == .ldvc ? "LCTDHead" : "ATMSingleHeadSeg")), ("img_size", "\(head.imageSize)"),
            ("in_channels", "\(head.width)"), ("seen_idx", python(seen)), ("all_idx", python(all)),
            ("channels", "\(head.width)"), ("num_classes", "\(max(seen.count, 1))"),
        ]
        let lossLayers: Int
        if let atm = head.atm {
            lossLayers = atm.layers
            entries += [
                ("num_layers", "\(atm.layers)"), ("num_heads", "\(head.heads)"), ("use_proj", "False"),
                ("use_stages", "1"), ("embed_dims", "\(head.width)"),
            ]
        } else if let lctd = head.lctd {
            lossLayers = lctd.blocks
            entries += [
                ("num_layers", "\(lctd.blocks)"), ("num_heads", "\(head.heads)"), ("embed_dims", "\(head.width)"),
                ("seen_offset", python(head.seenOffset)), ("tap_layers", python(lctd.tapLayers)),
                ("tap_projection", python(lctd.tapProjection.rawValue)), ("tap_norm_eps", python(lctd.tapNormEps)),
                ("conv", python(lctd.conv.rawValue)), ("conv_kernel", "\(lctd.convKernel)"),
                ("fusion", python(lctd.fusion.rawValue)), ("norm_position", python(lctd.normPosition.rawValue)),
                ("norm_eps", python(lctd.normEps)), ("mlp_width", "\(lctd.mlpWidth)"),
                ("activation", python(lctd.activation.rawValue)), ("n_win", "\(lctd.routeWindows)"),
                ("topk", "\(lctd.routeTopK)"), ("route_scale", python(lctd.routeScale.rawValue)),
                ("side_dwconv", "\(lctd.routeLePEKernel)"),
                ("route_output_projection", python(lctd.routeOutputProjection)),
                ("class_norm", python(lctd.classNorm)), ("final_norm", python(lctd.finalNorm)),
            ]
        } else {
            lossLayers = 1
        }
        entries.append(
            (
                "loss_decode",
                dict(
                    [
                        ("type", python("SegLossPlus")), ("num_classes", "\(max(seen.count, 1))"),
                        ("dec_layers", "\(lossLayers)"), ("mask_weight", "100.0"), ("dice_weight", "1.0"),
                        ("loss_weight", "1.0"),
                    ], indent: 2)
            ))
        return entries
    }

    /// `dict(\n    key=value,\n …)` indented as `pretty_text` does.
    private static func dict(_ entries: [(String, String)], indent: Int) -> String {
        let inner = String(repeating: "    ", count: indent + 1)
        return "dict(\n" + entries.map { inner + $0.0 + "=" + $0.1 }.joined(separator: ",\n") + ")"
    }

    private static func python(_ text: String) -> String {
        var escaped = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": escaped += "\\\\"
            case "'": escaped += "\\'"
            case "\n": escaped += "\\n"
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return "'" + escaped + "'"
    }

    private static func python(_ flag: Bool) -> String { flag ? "True" : "False" }
    private static func python(_ numbers: [Int]) -> String {
        "[" + numbers.map(String.init).joined(separator: ", ") + "]"
    }
    private static func python(_ number: Double) -> String { "\(number)" }
    private static func python(_ numbers: [Double]) -> String {
        "[" + numbers.map { python($0) }.joined(separator: ", ") + "]"
    }
}
