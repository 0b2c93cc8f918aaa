import Conventions
import HDF5
import Layout

/// Infers a `CLIPArchitecture` from canonical tensor shapes, and records where each value came from.
///
/// Shapes give widths, layer counts, patch size, grid, MLP width, vocabulary, context and embedding
/// width. They cannot give the number of heads (unless heads are 64 wide, CLIP's convention) or
/// GELU vs QuickGELU; those come from the command line, then a config (which must agree with what
/// the file itself computes with, when it says), then the file (ONNX graph, TorchScript code), then
/// the convention's default — and `sources` says which, so the file records it. Defaults are listed
/// in `assumed`. A config's statements about what shapes do tell are cross-checked.
struct ArchitectureInference {
    let path: String
    let shapes: [String: [Int]]
    let convention: Convention
    let sidecar: SidecarConfig?
    let stated: StatedSettings
    let options: ConversionOptions
    private(set) var sources: [String: String] = [:]
    private(set) var assumed: [AssumedSetting] = []

    init(
        path: String, shapes: [String: [Int]], convention: Convention, sidecar: SidecarConfig?,
        stated: StatedSettings = StatedSettings(), options: ConversionOptions
    ) {
        self.path = path
        self.shapes = shapes
        self.convention = convention
        self.sidecar = sidecar
        self.stated = stated
        self.options = options
    }

    mutating func infer() throws(ConversionError) -> CLIPArchitecture {
        let vision = shapes["vision.patch_embed.weight"] != nil ? try inferVision() : nil
        let text = shapes["text.token_embedding"] != nil ? try inferText() : nil
        guard vision != nil || text != nil else {
            throw .architecture(
                path: path,
                reason: "neither a vision tower (patch embedding) nor a text tower (token embedding) was found")
        }
        let visionEmbed = shapes["vision.proj.weight"]?.first
        let textEmbed = shapes["text.proj.weight"]?.first
        if let visionEmbed, let textEmbed, visionEmbed != textEmbed {
            throw .architecture(
                path: path,
                reason: "the vision projection gives embedding width \(visionEmbed), the text projection \(textEmbed)")
        }
        guard let embedDim = visionEmbed ?? textEmbed else {
            throw .architecture(
                path: path,
                reason:
                    "no projection into the joint embedding (\(spelling("vision.proj.weight")) / \(spelling("text.proj.weight"))) was found"
            )
        }
        sources["embed_dim"] = "shape of the projection"
        let architecture = CLIPArchitecture(embedDim: embedDim, vision: vision, text: text)
        try crossCheck(architecture)
        return architecture
    }

    /// A config that states a width, depth or size the tensors contradict describes another model.
    private func crossCheck(_ architecture: CLIPArchitecture) throws(ConversionError) {
        guard let sidecar, !sidecar.statedShapes.isEmpty else { return }
        let symbols: [String: HDF5AttributeValue]
        do { symbols = try architecture.symbols() } catch { throw .layout(error) }
        for (name, stated) in sidecar.statedShapes.sorted(by: { $0.key < $1.key }) {
            guard case .int(let inferred)? = symbols[name], inferred != Int64(stated) else { continue }
            throw .sidecar(
                path: sidecar.path,
                reason:
                    "says \(name) = \(stated) but the tensors of \(path) give \(inferred): it is not this model's configuration"
            )
        }
    }

    private mutating func inferVision() throws(ConversionError) -> VisionArchitecture {
        let patch = try shape("vision.patch_embed.weight", rank: 4)
        guard patch[1] == 3, patch[2] == patch[3] else {
            throw .architecture(path: path, reason: "the patch embedding \(patch) is not [width, 3, patch, patch]")
        }
        let width = patch[0], patchSize = patch[2]
        let positions = try shape("vision.position_embedding", rank: 2)[0]
        let grid = Int(Double(positions - 1).squareRoot().rounded())
        guard positions >= 2, grid * grid == positions - 1 else {
            throw .architecture(
                path: path,
                reason: "the vision position embedding has \(positions) rows, not a square grid plus one class token")
        }
        let layers = try layerCount(prefix: "vision.blocks")
        let mlp = try shape("vision.blocks.0.mlp.fc1.weight", rank: 2)[0]
        for name in ["width", "patch_size", "grid_size", "image_size", "layers", "mlp_width"] {
            sources["vision.\(name)"] = "tensor shapes"
        }
        var sidecarHeads = sidecar?.visionHeads
        if sidecarHeads == nil, let headWidth = sidecar?.visionHeadWidth, headWidth > 0, width % headWidth == 0 {
            sidecarHeads = width / headWidth
        }
        let heads = try heads(tower: "vision", width: width, override: options.visionHeads, sidecarValue: sidecarHeads)
        let activation = try activation(tower: "vision", sidecarValue: sidecar?.visionActivation)
        let eps = sidecar?.visionLayerNormEps ?? 1e-5
        sources["vision.layer_norm_eps"] = sidecar?.visionLayerNormEps != nil ? sidecar!.origin : "CLIP default"
        return VisionArchitecture(
            width: width, layers: layers, heads: heads, patchSize: patchSize, imageSize: grid * patchSize,
            gridSize: grid, mlpWidth: mlp, layerNormEps: eps, activation: activation)
    }

    private mutating func inferText() throws(ConversionError) -> TextArchitecture {
        let embedding = try shape("text.token_embedding", rank: 2)
        let vocab = embedding[0], width = embedding[1]
        let context = try shape("text.position_embedding", rank: 2)[0]
        let layers = try layerCount(prefix: "text.blocks")
        let mlp = try shape("text.blocks.0.mlp.fc1.weight", rank: 2)[0]
        for name in ["width", "vocab_size", "context_length", "layers", "mlp_width"] {
            sources["text.\(name)"] = "tensor shapes"
        }
        let heads = try heads(
            tower: "text", width: width, override: options.textHeads, sidecarValue: sidecar?.textHeads)
        let activation = try activation(tower: "text", sidecarValue: sidecar?.textActivation)
        let eps = sidecar?.textLayerNormEps ?? 1e-5
        sources["text.layer_norm_eps"] = sidecar?.textLayerNormEps != nil ? sidecar!.origin : "CLIP default"
        return TextArchitecture(
            width: width, layers: layers, heads: heads, contextLength: context, vocabSize: vocab,
            mlpWidth: mlp, layerNormEps: eps, activation: activation)
    }

    /// How the convention spells a canonical tensor, for messages.
    private func spelling(_ canonical: String) -> String {
        convention.map.source(ofCanonical: canonical)?.key ?? canonical
    }

    private func shape(_ name: String, rank: Int) throws(ConversionError) -> [Int] {
        guard let shape = shapes[name] else {
            throw .architecture(path: path, reason: "missing '\(spelling(name))', needed to infer the architecture")
        }
        guard shape.count == rank, shape.allSatisfy({ $0 > 0 }) else {
            throw .architecture(
                path: path, reason: "'\(name)' has shape \(shape), expected \(rank) positive dimensions")
        }
        return shape
    }

    /// Blocks must be numbered 0..<n without gaps.
    private func layerCount(prefix: String) throws(ConversionError) -> Int {
        var indices = Set<Int>()
        for name in shapes.keys where name.hasPrefix(prefix + ".") {
            let rest = name.dropFirst(prefix.count + 1)
            if let index = Int(rest.prefix(while: { $0 != "." })) { indices.insert(index) }
        }
        guard !indices.isEmpty else {
            throw .architecture(path: path, reason: "no transformer blocks under '\(prefix)'")
        }
        let count = (indices.max() ?? 0) + 1
        guard indices.count == count else {
            let missing = (0..<count).filter { !indices.contains($0) }
            throw .architecture(
                path: path,
                reason: "'\(prefix)' is missing block(s) \(missing.prefix(5).map(String.init).joined(separator: ", "))")
        }
        return count
    }

    private mutating func heads(tower: String, width: Int, override: Int?, sidecarValue: Int?) throws(ConversionError)
        -> Int
    {
        let key = "\(tower).heads"
        let fromFile = stated.heads[tower]
        let value: Int
        if let override {
            value = override
            sources[key] = "command line"
        } else if let sidecarValue, let sidecar {
            if let fromFile, fromFile.value != sidecarValue {
                throw .architecture(
                    path: path,
                    reason:
                        "\(sidecar.origin) says \(sidecarValue) \(tower) heads but the file computes with \(fromFile.value) (\(fromFile.source)); pass --\(tower)-heads to decide"
                )
            }
            value = sidecarValue
            sources[key] = sidecar.origin
        } else if let fromFile {
            value = fromFile.value
            sources[key] = fromFile.source
        } else {
            guard width % 64 == 0 else {
                throw .architecture(
                    path: path,
                    reason:
                        "\(tower) width \(width) is not a multiple of 64, so the head count cannot be inferred; pass --\(tower)-heads or --config"
                )
            }
            value = width / 64
            sources[key] = "default: heads of width 64"
            assumed.append(
                AssumedSetting(
                    name: key, value: String(value), reason: "heads of width 64, CLIP's usual",
                    option: "--\(tower)-heads"))
        }
        guard value > 0, width % value == 0 else {
            throw .architecture(path: path, reason: "\(value) \(tower) heads do not divide width \(width)")
        }
        return value
    }

    private mutating func activation(tower: String, sidecarValue: Activation?) throws(ConversionError) -> Activation {
        let key = "\(tower).activation"
        let fromFile = stated.activations[tower]
        if let forced = options.activation {
            sources[key] = "command line"
            return forced
        }
        if let sidecarValue, let sidecar {
            if let fromFile, fromFile.value != sidecarValue {
                throw .architecture(
                    path: path,
                    reason:
                        "\(sidecar.origin) says \(tower) activation \(sidecarValue.rawValue) but the file computes with \(fromFile.value.rawValue) (\(fromFile.source)); pass --activation to decide"
                )
            }
            sources[key] = sidecar.origin
            return sidecarValue
        }
        if let fromFile {
            sources[key] = fromFile.source
            return fromFile.value
        }
        sources[key] = "default for the \(convention.name) convention"
        assumed.append(
            AssumedSetting(
                name: key, value: convention.defaultActivation.rawValue,
                reason: "the \(convention.name) convention's default", option: "--activation"))
        return convention.defaultActivation
    }
}
