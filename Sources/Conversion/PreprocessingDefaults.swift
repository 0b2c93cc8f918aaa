import Conventions
import Foundation
import Layout

/// The preprocessing a converted CLIP model was published with: the convention's (OpenAI's `preprocess` for
/// OpenAI and open_clip names, transformers' `CLIPImageProcessor` for HF names) at the vision tower's image
/// size, with the statistics of open_clip's `preprocess_cfg` or of HF's `preprocessor_config.json` beside
/// the checkpoint when present. Each value's source goes to `architecture_sources` as `preprocessing.*`.
enum PreprocessingDefaults {
    /// transformers' image processor settings file, read beside an HF checkpoint.
    static let huggingFaceFile = "preprocessor_config.json"

    static func clip(
        convention: Convention, sidecar: SidecarConfig?, checkpointPath: String, imageSize: Int, reporter: Reporter
    ) throws(ConversionError) -> (settings: PreprocessingSettings, sources: [String: String], inputs: [String]) {
        let isHuggingFace = convention.name == "hf"
        var settings = PreprocessingSettings.clip(isHuggingFace ? .huggingFace : .torchvision, imageSize: imageSize)
        let library = isHuggingFace ? "transformers CLIPImageProcessor (Pillow)" : "OpenAI clip preprocess"
        var sources = [
            "preprocessing.pipeline": "default: \(library) for \(convention.name) names",
            "preprocessing.image_size": "vision.image_size",
            "preprocessing.mean": "default: OpenAI's constants", "preprocessing.std": "default: OpenAI's constants",
        ]
        var inputs: [String] = []
        if let sidecar, sidecar.format == .openCLIP {
            let file = URL(fileURLWithPath: sidecar.path).lastPathComponent
            if let mean = sidecar.preprocessMean, let std = sidecar.preprocessStd {
                settings.mean = mean
                settings.std = std
                sources["preprocessing.mean"] = "\(file): preprocess_cfg.mean"
                sources["preprocessing.std"] = "\(file): preprocess_cfg.std"
            }
            if let size = sidecar.preprocessSize, size != imageSize {
                reporter.warning(
                    "\(sidecar.path): preprocess size \(size) differs from the vision tower's \(imageSize); "
                        + "images are resized to \(imageSize)")
            }
            if let interpolation = sidecar.preprocessInterpolation, interpolation != "bicubic" {
                reporter.warning("\(sidecar.path): interpolation '\(interpolation)' is not reproduced; bicubic is used")
            }
            if let mode = sidecar.preprocessResizeMode, mode != "shortest" {
                reporter.warning("\(sidecar.path): resize_mode '\(mode)' is not reproduced; 'shortest' is used")
            }
        }
        if isHuggingFace {
            let folder = URL(fileURLWithPath: checkpointPath).deletingLastPathComponent()
            let candidate = folder.appendingPathComponent(huggingFaceFile).path
            if FileManager.default.fileExists(atPath: candidate) {
                try applyHuggingFace(path: candidate, imageSize: imageSize, to: &settings, sources: &sources, reporter)
                inputs.append(candidate)
            }
        }
        return (settings, sources, inputs)
    }

    /// `image_mean`/`image_std` and the crop size of a `preprocessor_config.json`; a resize or resample the
    /// pipeline does not reproduce is reported.
    static func applyHuggingFace(
        path: String, imageSize: Int, to settings: inout PreprocessingSettings, sources: inout [String: String],
        _ reporter: Reporter
    ) throws(ConversionError) {
        guard let data = FileManager.default.contents(atPath: path), data.count < 1 << 20 else {
            throw .sidecar(path: path, reason: "cannot read the file (or larger than 1 MiB)")
        }
        guard let root = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw .sidecar(path: path, reason: "not a JSON object")
        }
        if let mean = SidecarConfig.numbers(root["image_mean"]) {
            settings.mean = mean
            sources["preprocessing.mean"] = "\(huggingFaceFile): image_mean"
        }
        if let std = SidecarConfig.numbers(root["image_std"]) {
            guard std.allSatisfy({ $0 != 0 }) else { throw .sidecar(path: path, reason: "image_std has a zero") }
            settings.std = std
            sources["preprocessing.std"] = "\(huggingFaceFile): image_std"
        }
        let crop =
            (root["crop_size"] as? [String: Any]).flatMap { fields -> Int? in
                guard let height = fields["height"] as? Int, fields["width"] as? Int == height else { return nil }
                return height
            } ?? (root["crop_size"] as? Int)
        let shortest = (root["size"] as? [String: Any])?["shortest_edge"] as? Int ?? (root["size"] as? Int)
        if let crop, crop != imageSize {
            reporter.warning(
                "\(path): crop_size \(crop) differs from the vision tower's \(imageSize); \(imageSize) is used")
        }
        if let shortest, shortest != (crop ?? imageSize) {
            reporter.warning(
                "\(path): size.shortest_edge \(shortest) differs from the crop; the shortest side is resized to the crop"
            )
        }
        if let resample = root["resample"] as? Int, resample != 3 {
            reporter.warning("\(path): resample \(resample) is not reproduced; bicubic (3) is used")
        }
    }
}
