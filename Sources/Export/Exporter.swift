import Conventions
import Foundation
import Layout

/// The containers an export can write, chosen by the output's extension.
public enum ExportFormat: String, Sendable, CaseIterable {
    /// `torch.save` zip archive (.pt, .pth, .bin).
    case torch
    case safetensors
    /// Flat HDF5: one dataset per key (.h5, .hdf5).
    case hdf5
    /// numpy `savez` archive.
    case npz

    public static func from(path: String) -> ExportFormat? {
        switch URL(fileURLWithPath: path).pathExtension.lowercased() {
        case "pt", "pth", "bin": return .torch
        case "safetensors": return .safetensors
        case "h5", "hdf5": return .hdf5
        case "npz": return .npz
        default: return nil
        }
    }
}

/// What an export wrote.
public struct ExportReport: Sendable {
    public let output: String
    public let format: ExportFormat
    public let naming: ExportNaming
    public let keys: [String]
    /// Canonical tensors the naming has no name for, not exported.
    public let skipped: [String]
}

/// Writes a layout file's tensors (all, or the prompts) under a naming to a PyTorch, safetensors,
/// HDF5 or npz file; the output appears only when complete.
public enum Exporter {
    /// The whole model under `naming`. Tensors the naming cannot name (prompts and head under a CLIP
    /// naming) are skipped and listed in the report.
    /// Without a naming, the file's own `source_convention` (so a converted checkpoint goes back to its names).
    public static func exportModel(
        input: String, output: String, naming: ExportNaming?, dtype: ExportDType = .source,
        format: ExportFormat? = nil, overwrite: Bool
    ) throws(ExportError) -> ExportReport {
        let chosen: ExportNaming
        if let naming {
            chosen = naming
        } else {
            let convention: String
            do { convention = try LayoutReader(path: input).metadata.sourceConvention } catch { throw .layout(error) }
            guard let own = ExportNaming.named(convention) else {
                throw .unsupported(
                    path: input, reason: "the file's source convention '\(convention)' is not a naming; pass --naming")
            }
            chosen = own
        }
        return try export(
            input: input, output: output, naming: chosen, dtype: dtype, format: format, overwrite: overwrite,
            include: { _ in true }, what: "no tensor has a name in the \(chosen.name) naming")
    }

    /// The deep prompts (`prompts.vision.*`, `prompts.text.*`), by default under the MMSeg names a
    /// trained ZegCLIP/LDVC checkpoint uses (`backbone.prompt_embeddings`, `text_encoder.prompt_embeddings`).
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

    static func export(
        input: String, output: String, naming: ExportNaming, dtype: ExportDType, format: ExportFormat?, overwrite: Bool,
        include: (String) -> Bool, what: String
    ) throws(ExportError) -> ExportReport {
        guard let format = format ?? ExportFormat.from(path: output) else {
            throw .unknownFormat(
                path: output,
                detail: "cannot tell the format from the extension; use .pt/.pth/.bin, .safetensors, .h5 or .npz")
        }
        let atomic: AtomicOutput
        do { atomic = try AtomicOutput(destination: output, overwrite: overwrite, inputs: [input]) } catch {
            throw .layout(error)
        }
        do throws(ExportError) {
            let reader: LayoutReader
            do { reader = try LayoutReader(path: input) } catch { throw ExportError.layout(error) }
            let plan = try StateDictPlan(reader: reader, naming: naming, dtype: dtype, include: include)
            guard !plan.items.isEmpty else { throw ExportError.nothingToExport(path: input, reason: what) }
            switch format {
            case .hdf5:
                try HDF5StateWriter.write(plan, toTemporary: atomic.temporaryPath, displayPath: output)
            case .torch, .safetensors, .npz:
                let file = try OutputFile(path: atomic.temporaryPath, displayPath: output)
                switch format {
                case .torch: try TorchArchiveWriter.write(plan, to: file)
                case .safetensors: try SafetensorsWriter.write(plan, to: file)
                default: try NumpyArchiveWriter.write(plan, to: file)
                }
                try file.close()
            }
            do { try atomic.commit() } catch { throw ExportError.layout(error) }
            return ExportReport(
                output: output, format: format, naming: naming, keys: plan.items.map(\.key), skipped: plan.skipped)
        } catch {
            atomic.discard()
            throw error
        }
    }
}
