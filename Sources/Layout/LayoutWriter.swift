import Foundation
public import HDF5
public import TensorCore

/// Writes a layout file: tensors one at a time, then the attributes, then the schema check.
///
/// Everything goes to an `AtomicOutput`'s temporary file; `finish` checks the result against the
/// schema and only then moves it into place. Dropping the writer without `finish` leaves nothing
/// behind. `LayoutBuilder` drives it; nothing else should need to.
public final class LayoutWriter: @unchecked Sendable {
    public let output: AtomicOutput
    public let schema: LayoutSchema
    private var file: HDF5File?
    private var root: HDF5Group?
    private var groups: [String: HDF5Group] = [:]
    private var written: [String: [Int]] = [:]

    public init(output: AtomicOutput, schema: LayoutSchema = .current) throws(LayoutError) {
        self.output = output
        self.schema = schema
        do {
            let file = try HDF5File.create(path: output.temporaryPath)
            self.file = file
            self.root = try file.root()
        } catch {
            output.discard()
            throw .write(path: output.destination, error)
        }
    }

    private var path: String { output.destination }

    /// Creates the dataset for canonical tensor `name` with its provenance attributes; the caller
    /// writes its bytes (whole, by rows, or into `fileOffset` directly).
    public func createTensor(_ name: String, dtype: DType, shape: [Int], provenance: TensorProvenance)
        throws(LayoutError) -> HDF5Dataset
    {
        try CanonicalName.validate(name)
        guard written[name] == nil else { throw .invalidName(name: name, reason: "written twice") }
        let components = name.split(separator: ".").map(String.init)
        do {
            let group = try groupCreatingIfNeeded(Array(components.dropLast()))
            let dataset = try group.createDataset(components[components.count - 1], dtype: dtype, shape: shape)
            try dataset.setAttribute("source_name", .string(provenance.sourceName))
            try dataset.setAttribute("transform", .string(provenance.transform))
            try dataset.setAttribute("source_dtype", .string(provenance.sourceDType))
            try dataset.setAttribute("dtype", .string(dtype.rawValue))
            for (key, value) in provenance.extra.sorted(by: { $0.key < $1.key }) {
                try dataset.setAttribute(key, .string(value))
            }
            written[name] = shape
            return dataset
        } catch {
            throw .write(path: path, error)
        }
    }

    /// Creates a tensor and writes all of it.
    public func write(_ name: String, tensor: Tensor, provenance: TensorProvenance) throws(LayoutError) {
        let dataset = try createTensor(name, dtype: tensor.dtype, shape: tensor.shape, provenance: provenance)
        do { try dataset.write(tensor.contiguousBytes) } catch { throw .write(path: path, error) }
    }

    /// Writes the attributes, checks the file against the schema, closes it and moves it into place.
    public func finish(_ attributes: LayoutAttributes) throws(LayoutError) {
        do throws(LayoutError) {
            try writeAttributes(attributes.encoded())
            try validate(against: attributes.architecture)
            groups.removeAll()
            root = nil
            do { try file?.close() } catch { throw LayoutError.write(path: path, error) }
            file = nil
        } catch {
            discard()
            throw error
        }
        try output.commit()
    }

    /// Abandons the output.
    public func discard() {
        groups.removeAll()
        root = nil
        file = nil
        output.discard()
    }

    /// `a.b.c` is the attribute `c` of the group `/a/b`; groups are created as needed. Sorted, so
    /// files are written identically every time.
    private func writeAttributes(_ values: [String: HDF5AttributeValue]) throws(LayoutError) {
        for (key, value) in values.sorted(by: { $0.key < $1.key }) {
            let components = key.split(separator: ".").map(String.init)
            do {
                let group = try groupCreatingIfNeeded(Array(components.dropLast()))
                try group.setAttribute(components[components.count - 1], value)
            } catch {
                throw .write(path: path, error)
            }
        }
    }

    private func validate(against architecture: CLIPArchitecture) throws(LayoutError) {
        let expected = try schema.expectedTensors(for: architecture)
        let expectedNames = Set(expected.map(\.name))
        for tensor in expected {
            guard let shape = written[tensor.name] else {
                if tensor.optional { continue }
                throw .missingTensor(path: path, name: tensor.name)
            }
            guard shape == tensor.shape else {
                throw .tensorShape(path: path, name: tensor.name, expected: tensor.shape, actual: shape)
            }
        }
        for name in written.keys.sorted() where !expectedNames.contains(name) {
            throw .schema(reason: "\(path): tensor '\(name)' is not part of layout version \(schema.version)")
        }
    }

    private func groupCreatingIfNeeded(_ components: [String]) throws(HDF5Error) -> HDF5Group {
        guard var current = root else {
            throw .callFailed(path: path, operation: "write", detail: "the writer is closed")
        }
        var key = ""
        for component in components {
            key += "/" + component
            if let cached = groups[key] {
                current = cached
                continue
            }
            current = try current.groupCreatingIfNeeded(component)
            groups[key] = current
        }
        return current
    }
}
