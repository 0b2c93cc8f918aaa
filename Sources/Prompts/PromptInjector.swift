import Checkpoint
public import Conversion
import Foundation
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

/// Prompts made for a model, before they are written.
public struct InitialisedPrompts: Sendable {
    public var visual: VisualPrompts?
    public var text: TextPrompts?
    /// Things the caller should tell the user (a template that does not give exactly N_t tokens).
    public var warnings: [String] { text?.warnings ?? [] }
}

/// What `PromptInjector` wrote.
public struct PromptInjectionReport: Sendable {
    public let output: String
    public let prompts: InitialisedPrompts
    public let build: LayoutBuildReport
    public var visual: VisualPrompts? { prompts.visual }
    public var text: TextPrompts? { prompts.text }
    public var warnings: [String] { prompts.warnings }
}

/// Adds freshly initialised deep prompts to a model: to a converted layout file (`init-prompts`,
/// every tensor copied file to file, the input never modified), or to a checkpoint while it is
/// converted (`convert --init-prompts`: one plan, written once). Either way the prompts join the
/// plan as computed tensors and `LayoutBuilder` writes it.
public enum PromptInjector {
    /// The default output of `init-prompts`: `<input without extension>-prompts.h5` beside it.
    public static func defaultOutput(for input: String) -> String {
        let url = URL(fileURLWithPath: input)
        let stem = url.deletingPathExtension().lastPathComponent
        return url.deletingLastPathComponent().appendingPathComponent(stem + "-prompts.h5").path
    }

    /// A copy of the layout file `input` with the requested prompts added.
    public static func inject(
        input: String, output: String?, request: PromptRequest, overwrite: Bool, producer: String,
        reporter: Reporter = .silent
    ) throws(PromptsError) -> PromptInjectionReport {
        // Refuse a bad destination before computing anything.
        let atomic: AtomicOutput
        do {
            let destination = output ?? defaultOutput(for: input)
            try LayoutBuilder.checkOutputName(destination)
            atomic = try AtomicOutput(destination: destination, overwrite: overwrite, inputs: [input])
        } catch {
            throw .layout(error)
        }
        let reader: LayoutReader
        do { reader = try LayoutReader(path: input) } catch { throw .layout(error) }
        let prompts = try makePrompts(request: request, architecture: reader.architecture, weights: reader)
        var items: [LayoutPlan<StoredTensor>.Item] = []
        do {
            for name in try reader.tensorNames() {
                items.append(
                    .init(
                        canonical: name, source: try StoredTensor(reader: reader, name: name),
                        provenance: try reader.provenance(of: name).provenance))
            }
        } catch {
            throw .layout(error)
        }
        var attributes = reader.attributes
        attributes.metadata.producer = producer
        let plan = adding(prompts, to: LayoutPlan(items: items, attributes: attributes, inputs: [input]).withComputed())
        let build: LayoutBuildReport
        do {
            build = try LayoutBuilder.write(plan, to: atomic, reporter: reporter)
        } catch {
            switch error {
            case .layout(let error), .source(let error): throw .layout(error)
            }
        }
        return PromptInjectionReport(output: atomic.destination, prompts: prompts, build: build)
    }

    /// Converts the checkpoint `input` with the requested prompts added, in one pass: the prompts are
    /// computed from the plan's tensors before anything is written.
    public static func convert(
        input: String, output: String?, options: ConversionOptions, request: PromptRequest, reporter: Reporter = .silent
    ) throws(PromptsError) -> (conversion: ConversionPlan, injection: PromptInjectionReport) {
        let prepared: Converter.Prepared
        do throws(ConversionError) {
            prepared = try Converter.prepare(input: input, output: output, options: options, reporter: reporter)
        } catch {
            throw .conversion(error)
        }
        return try prepared.digest.cancellingOnFailure { () throws(PromptsError) in
            let conversion: ConversionPlan
            do throws(ConversionError) {
                conversion = try ConversionPlanner.plan(reader: prepared.reader, options: options, reporter: reporter)
            } catch {
                throw .conversion(error)
            }
            let prompts = try makePrompts(
                request: request, architecture: conversion.architecture,
                weights: PlannedWeights(conversion.layout, path: input))
            let plan = adding(prompts, to: conversion.layout.withComputed())
            let build: LayoutBuildReport
            do throws(ConversionError) {
                (build, _) = try Converter.write(
                    plan, digest: prepared.digest, to: prepared.output, options: options, reporter: reporter)
            } catch {
                throw .conversion(error)
            }
            return (
                conversion, PromptInjectionReport(output: prepared.output.destination, prompts: prompts, build: build)
            )
        }
    }

    /// The plan with the prompts' tensors and architecture added.
    static func adding<Primary>(_ prompts: InitialisedPrompts, to plan: LayoutPlan<WithComputed<Primary>>)
        -> LayoutPlan<WithComputed<Primary>>
    {
        var plan = plan
        var ldvc = plan.attributes.architecture.ldvc ?? LDVCArchitecture()
        func add(_ name: String, _ tensor: Tensor, method: PromptInitialization.Method) {
            plan.items.append(
                .init(
                    canonical: name,
                    source: .computed(MemoryTensor(name: "(initialised: \(method.rawValue))", tensor: tensor))))
        }
        if let visual = prompts.visual {
            for (name, tensor) in visual.tensors { add(name, tensor, method: visual.initialization.method) }
            ldvc.visionPrompts = visual.architecture
            plan.attributes.promptInitializations["vision"] = visual.initialization
        }
        if let text = prompts.text {
            add("prompts.text.embeddings", text.embeddings, method: text.initialization.method)
            ldvc.textPrompts = text.architecture
            plan.attributes.promptInitializations["text"] = text.initialization
        }
        plan.attributes.architecture.ldvc = ldvc
        return plan
    }

    /// Validates the request against the model and computes the prompt tensors.
    static func makePrompts(request: PromptRequest, architecture: CLIPArchitecture, weights: any WeightStore)
        throws(PromptsError) -> InitialisedPrompts
    {
        let path = weights.path
        let existing = architecture.ldvc
        guard request.visualTokens > 0 || request.textTokens > 0 else {
            throw .promptCount(path: path, reason: "no prompts requested (0 visual and 0 language tokens)")
        }
        var visual: VisualPrompts?
        if request.visualTokens != 0 {
            guard let vision = architecture.vision else { throw .missingTower(path: path, tower: "vision") }
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
                tokens: request.visualTokens, deepLayers: deep, width: vision.width, patchSize: vision.patchSize,
                seed: request.seed)
        }
        var text: TextPrompts?
        if request.textTokens != 0 {
            guard let textArchitecture = architecture.text else { throw .missingTower(path: path, tower: "text") }
            guard existing?.textPrompts == nil else { throw .alreadyHasPrompts(path: path, group: "text") }
            switch request.textInitialization {
            case .template(let template):
                text = try TextPromptInitializer.pretrain(
                    weights: weights, architecture: architecture, template: template, tokens: request.textTokens,
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
        return InitialisedPrompts(visual: visual, text: text)
    }
}
