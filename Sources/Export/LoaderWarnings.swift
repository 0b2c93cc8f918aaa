import Conventions
import Layout

/// Where a target library, loading an export as it is, would build another model than the file's:
/// settings its loader infers instead of reading.
enum LoaderWarnings {
    static func warnings(for architecture: CLIPArchitecture, naming: ExportNaming, output: String) -> [String] {
        guard naming.convention == .openAI else { return [] }
        var warnings: [String] = []
        // clip/model.py::build_model: vision_heads = vision_width // 64, transformer_heads = transformer_width // 64.
        let towers: [(name: String, width: Int, heads: Int, activation: Activation)] =
            [
                architecture.vision.map { ("vision", $0.width, $0.heads, $0.activation) },
                architecture.text.map { ("text", $0.width, $0.heads, $0.activation) },
            ].compactMap { $0 }
        for tower in towers where tower.width / 64 != tower.heads {
            warnings.append(
                "\(output): clip.model.build_model infers \(tower.width / 64) \(tower.name) heads (width \(tower.width) / 64), "
                    + "but the model has \(tower.heads); build clip.model.CLIP with the right heads before load_state_dict"
            )
        }
        // clip/model.py's ResidualAttentionBlock always uses QuickGELU.
        for tower in towers where tower.activation != .quickGELU {
            warnings.append(
                "\(output): OpenAI's clip.model uses QuickGELU, but the \(tower.name) tower's MLP uses "
                    + "\(tower.activation.rawValue); the weights load and compute something else (export --naming open_clip to a folder keeps it)"
            )
        }
        return warnings
    }
}
