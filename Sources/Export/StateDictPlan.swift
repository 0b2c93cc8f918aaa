import Conventions
public import Layout
public import TensorCore

/// Which element type an exported tensor gets.
public enum ExportDType: String, Sendable, CaseIterable {
    /// The type the tensor had in the checkpoint it was converted from (`source_dtype`), so an export
    /// in the original naming gives back the original tensors, dtypes included (default).
    case source
    /// The type stored in the layout file.
    case stored
    /// Every float tensor widened to f32 (exact).
    case f32
    /// Every float tensor as f16 (round to nearest even; a value beyond ±65504 is refused).
    case f16
    /// Every float tensor as bfloat16 (round to nearest even).
    case bf16
}

/// A layout file's tensors under another naming, decided before anything is read: each output key,
/// its dtype and shape, and the canonical tensors (with the table's inverse transforms) it is made of.
/// Tensors are loaded one at a time by `tensor(_:)`, so writers stream.
public struct StateDictPlan: Sendable {
    public struct Item: Sendable, Equatable {
        public let key: String
        public let dtype: DType
        public let shape: [Int]
        /// Canonical tensors in order: one, or the q/k/v thirds of a fused projection; empty for a
        /// tensor the export computes.
        public let canonical: [String]
        let transform: TensorTransform
        /// The values of a tensor the file does not store (a buffer the target's loader requires, CLIP's
        /// initial logit scale), in their own dtype; nil for stored tensors.
        let computed: Tensor?
    }

    public let path: String
    public let naming: ExportNaming
    public private(set) var items: [Item]
    /// Canonical tensors the naming has no key for (e.g. LDVC's head under `--naming openai`).
    public let skipped: [String]
    let reader: LayoutReader
    let dtypeChoice: ExportDType

    /// Plans the export of every tensor of `reader` accepted by `include`.
    public init(
        reader: LayoutReader, naming: ExportNaming, dtype: ExportDType = .source,
        include: (String) -> Bool = { _ in true }
    ) throws(ExportError) {
        path = reader.path
        self.naming = naming
        self.reader = reader
        dtypeChoice = dtype
        let map = naming.convention?.map
        var order: [String] = []
        var parts: [String: [(canonical: String, transform: TensorTransform)]] = [:]
        var skipped: [String] = []
        let names: [String]
        do { names = try reader.tensorNames().filter(include) } catch { throw .layout(error) }
        for name in names {
            let key: String, transform: TensorTransform
            if let map {
                guard let source = map.source(ofCanonical: name) else {
                    skipped.append(name)
                    continue
                }
                (key, transform) = source
            } else {
                (key, transform) = (name, .identity)
            }
            if parts[key] == nil { order.append(key) }
            parts[key, default: []].append((name, transform))
        }
        var items: [Item] = []
        for key in order {
            let members = parts[key] ?? []
            let transform = members[0].transform
            var canonical = members.map(\.canonical)
            var shape: [Int]
            do { shape = try reader.shape(of: canonical[0]) } catch { throw .layout(error) }
            switch transform {
            case .identity, .transpose:
                shape = transform.sourceShape(of: shape)
            case .splitRows(_, let count):
                var byPart: [Int: String] = [:]
                for member in members {
                    if case .splitRows(let part, _) = member.transform { byPart[part] = member.canonical }
                }
                let missing = (0..<count).filter { byPart[$0] == nil }
                guard missing.isEmpty else {
                    throw .incompleteFusedTensor(
                        path: path, key: key, missing: missing.map { "part \($0 + 1) of \(count)" })
                }
                canonical = (0..<count).compactMap { byPart[$0] }
                for name in canonical.dropFirst() {
                    let other: [Int]
                    do { other = try reader.shape(of: name) } catch { throw .layout(error) }
                    guard other == shape else {
                        throw .tensor(
                            path: path, name: name, reason: "shape \(other) differs from its sibling's \(shape)")
                    }
                }
                shape = transform.sourceShape(of: shape)
            }
            let dtype = try Self.dtype(of: canonical[0], reader: reader, choice: dtype)
            items.append(
                Item(key: key, dtype: dtype, shape: shape, canonical: canonical, transform: transform, computed: nil))
        }
        self.items = items
        self.skipped = skipped
    }

    static func dtype(of name: String, reader: LayoutReader, choice: ExportDType) throws(ExportError) -> DType {
        let provenance: (provenance: TensorProvenance, dtype: DType)
        do { provenance = try reader.provenance(of: name) } catch { throw .layout(error) }
        switch choice {
        case .stored:
            return provenance.dtype
        case .f32, .f16, .bf16:
            let target: DType = choice == .f32 ? .f32 : choice == .f16 ? .f16 : .bf16
            return provenance.dtype.isFloatingPoint ? target : provenance.dtype
        case .source:
            guard let source = DType(rawValue: provenance.provenance.sourceDType) else {
                throw .tensor(
                    path: reader.path, name: name,
                    reason: "source_dtype '\(provenance.provenance.sourceDType)' is not an element type")
            }
            return source
        }
    }

    /// Adds a tensor the export computes, stored as `dtype`.
    mutating func add(key: String, values: Tensor, dtype: DType) {
        items.append(
            Item(key: key, dtype: dtype, shape: values.shape, canonical: [], transform: .identity, computed: values))
    }

    /// Element type → number of tensors written in it.
    public var dtypes: [String: Int] { Dictionary(grouping: items, by: \.dtype.rawValue).mapValues(\.count) }

    /// The tensor of `item`: parts concatenated, the transform undone, the dtype set.
    public func tensor(_ item: Item) throws(ExportError) -> Tensor {
        if let computed = item.computed {
            do {
                return try computed.converted(to: item.dtype).tensor
            } catch {
                throw .tensor(path: path, name: item.key, reason: error.description)
            }
        }
        var pieces: [Tensor] = []
        for name in item.canonical {
            do { pieces.append(try reader.tensor(name)) } catch { throw .layout(error) }
        }
        let converted: (tensor: Tensor, overflowCount: Int)
        do {
            converted = try item.transform.joined(pieces).converted(to: item.dtype)
        } catch {
            throw .tensor(path: path, name: item.key, reason: error.description)
        }
        guard converted.overflowCount == 0 else {
            throw .tensor(
                path: path, name: item.key,
                reason: "\(converted.overflowCount) value(s) overflow \(item.dtype.rawValue)")
        }
        guard converted.tensor.shape == item.shape else {
            throw .tensor(path: path, name: item.key, reason: "shape \(converted.tensor.shape), planned \(item.shape)")
        }
        return converted.tensor
    }
}
