import Foundation
public import HDF5
public import TensorCore

/// Writes a layout file: root attributes, architecture, then tensors one at a time.
///
/// Everything goes to an `AtomicOutput`'s temporary file; `finish()` checks the result against
/// the schema and only then moves it into place. Dropping the writer without `finish()` leaves
/// nothing behind.
public final class LayoutWriter: @unchecked Sendable {
    public let output: AtomicOutput
    public let schema: LayoutSchema
    private var file: HDF5File?
    private var root: HDF5Group?
    private var groups: [String: HDF5Group] = [:]
    private var written: [String: [Int]] = [:]
    private var architecture: CLIPArchitecture?

    public init(output: AtomicOutput, schema: LayoutSchema = .current) throws(LayoutError) {
        self.output = output
        self.schema = schema
        do {
            let file = try HDF5File.create(path: output.temporaryPath)
            self.file = file
            self.root = try file.root()
        } catch {
            output.discard()
            throw .hdf5(error)
        }
    }

    private var path: String { output.destination }

    /// Writes the root attributes. `embed_dim` comes from the architecture.
    public func writeMetadata(_ metadata: LayoutMetadata, architecture: CLIPArchitecture) throws(LayoutError) {
        guard let root else { return }
        self.architecture = architecture
        do {
            try root.setAttribute("format", .string(schema.format))
            try root.setAttribute("format_version", .int(Int64(metadata.formatVersion)))
            try root.setAttribute("producer", .string(metadata.producer))
            try root.setAttribute("source_file", .string(metadata.sourceFile))
            try root.setAttribute("source_size", .int(Int64(metadata.sourceSize)))
            try root.setAttribute("source_sha256", .string(metadata.sourceSHA256))
            try root.setAttribute("source_format", .string(metadata.sourceFormat))
            try root.setAttribute("source_convention", .string(metadata.sourceConvention))
            try root.setAttribute("source_wrapper", .string(metadata.sourceWrapper))
            try root.setAttribute("dtype_policy", .string(metadata.dtypePolicy))
            try root.setAttribute("embed_dim", .int(Int64(architecture.embedDim)))
            try root.setAttribute("architecture_sources", .string(LayoutMetadata.json(metadata.architectureSources)))
            try root.setAttribute("dropped_tensors", .string(LayoutMetadata.json(metadata.droppedTensors)))
            try root.setAttribute("tied_tensors", .string(LayoutMetadata.json(metadata.tiedTensors)))
            if let vision = architecture.vision {
                let group = try groupCreatingIfNeeded(["vision"])
                for (name, value) in vision.integerAttributes.sorted(by: { $0.key < $1.key }) {
                    try group.setAttribute(name, .int(Int64(value)))
                }
                try group.setAttribute("layer_norm_eps", .double(vision.layerNormEps))
                try group.setAttribute("activation", .string(vision.activation.rawValue))
            }
            if let text = architecture.text {
                let group = try groupCreatingIfNeeded(["text"])
                for (name, value) in text.integerAttributes.sorted(by: { $0.key < $1.key }) {
                    try group.setAttribute(name, .int(Int64(value)))
                }
                try group.setAttribute("layer_norm_eps", .double(text.layerNormEps))
                try group.setAttribute("activation", .string(text.activation.rawValue))
            }
            try architecture.ldvc?.write(into: root)
        } catch {
            throw .hdf5(error)
        }
    }

    /// Creates the dataset for canonical tensor `name` with its provenance attributes; the caller
    /// writes its bytes (whole or by rows) into the returned dataset.
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
            throw .hdf5(error)
        }
    }

    /// Convenience: creates a tensor and writes all of it.
    public func write(_ name: String, tensor: Tensor, provenance: TensorProvenance) throws(LayoutError) {
        let dataset = try createTensor(name, dtype: tensor.dtype, shape: tensor.shape, provenance: provenance)
        do { try dataset.write(tensor.contiguousBytes) } catch { throw .hdf5(error) }
    }

    /// Sets extra attributes on the group of dotted name `group` (created if needed), e.g. how the
    /// prompts of `prompts.text` were initialised (`PromptInitialization`).
    public func setAttributes(_ attributes: [(name: String, value: HDF5AttributeValue)], onGroup group: String)
        throws(LayoutError)
    {
        do {
            let target = try groupCreatingIfNeeded(group.split(separator: ".").map(String.init))
            for (name, value) in attributes { try target.setAttribute(name, value) }
        } catch {
            throw .hdf5(error)
        }
    }

    /// Checks the file against the schema, closes it and moves it into place.
    public func finish() throws(LayoutError) {
        do {
            try validateAgainstSchema()
            groups.removeAll()
            root = nil
            try file?.close()
            file = nil
        } catch let error as LayoutError {
            output.discard()
            throw error
        } catch let error as HDF5Error {
            output.discard()
            throw .hdf5(error)
        } catch {
            output.discard()
            throw .commitFailed(path: path, reason: "\(error)")
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

    private func validateAgainstSchema() throws(LayoutError) {
        guard let architecture else { throw .missingAttribute(path: path, object: "/", attribute: "format") }
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
        for name in written.keys where !expectedNames.contains(name) {
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
