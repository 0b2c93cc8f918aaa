import Foundation
import HDF5
public import Layout
import TensorCore

/// What to add to a model: visual prompts, language prompts, or both.
public struct PromptRequest: Sendable, Equatable {
    public enum TextInitialization: Sendable, Equatable {
        /// Hidden states of the pretrained text encoder for this template (LDVC's "pretrain").
        case template(String)
        /// N(0, 0.02²) from the seed (LDVC's "Random").
        case random
    }

    /// Visual prompt tokens per layer (N_v; 0 = no visual prompts). ZegCLIP/LDVC COCO use 100, VOC 40.
    public var visualTokens: Int = 100
    /// Layers after the first that get fresh visual prompts; nil = all (ZegCLIP's `total_d_layer` 11 for 12 layers).
    public var visualDeepLayers: Int?
    /// Language prompt tokens per layer (N_t; 0 = no language prompts).
    public var textTokens: Int = TextPromptInitializer.defaultTokens
    /// Prompted text layers; nil = all.
    public var textLayers: Int?
    public var textInitialization: TextInitialization = .random
    /// Positions overriding the default rule (pretrain only).
    public var positions: [Int]?
    /// `torch.manual_seed` value for the random initialisations (each prompt group is seeded on its own).
    public var seed: UInt64 = 0

    public init() {}
}

/// What `PromptInjector.inject` wrote.
public struct PromptInjectionReport: Sendable {
    public let output: String
    public let visual: VisualPrompts?
    public let text: TextPrompts?
    public let warnings: [String]
}

/// Writes a copy of a layout file with freshly initialised deep prompts added: every tensor and
/// attribute of the input, unchanged, plus `/prompts/vision` and/or `/prompts/text` with their
/// tensors and `init_*` attributes. The input is never modified; the output appears atomically.
public enum PromptInjector {
    /// The default output of `init-prompts`: `<input without extension>-prompts.h5` beside it.
    public static func defaultOutput(for input: String) -> String {
        let url = URL(fileURLWithPath: input)
        let stem = url.deletingPathExtension().lastPathComponent
        return url.deletingLastPathComponent().appendingPathComponent(stem + "-prompts.h5").path
    }

    public static func inject(
        input: String, output: String?, request: PromptRequest, overwrite: Bool,
        producer: String
    ) throws(PromptsError) -> PromptInjectionReport {
        let destination = output ?? defaultOutput(for: input)
        // Refuse a bad destination before computing anything.
        let atomic: AtomicOutput
        do { atomic = try AtomicOutput(destination: destination, overwrite: overwrite, inputs: [input]) } catch {
            throw .layout(error)
        }
        do throws(PromptsError) {
            let reader: LayoutReader
            do { reader = try LayoutReader(path: input) } catch { throw PromptsError.layout(error) }
            let (visual, text) = try makePrompts(reader: reader, request: request)
            try write(reader: reader, output: atomic, visual: visual, text: text, producer: producer)
            return PromptInjectionReport(
                output: destination, visual: visual, text: text, warnings: text?.warnings ?? [])
        } catch {
            atomic.discard()
            throw error
        }
    }

    /// Validates the request against the model and computes the prompt tensors.
    static func makePrompts(reader: LayoutReader, request: PromptRequest) throws(PromptsError) -> (
        VisualPrompts?, TextPrompts?
    ) {
        let path = reader.path
        let existing = reader.architecture.ldvc
        guard request.visualTokens > 0 || request.textTokens > 0 else {
            throw .promptCount(path: path, reason: "no prompts requested (0 visual and 0 language tokens)")
        }
        var visual: VisualPrompts?
        if request.visualTokens != 0 {
            guard let vision = reader.architecture.vision else { throw .missingTower(path: path, tower: "vision") }
            guard existing?.visionPrompts == nil else { throw .alreadyHasPrompts(path: path, group: "vision") }
            let deep = request.visualDeepLayers ?? vision.layers - 1
            guard request.visualTokens > 0, request.visualTokens <= 65_536 else {
                throw .promptCount(
                    path: path, reason: "\(request.visualTokens) visual prompt tokens per layer; use 1 … 65536")
            }
            guard (0..<vision.layers).contains(deep) else {
                throw .promptCount(
                    path: path,
                    reason:
                        "\(deep) deep visual prompt layers; the vision encoder's \(vision.layers) layers allow 0 … \(vision.layers - 1)"
                )
            }
            visual = VisualPromptInitializer.initialize(
                tokens: request.visualTokens, deepLayers: deep, width: vision.width,
                patchSize: vision.patchSize, seed: request.seed)
        }
        var text: TextPrompts?
        if request.textTokens != 0 {
            guard let textArchitecture = reader.architecture.text else {
                throw .missingTower(path: path, tower: "text")
            }
            guard existing?.textPrompts == nil else { throw .alreadyHasPrompts(path: path, group: "text") }
            switch request.textInitialization {
            case .template(let template):
                text = try TextPromptInitializer.pretrain(
                    reader: reader, template: template, tokens: request.textTokens,
                    layers: request.textLayers, positions: request.positions)
            case .random:
                guard request.positions == nil else {
                    throw .positions(
                        path: path, reason: "positions choose template hidden states; random initialisation has none")
                }
                text = try TextPromptInitializer.random(
                    path: path, text: textArchitecture, tokens: request.textTokens,
                    layers: request.textLayers, seed: request.seed)
            }
        } else if case .template = request.textInitialization {
            throw .promptCount(
                path: path,
                reason: "a template initialises language prompts, but 0 language prompt tokens were requested")
        }
        return (visual, text)
    }

    static func write(
        reader: LayoutReader, output: AtomicOutput, visual: VisualPrompts?, text: TextPrompts?,
        producer: String
    ) throws(PromptsError) {
        var architecture = reader.architecture
        var ldvc = architecture.ldvc ?? LDVCArchitecture()
        if let visual { ldvc.visionPrompts = visual.architecture }
        if let text { ldvc.textPrompts = text.architecture }
        architecture.ldvc = ldvc
        var metadata = reader.metadata
        metadata.producer = producer
        let writer: LayoutWriter
        do { writer = try LayoutWriter(output: output) } catch { throw .layout(error) }
        do {
            try LayoutCopy.copyTensors(from: reader, to: writer)
            let provenance = { (method: PromptInitialization.Method) in
                TensorProvenance(
                    sourceName: "(initialised: \(method.rawValue))", transform: "identity",
                    sourceDType: DType.f32.rawValue)
            }
            if let visual {
                for (name, tensor) in visual.tensors {
                    try writer.write(name, tensor: tensor, provenance: provenance(visual.initialization.method))
                }
                try writer.setAttributes(visual.initialization.attributes, onGroup: "prompts.vision")
            }
            if let text {
                try writer.write(
                    "prompts.text.embeddings", tensor: text.embeddings,
                    provenance: provenance(text.initialization.method))
                try writer.setAttributes(text.initialization.attributes, onGroup: "prompts.text")
            }
            try writer.writeMetadata(metadata, architecture: architecture)
            try writer.finish()
        } catch {
            writer.discard()
            throw .layout(error)
        }
    }
}

/// Copies every tensor of a layout file, with its stored dtype and provenance attributes.
public enum LayoutCopy {
    public static func copyTensors(
        from reader: LayoutReader, to writer: LayoutWriter, skipping skipped: Set<String> = []
    ) throws(LayoutError) {
        for name in try reader.tensorNames() where !skipped.contains(name) {
            let (provenance, _) = try reader.provenance(of: name)
            try writer.write(name, tensor: try reader.tensor(name), provenance: provenance)
        }
        // Group attributes other than the architecture's (e.g. `init_*`) travel with their prompts.
        for group in ["vision", "text"] {
            if let initialization = try reader.promptInitialization(group) {
                try writer.setAttributes(initialization.attributes, onGroup: "prompts.\(group)")
            }
        }
    }
}
