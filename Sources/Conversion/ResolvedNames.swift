import Checkpoint
import Layout

/// A checkpoint's tensors sorted by what one name table does with them: mapped to canonical
/// tensors, dropped with a reason, or unknown. Shared by CLIP conversion and MMSeg import.
struct ResolvedNames {
    var mapped: [String: (record: TensorRecord, transform: TensorTransform)] = [:]
    /// One row per source tensor, in file order (what `inspect` lists).
    var entries: [ConversionPlan.SourceEntry] = []
    var dropped: [LayoutMetadata.DroppedTensor] = []
    var droppedRecords: [String: TensorRecord] = [:]
    var unmapped: [String] = []

    /// `family` names what the table describes in messages ("CLIP", "ZegCLIP/LDVC").
    init(reader: any CheckpointReader, map: NameMap, family: String) throws(ConversionError) {
        for record in reader.records {
            switch map.resolve(record.name) {
            case .mapped(let targets):
                for target in targets {
                    if let existing = mapped[target.canonical] {
                        throw .duplicateCanonical(
                            path: reader.path, canonical: target.canonical,
                            sources: [existing.record.name, record.name])
                    }
                    mapped[target.canonical] = (record, target.transform)
                }
                let transforms = Set(targets.map(\.transform.attributeValue)).sorted().joined(separator: ",")
                entries.append(
                    .init(
                        name: record.name, dtype: record.dtype.rawValue, shape: record.shape,
                        canonical: targets.map(\.canonical), transform: transforms, status: "mapped", reason: nil,
                        provenance: reader.provenance(of: record)))
            case .dropped(let reason):
                dropped.append(.init(name: record.name, reason: reason))
                droppedRecords[record.name] = record
                entries.append(
                    .init(
                        name: record.name, dtype: record.dtype.rawValue, shape: record.shape,
                        canonical: [], transform: "", status: "dropped", reason: reason))
            case .unknown:
                unmapped.append(record.name)
                entries.append(
                    .init(
                        name: record.name, dtype: record.dtype.rawValue, shape: record.shape,
                        canonical: [], transform: "", status: "unmapped", reason: "not a \(family) tensor"))
            }
        }
    }

    /// Unknown tensors: refused with `strict`, else reported as a warning and recorded as dropped.
    mutating func settleUnmapped(strict: Bool, path: String, family: String, observer: ConversionObserver)
        throws(ConversionError)
    {
        guard !unmapped.isEmpty else { return }
        if strict { throw .unmappedTensors(path: path, names: unmapped) }
        observer.diagnostic(
            .init(
                .warning,
                "\(path): \(unmapped.count) tensor(s) are not part of \(family) and are not stored: "
                    + unmapped.prefix(5).joined(separator: ", ") + (unmapped.count > 5 ? ", …" : "")))
        for name in unmapped { dropped.append(.init(name: name, reason: "not part of \(family) (unrecognised name)")) }
    }
}
