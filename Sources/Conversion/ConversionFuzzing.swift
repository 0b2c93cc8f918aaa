import Checkpoint

/// Entry points for the fuzz targets of the text parsers of this module (see `CheckpointFuzzing`).
package enum ConversionFuzzing {
    /// MMSegmentation config text (`meta.config`), then the lookups the importer makes.
    package static func configText(_ bytes: [UInt8]) {
        guard let config = try? ConfigText(parsing: String(decoding: bytes, as: UTF8.self)) else { return }
        for path in ["model.backbone.layers", "model.decode_head.num_heads", "model.test_cfg.crop_size.0", "a.0.b"] {
            _ = config.value(at: path)
        }
    }

    /// A sidecar `config.json` / `open_clip_config.json`.
    package static func sidecarJSON(_ bytes: [UInt8]) {
        // The format is read from the content; `required` decides whether a non-CLIP config throws.
        CheckpointFuzzing.withScratchFile(bytes, name: "config.json") { path in
            _ = try? SidecarConfig.load(path: path, origin: "config.json", required: false)
            _ = try? SidecarConfig.load(path: path, origin: "--config", required: true)
        }
    }
}
