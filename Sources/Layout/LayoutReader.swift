import Foundation
public import HDF5
public import TensorCore

/// Opens and validates a layout file; the runtime and `inspect` read tensors through it.
public final class LayoutReader: @unchecked Sendable {
    public let path: String
    public let file: HDF5File
    public let metadata: LayoutMetadata
    public let architecture: CLIPArchitecture
    private let root: HDF5Group

    /// Opens `path`, refusing files that are not layout files or come from a newer layout version.
    public init(path: String, schema: LayoutSchema = .current) throws(LayoutError) {
        self.path = path
        do {
            file = try HDF5File.open(path: path)
            root = try file.root()
        } catch {
            throw .hdf5(error)
        }
        guard root.hasAttribute("format"), let format = try? root.stringAttribute("format") else {
            throw .notALayoutFile(path: path, found: "no 'format' attribute on /")
        }
        guard format == schema.format else { throw .notALayoutFile(path: path, found: "format is '\(format)'") }
        let version = try Self.int(root, "format_version", path: path)
        guard version <= schema.version else {
            throw .newerVersion(path: path, version: version, supported: schema.version)
        }
        for (name, spec) in schema.rootAttributes where spec.required && !root.hasAttribute(name) {
            throw .missingAttribute(path: path, object: "/", attribute: name)
        }
        let root = self.root
        func json<T: Decodable>(_ name: String, as type: T.Type) throws(LayoutError) -> T {
            try Self.jsonAttribute(root, name, as: type, path: path)
        }
        metadata = LayoutMetadata(
            formatVersion: version,
            producer: try Self.string(root, "producer", path: path),
            sourceFile: try Self.string(root, "source_file", path: path),
            sourceSize: try Self.int(root, "source_size", path: path),
            sourceSHA256: try Self.string(root, "source_sha256", path: path),
            sourceFormat: try Self.string(root, "source_format", path: path),
            sourceConvention: try Self.string(root, "source_convention", path: path),
            sourceWrapper: try Self.string(root, "source_wrapper", path: path),
            dtypePolicy: try Self.string(root, "dtype_policy", path: path),
            architectureSources: try json("architecture_sources", as: [String: String].self),
            droppedTensors: try json("dropped_tensors", as: [LayoutMetadata.DroppedTensor].self),
            tiedTensors: try json("tied_tensors", as: [[String]].self))
        let embedDim = try Self.int(root, "embed_dim", path: path)
        var vision: VisionArchitecture?
        var text: TextArchitecture?
        var ldvc: LDVCArchitecture?
        do {
            if root.contains("vision") {
                let group = try root.group("vision")
                vision = VisionArchitecture(
                    width: try Self.int(group, "width", path: path), layers: try Self.int(group, "layers", path: path),
                    heads: try Self.int(group, "heads", path: path),
                    patchSize: try Self.int(group, "patch_size", path: path),
                    imageSize: try Self.int(group, "image_size", path: path),
                    gridSize: try Self.int(group, "grid_size", path: path),
                    mlpWidth: try Self.int(group, "mlp_width", path: path),
                    layerNormEps: try Self.double(group, "layer_norm_eps", path: path),
                    activation: try Self.activation(group, path: path))
            }
            if root.contains("text") {
                let group = try root.group("text")
                text = TextArchitecture(
                    width: try Self.int(group, "width", path: path), layers: try Self.int(group, "layers", path: path),
                    heads: try Self.int(group, "heads", path: path),
                    contextLength: try Self.int(group, "context_length", path: path),
                    vocabSize: try Self.int(group, "vocab_size", path: path),
                    mlpWidth: try Self.int(group, "mlp_width", path: path),
                    layerNormEps: try Self.double(group, "layer_norm_eps", path: path),
                    activation: try Self.activation(group, path: path))
            }
            ldvc = try LDVCArchitecture.read(from: root, path: path)
        } catch let error as LayoutError {
            throw error
        } catch let error as HDF5Error {
            throw .hdf5(error)
        } catch {
            throw .notALayoutFile(path: path, found: "\(error)")
        }
        architecture = CLIPArchitecture(embedDim: embedDim, vision: vision, text: text, ldvc: ldvc)
    }

    /// True when the file stores the canonical tensor `name`.
    public func contains(_ name: String) -> Bool {
        (try? dataset(name)) != nil
    }

    /// The stored tensor, in its stored dtype.
    public func tensor(_ name: String) throws(LayoutError) -> Tensor {
        let data = try dataset(name)
        do { return try data.readTensor() } catch { throw .hdf5(error) }
    }

    /// The stored tensor widened to f32, after checking its shape.
    public func floats(_ name: String, shape: [Int]) throws(LayoutError) -> [Float] {
        let data = try dataset(name)
        guard data.shape == shape else {
            throw .tensorShape(path: path, name: name, expected: shape, actual: data.shape)
        }
        do { return try data.readFloats() } catch { throw .hdf5(error) }
    }

    /// Shape of a stored tensor.
    public func shape(of name: String) throws(LayoutError) -> [Int] { try dataset(name).shape }

    /// The provenance attributes of a stored tensor.
    public func provenance(of name: String) throws(LayoutError) -> (provenance: TensorProvenance, dtype: DType) {
        let data = try dataset(name)
        do {
            var extra: [String: String] = [:]
            for attribute in try data.attributeNames()
            where !["source_name", "transform", "source_dtype", "dtype"].contains(attribute) {
                if case .string(let value) = try data.attribute(attribute) { extra[attribute] = value }
            }
            let provenance = TensorProvenance(
                sourceName: try data.stringAttribute("source_name"),
                transform: try data.stringAttribute("transform"),
                sourceDType: try data.stringAttribute("source_dtype"), extra: extra)
            return (provenance, data.dtype)
        } catch {
            throw .hdf5(error)
        }
    }

    /// Canonical names of every stored tensor, in the order they were written.
    public func tensorNames() throws(LayoutError) -> [String] {
        var names: [String] = []
        do { try collect(root, prefix: "", into: &names) } catch { throw .hdf5(error) }
        return names
    }

    private func collect(_ group: HDF5Group, prefix: String, into names: inout [String]) throws(HDF5Error) {
        for child in try group.childNames() {
            let name = prefix.isEmpty ? child : prefix + "." + child
            switch try group.kind(of: child) {
            case .group: try collect(try group.group(child), prefix: name, into: &names)
            case .dataset: names.append(name)
            case .other: continue
            }
        }
    }

    func dataset(_ name: String) throws(LayoutError) -> HDF5Dataset {
        let components = name.split(separator: ".").map(String.init)
        guard !components.isEmpty else { throw .missingTensor(path: path, name: name) }
        do {
            var group = root
            for component in components.dropLast() {
                guard group.contains(component), try group.kind(of: component) == .group else {
                    throw LayoutError.missingTensor(path: path, name: name)
                }
                group = try group.group(component)
            }
            let leaf = components[components.count - 1]
            guard group.contains(leaf), try group.kind(of: leaf) == .dataset else {
                throw LayoutError.missingTensor(path: path, name: name)
            }
            return try group.dataset(leaf)
        } catch let error as LayoutError {
            throw error
        } catch let error as HDF5Error {
            throw .hdf5(error)
        } catch {
            throw .missingTensor(path: path, name: name)
        }
    }

    static func jsonAttribute<T: Decodable>(_ object: any HDF5Object, _ name: String, as type: T.Type, path: String)
        throws(LayoutError) -> T
    {
        let text = try string(object, name, path: path)
        guard let value = try? JSONDecoder().decode(T.self, from: Data(text.utf8)) else {
            throw .badAttribute(path: path, object: object.fullName, attribute: name, reason: "not the expected JSON")
        }
        return value
    }

    static func string(_ object: any HDF5Object, _ name: String, path: String) throws(LayoutError) -> String {
        guard object.hasAttribute(name) else {
            throw .missingAttribute(path: path, object: object.fullName, attribute: name)
        }
        do { return try object.stringAttribute(name) } catch {
            throw .badAttribute(path: path, object: object.fullName, attribute: name, reason: "not a string")
        }
    }

    static func int(_ object: any HDF5Object, _ name: String, path: String) throws(LayoutError) -> Int {
        guard object.hasAttribute(name) else {
            throw .missingAttribute(path: path, object: object.fullName, attribute: name)
        }
        do { return Int(try object.intAttribute(name)) } catch {
            throw .badAttribute(path: path, object: object.fullName, attribute: name, reason: "not an integer")
        }
    }

    static func double(_ object: any HDF5Object, _ name: String, path: String) throws(LayoutError) -> Double {
        guard object.hasAttribute(name) else {
            throw .missingAttribute(path: path, object: object.fullName, attribute: name)
        }
        do { return try object.doubleAttribute(name) } catch {
            throw .badAttribute(path: path, object: object.fullName, attribute: name, reason: "not a number")
        }
    }

    static func activation(_ object: any HDF5Object, path: String) throws(LayoutError) -> Activation {
        let value = try string(object, "activation", path: path)
        guard let activation = Activation(rawValue: value) else {
            throw .badAttribute(
                path: path, object: object.fullName, attribute: "activation", reason: "unknown activation '\(value)'")
        }
        return activation
    }
}
