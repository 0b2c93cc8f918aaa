import Layout
import TensorCore

/// `export -o x.h5`: a layout file again (canonical names, every attribute, the dataset), its
/// tensors in the requested element types, written by `LayoutBuilder` like every layout file.
/// Unchanged tensors are copied file to file; `dtype_policy` records the export's choice.
enum LayoutExport {
    static func write(reader: LayoutReader, output: String, dtype: ExportDType, overwrite: Bool)
        throws(ExportError) -> ExportReport
    {
        let atomic: AtomicOutput
        do { atomic = try AtomicOutput(destination: output, overwrite: overwrite, inputs: [reader.path]) } catch {
            throw .layout(error)
        }
        var items: [LayoutPlan<StoredTensor>.Item] = []
        do throws(ExportError) {
            let names: [String]
            do { names = try reader.tensorNames() } catch { throw ExportError.layout(error) }
            for name in names {
                let source: StoredTensor
                let stored: (provenance: TensorProvenance, dtype: DType)
                do {
                    source = try StoredTensor(reader: reader, name: name)
                    stored = try reader.provenance(of: name)
                } catch {
                    throw ExportError.layout(error)
                }
                let target = try StateDictPlan.dtype(of: name, reader: reader, choice: dtype)
                var provenance = stored.provenance
                provenance.transform = transform(stored.provenance, output: target)
                items.append(.init(canonical: name, source: source, outputDType: target, provenance: provenance))
            }
        } catch {
            atomic.discard()
            throw error
        }
        var attributes = reader.attributes
        if dtype != .stored { attributes.metadata.dtypePolicy = dtype.rawValue }
        let plan = LayoutPlan(items: items, attributes: attributes, inputs: [reader.path])
        let build: LayoutBuildReport
        do {
            build = try LayoutBuilder.write(plan, to: atomic)
        } catch {
            switch error {
            case .layout(let failure), .source(let failure): throw .layout(failure)
            }
        }
        return ExportReport(
            output: output, format: .layout, naming: .canonical, keys: items.map(\.canonical), skipped: [],
            dtypes: build.dtypes, files: [output], computed: [], warnings: [])
    }

    /// The stored provenance's transform, with `cast` kept when the stored values were rounded and
    /// added when the export changes the element type away from the source's.
    static func transform(_ provenance: TensorProvenance, output: DType) -> String {
        let stored = provenance.transform
        let wasCast = stored == "cast" || stored.hasSuffix("+cast")
        let base = stored == "cast" ? "identity" : (wasCast ? String(stored.dropLast("+cast".count)) : stored)
        guard wasCast || output.rawValue != provenance.sourceDType else { return base }
        return base == "identity" ? "cast" : base + "+cast"
    }
}
