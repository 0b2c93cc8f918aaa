import Checkpoint
import Conventions
import Layout
import TensorCore

/// A checkpoint's tensors sorted by what one convention's table does with them: mapped to
/// canonical tensors, dropped with a reason, or unknown. Shared by CLIP conversion and MMSeg import,
/// which then check the mapped tensors against the schema with `layoutItems`.
struct ResolvedNames {
    var mapped: [String: (record: TensorRecord, transform: TensorTransform)] = [:]
    /// One row per source tensor, in file order (what `inspect` lists).
    var entries: [ConversionPlan.SourceEntry] = []
    var dropped: [LayoutMetadata.DroppedTensor] = []
    var droppedRecords: [String: TensorRecord] = [:]
    var unmapped: [String] = []
    let path: String
    let convention: Convention
    private var records: [String: TensorRecord] = [:]

    init(reader: any CheckpointReader, convention: Convention) throws(ConversionError) {
        path = reader.path
        self.convention = convention
        for record in reader.records {
            records[record.name] = record
            switch convention.map.resolve(record.name) {
            case .mapped(let targets):
                for target in targets {
                    if let existing = mapped[target.canonical] {
                        throw .duplicateCanonical(
                            path: reader.path, canonical: target.canonical,
                            sources: [existing.record.name, record.name])
                    }
                    mapped[target.canonical] = (record, target.transform)
                }
                entries.append(
                    .init(
                        record: record, status: .mapped, canonical: targets.map(\.canonical),
                        transforms: targets.map(\.transform), provenance: reader.provenance(of: record)))
            case .dropped(let reason):
                dropped.append(.init(name: record.name, reason: reason))
                droppedRecords[record.name] = record
                entries.append(.init(record: record, status: .dropped, reason: reason))
            case .unknown:
                unmapped.append(record.name)
                entries.append(.init(record: record, status: .unmapped, reason: "not a \(convention.summary) tensor"))
            }
        }
    }

    /// Unknown tensors: refused with `strict`, else reported as a warning and recorded as dropped.
    mutating func settleUnmapped(strict: Bool, reporter: Reporter) throws(ConversionError) {
        guard !unmapped.isEmpty else { return }
        if strict { throw .unmappedTensors(path: path, names: unmapped) }
        reporter.warning(
            "\(path): \(unmapped.count) tensor(s) are not part of the model and are not stored: "
                + unmapped.prefix(5).joined(separator: ", ") + (unmapped.count > 5 ? ", …" : ""))
        for name in unmapped { dropped.append(.init(name: name, reason: "not part of the model (unrecognised name)")) }
    }

    /// Leaves one tower out: its mapped tensors, and the unknown tensors under its key roots (a
    /// tower of a family the runtime cannot run), become dropped with `reason`.
    mutating func exclude(tower: String, roots: Set<String>, reason: String) {
        for (position, entry) in entries.enumerated() {
            let root = entry.name.split(separator: ".").first.map(String.init) ?? entry.name
            let inTower: Bool
            switch entry.status {
            case .mapped: inTower = !entry.canonical.isEmpty && entry.canonical.allSatisfy { $0.hasPrefix(tower + ".") }
            case .unmapped: inTower = roots.contains(root)
            case .dropped: inTower = false
            }
            guard inTower, let record = records[entry.name] else { continue }
            for canonical in entry.canonical { mapped[canonical] = nil }
            unmapped.removeAll { $0 == entry.name }
            dropped.append(.init(name: entry.name, reason: reason))
            entries[position] = .init(record: record, status: .dropped, reason: reason)
        }
    }

    /// Source name → the canonical names it maps to, joined (for telling which tower a module is in).
    var canonicalBySource: [String: String] {
        var result: [String: String] = [:]
        for entry in entries where entry.status == .mapped {
            result[entry.name] = entry.canonical.joined(separator: ",")
        }
        return result
    }

    /// Output shapes of the mapped tensors, for architecture inference.
    var mappedShapes: [String: [Int]] { mapped.mapValues { $0.transform.outputShape(of: $0.record.shape) } }

    /// The plan's items: every tensor the schema expects for `architecture`, from its mapped source,
    /// with its shape checked; a missing required tensor or a mapped tensor the architecture has no
    /// place for is refused.
    func layoutItems(for architecture: CLIPArchitecture, reader: any CheckpointReader, dtype: DTypePolicy)
        throws(ConversionError) -> [LayoutPlan<CheckpointTensor>.Item]
    {
        let expected: [LayoutSchema.ExpectedTensor]
        do { expected = try LayoutSchema.current.expectedTensors(for: architecture) } catch { throw .layout(error) }
        var items: [LayoutPlan<CheckpointTensor>.Item] = []
        for tensor in expected {
            guard let (record, transform) = mapped[tensor.name] else {
                if tensor.optional { continue }
                let key = convention.map.source(ofCanonical: tensor.name)?.key ?? tensor.name
                throw .architecture(path: path, reason: "the checkpoint lacks '\(key)' (canonical '\(tensor.name)')")
            }
            let shape = transform.outputShape(of: record.shape)
            guard shape == tensor.shape else {
                throw .architecture(
                    path: path,
                    reason:
                        "'\(record.name)' has shape \(record.shape); the architecture needs \(tensor.shape) for '\(tensor.name)'"
                )
            }
            items.append(
                .init(
                    canonical: tensor.name, source: CheckpointTensor(reader: reader, record: record),
                    transform: transform,
                    outputDType: dtype.outputDType(for: record.dtype),
                    extra: reader.provenance(of: record).map { ["provenance": $0] } ?? [:]))
        }
        let expectedNames = Set(expected.map(\.name))
        let extra = mapped.keys.filter { !expectedNames.contains($0) }.sorted()
        if !extra.isEmpty {
            // Blocks beyond the counted layers, or a tower missing its other tensors.
            let names = extra.prefix(5).map { convention.map.source(ofCanonical: $0)?.key ?? $0 }
            throw .architecture(
                path: path, reason: "tensors do not fit the inferred architecture: \(names.joined(separator: ", "))")
        }
        return items
    }
}
