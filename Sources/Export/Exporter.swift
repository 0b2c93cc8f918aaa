import Conventions
import Foundation
import Layout
import TensorCore

/// What an export wrote.
public struct ExportReport: Sendable {
    public let output: String
    public let format: ExportFormat
    public let naming: ExportNaming
    public let keys: [String]
    /// Canonical tensors the naming has no name for, not exported.
    public let skipped: [String]
    /// Element type written → number of tensors in it.
    public let dtypes: [String: Int]
    /// Files written (the folder's, for a folder export).
    public let files: [String]
    /// Keys the export computed because the file does not store them (a loader's buffer, CLIP's
    /// initial logit scale).
    public let computed: [String]
    /// Where the target library would build a different model than the file's, or what it cannot
    /// state (heads it infers as width/64, QuickGELU it always uses, a config generated rather than kept).
    public let warnings: [String]
}

/// Writes a layout file's tensors (all, or the prompts) under a naming: to a PyTorch, safetensors,
/// HDF5 or npz file, to a model folder its library loads as it is, or to another layout file. The
/// output appears only when complete.
public enum Exporter {
    /// The whole model under `naming`. Tensors the naming cannot name (prompts and head under a CLIP
    /// naming) are skipped and listed in the report.
    /// Without a naming, the file's own `source_convention` (so a converted checkpoint goes back to its names).
    /// `.h5` outputs are layout files (canonical names, every attribute): the file read back by this tool.
    public static func exportModel(
        input: String, output: String, naming: ExportNaming?, dtype: ExportDType = .source,
        format: ExportFormat? = nil, overwrite: Bool
    ) throws(ExportError) -> ExportReport {
        let reader: LayoutReader
        do { reader = try LayoutReader(path: input) } catch { throw .layout(error) }
        var chosenFormat = try resolvedFormat(format, output: output)
        if chosenFormat == .hdf5 { chosenFormat = .layout }
        if chosenFormat == .layout {
            if let naming, naming != .canonical {
                throw .unknownFormat(
                    path: output,
                    detail:
                        "an .h5 export is a layout file, whose names are canonical; --naming \(naming.name) needs .pt, .safetensors, .npz or a folder"
                )
            }
            return try LayoutExport.write(reader: reader, output: output, dtype: dtype, overwrite: overwrite)
        }
        let chosen: ExportNaming
        if let naming {
            chosen = naming
        } else {
            let convention = reader.metadata.sourceConvention
            guard let own = ExportNaming.named(convention) else {
                throw .unsupported(
                    path: input, reason: "the file's source convention '\(convention)' is not a naming; pass --naming")
            }
            chosen = own
        }
        var plan = try StateDictPlan(reader: reader, naming: chosen, dtype: dtype)
        guard !plan.items.isEmpty else {
            throw ExportError.nothingToExport(path: input, reason: "no tensor has a name in the \(chosen.name) naming")
        }
        var warnings = LoaderWarnings.warnings(for: reader.architecture, naming: chosen, output: output)
        let computed = try addComputedTensors(to: &plan, reader: reader, warnings: &warnings)
        if chosenFormat == .folder {
            return try writeFolder(
                plan, reader: reader, output: output, overwrite: overwrite, computed: computed, warnings: warnings)
        }
        var meta: PickleWriter.Literal?
        if chosenFormat == .torch, chosen.convention == .mmseg {
            let made = MMSegCheckpointMeta.meta(
                architecture: reader.architecture, dataset: reader.attributes.dataset,
                sourceFile: reader.metadata.sourceFile)
            meta = made.meta
            if made.generated {
                warnings.append(
                    "\(output): meta.config is generated from the model's settings (the file records no training config)"
                )
            }
        }
        try writeFile(plan, input: input, output: output, format: chosenFormat, meta: meta, overwrite: overwrite)
        return ExportReport(
            output: output, format: chosenFormat, naming: chosen, keys: plan.items.map(\.key), skipped: plan.skipped,
            dtypes: plan.dtypes, files: [output], computed: computed, warnings: warnings)
    }

    /// The deep prompts (`prompts.vision.*`, `prompts.text.*`), by default under the MMSeg names a
    /// trained ZegCLIP/LDVC checkpoint uses (`backbone.prompt_embeddings`, `text_encoder.prompt_embeddings`).
    /// `.h5` is a flat HDF5 file (one dataset per key), not a layout file.
    public static func exportPrompts(
        input: String, output: String, naming: ExportNaming = ExportNaming(.mmseg), dtype: ExportDType = .source,
        format: ExportFormat? = nil, overwrite: Bool
    ) throws(ExportError) -> ExportReport {
        guard naming == .canonical || naming.convention?.map.source(ofCanonical: "prompts.vision.embeddings") != nil
        else {
            throw .unsupported(
                path: input, reason: "the \(naming.name) naming has no names for prompts; use mmseg or canonical")
        }
        return try export(
            input: input, output: output, naming: naming, dtype: dtype, format: format, overwrite: overwrite,
            include: { $0.hasPrefix("prompts.") }, what: "the model has no prompts (/prompts)")
    }

    /// The tensors `include` accepts, under `naming`, to one file (`.h5` flat); `what` says why none were.
    static func export(
        input: String, output: String, naming: ExportNaming, dtype: ExportDType, format: ExportFormat?, overwrite: Bool,
        include: (String) -> Bool, what: String
    ) throws(ExportError) -> ExportReport {
        let chosenFormat = try resolvedFormat(format, output: output)
        guard chosenFormat != .folder && chosenFormat != .layout else {
            throw .unknownFormat(path: output, detail: "this export writes one .pt, .safetensors, .h5 or .npz file")
        }
        let reader: LayoutReader
        do { reader = try LayoutReader(path: input) } catch { throw .layout(error) }
        let plan = try StateDictPlan(reader: reader, naming: naming, dtype: dtype, include: include)
        guard !plan.items.isEmpty else { throw ExportError.nothingToExport(path: input, reason: what) }
        try writeFile(plan, input: input, output: output, format: chosenFormat, meta: nil, overwrite: overwrite)
        return ExportReport(
            output: output, format: chosenFormat, naming: naming, keys: plan.items.map(\.key), skipped: plan.skipped,
            dtypes: plan.dtypes, files: [output], computed: [], warnings: [])
    }

    static func resolvedFormat(_ format: ExportFormat?, output: String) throws(ExportError) -> ExportFormat {
        guard let format = format ?? ExportFormat.from(path: output) else {
            throw .unknownFormat(
                path: output,
                detail:
                    "cannot tell the format from the extension; use .pt/.pth/.bin, .safetensors, .h5, .npz, or a folder (ending in /)"
            )
        }
        return format
    }

    /// Tensors the target's loader requires that the file does not store: the convention's buffers
    /// (ZegCLIP's loss class weights) and, for a CLIP model without one, CLIP's initial logit scale.
    static func addComputedTensors(to plan: inout StateDictPlan, reader: LayoutReader, warnings: inout [String])
        throws(ExportError) -> [String]
    {
        guard let convention = plan.naming.convention else { return [] }
        var added: [String] = []
        let floatType = plan.items.first(where: { $0.dtype.isFloatingPoint })?.dtype ?? .f32
        let names: [String]
        do { names = try reader.tensorNames() } catch { throw .layout(error) }
        for buffer in convention.table.buffers where names.contains(where: { $0.hasPrefix(buffer.requiredPrefix) }) {
            guard !plan.items.contains(where: { $0.key == buffer.source }) else { continue }
            switch buffer.value {
            case .classWeights(let noObjectWeight):
                let dataset = reader.attributes.dataset
                guard let count = dataset?.seenClasses?.count ?? dataset?.classes.count, count > 0 else {
                    warnings.append(
                        "\(reader.path): '\(buffer.source)' is not written: the file records no classes to size it "
                            + "(its loader's strict load will report it missing)")
                    continue
                }
                let values = [Float](repeating: 1, count: count) + [Float(noObjectWeight)]
                do {
                    plan.add(
                        key: buffer.source, values: try Tensor(shape: [count + 1], floats: values), dtype: floatType)
                } catch {
                    throw .tensor(path: reader.path, name: buffer.source, reason: error.description)
                }
                added.append(buffer.source)
            }
        }
        if convention.kind == .clip, reader.architecture.vision != nil, reader.architecture.text != nil,
            !names.contains("logit_scale"), let key = convention.map.source(ofCanonical: "logit_scale")?.key
        {
            do {
                plan.add(
                    key: key, values: try Tensor(shape: [], floats: [Float(ModelConfigFiles.initialLogitScale)]),
                    dtype: floatType)
            } catch {
                throw .tensor(path: reader.path, name: key, reason: error.description)
            }
            added.append(key)
            warnings.append(
                "\(reader.path): the model has no logit_scale; wrote CLIP's initial ln(1/0.07) = 2.6592, the value "
                    + "\(convention.name)'s loader would create itself")
        }
        return added
    }

    static func writeFile(
        _ plan: StateDictPlan, input: String, output: String, format: ExportFormat, meta: PickleWriter.Literal?,
        overwrite: Bool
    ) throws(ExportError) {
        let atomic: AtomicOutput
        do { atomic = try AtomicOutput(destination: output, overwrite: overwrite, inputs: [input]) } catch {
            throw .layout(error)
        }
        do throws(ExportError) {
            switch format {
            case .hdf5:
                try HDF5StateWriter.write(plan, toTemporary: atomic.temporaryPath, displayPath: output)
            case .torch, .safetensors, .npz:
                let file = try OutputFile(path: atomic.temporaryPath, displayPath: output)
                switch format {
                case .torch: try TorchArchiveWriter.write(plan, meta: meta, to: file)
                case .safetensors: try SafetensorsWriter.write(plan, to: file)
                default: try NumpyArchiveWriter.write(plan, to: file)
                }
                try file.close()
            case .layout, .folder:
                throw ExportError.unknownFormat(path: output, detail: "not a single-file format")
            }
            do { try atomic.commit() } catch { throw ExportError.layout(error) }
        } catch {
            atomic.discard()
            throw error
        }
    }

    /// A model folder: the convention's config and its weights file, written into a temporary folder
    /// renamed into place (`AtomicFolder`).
    static func writeFolder(
        _ plan: StateDictPlan, reader: LayoutReader, output: String, overwrite: Bool, computed: [String],
        warnings: [String]
    ) throws(ExportError) -> ExportReport {
        guard let convention = plan.naming.convention, let folder = ModelFolder.of(convention) else {
            throw .unsupported(
                path: output,
                reason:
                    "a folder export is a model folder: --naming hf (config.json + model.safetensors) or open_clip "
                    + "(open_clip_config.json + open_clip_model.safetensors)")
        }
        var warnings = warnings
        let config: [UInt8]
        switch folder.config {
        case .huggingFace:
            config = try ModelConfigFiles.huggingFace(reader.architecture, path: output)
        case .openCLIP:
            let made = try ModelConfigFiles.openCLIP(reader.architecture, path: output)
            config = made.bytes
            warnings += made.warnings
        }
        let atomic: AtomicFolder
        do {
            atomic = try AtomicFolder(
                destination: output, overwrite: overwrite, inputs: [reader.path],
                replaceableNames: ModelFolder.fileNames
            )
        } catch {
            throw .layout(error)
        }
        do throws(ExportError) {
            let weights = try OutputFile(
                path: atomic.temporaryFile(folder.weightsFile), displayPath: output + "/" + folder.weightsFile)
            try SafetensorsWriter.write(plan, to: weights)
            try weights.close()
            let configFile = try OutputFile(
                path: atomic.temporaryFile(folder.config.rawValue), displayPath: output + "/" + folder.config.rawValue)
            try configFile.write(config)
            try configFile.close()
            do { try atomic.commit() } catch { throw ExportError.layout(error) }
        } catch {
            atomic.discard()
            throw error
        }
        return ExportReport(
            output: atomic.destination, format: .folder, naming: plan.naming, keys: plan.items.map(\.key),
            skipped: plan.skipped, dtypes: plan.dtypes,
            files: [atomic.destination + "/" + folder.config.rawValue, atomic.destination + "/" + folder.weightsFile],
            computed: computed, warnings: warnings)
    }
}
