import Foundation
public import HDF5
public import TensorCore

/// Opens and validates a layout file; the runtime, `inspect`, `export` and prompt injection read
/// tensors through it.
public final class LayoutReader: @unchecked Sendable {
    public let path: String
    public let file: HDF5File
    public let attributes: LayoutAttributes
    private let root: HDF5Group
    /// The shape the schema gives each tensor for this file's architecture: a stored tensor of any
    /// other shape is refused before a byte of it is read.
    private let expectedShapes: [String: [Int]]

    public var metadata: LayoutMetadata { attributes.metadata }
    public var architecture: CLIPArchitecture { attributes.architecture }

    /// Groups deeper than this, or more groups than `maxGroups`, are not a layout file (the walk
    /// that collects attributes is bounded for hostile files).
    static let maxDepth = 32
    static let maxGroups = 100_000

    /// Opens `path`, refusing files that are not layout files or come from a newer layout version.
    /// The file is walked by `HDF5Preflight` within `limits` before libhdf5 reads it.
    public init(path: String, schema: LayoutSchema = .current, limits: HDF5Limits = .default) throws(LayoutError) {
        self.path = path
        do {
            file = try HDF5File.open(path: path, limits: limits)
            root = try file.root()
        } catch .notHDF5 {
            throw .notALayoutFile(
                path: path, found: "not an HDF5 file; a checkpoint is converted with `ldvc-convert \(path)` first")
        } catch {
            throw .read(error)
        }
        guard root.hasAttribute("format"), let format = try? root.stringAttribute("format") else {
            throw .notALayoutFile(path: path, found: "an HDF5 file without the layout's 'format' attribute")
        }
        guard format == schema.format else { throw .notALayoutFile(path: path, found: "format is '\(format)'") }
        guard let version = try? root.intAttribute("format_version") else {
            throw .missingAttribute(path: path, object: "/", attribute: "format_version")
        }
        guard version <= schema.version else {
            throw .newerVersion(path: path, version: Int(version), supported: schema.version)
        }
        var values: [String: HDF5AttributeValue] = [:]
        var groupCount = 0
        do {
            try Self.collectAttributes(of: root, prefix: "", depth: 0, groupCount: &groupCount, into: &values)
        } catch {
            throw .read(error)
        }
        attributes = try AttributeDecoder(path: path).decode(LayoutAttributes.self, from: values)
        try attributes.architecture.checkBounds(path: path)
        if let preprocessing = attributes.preprocessing,
            let problem = preprocessing.problem(hasHead: attributes.architecture.ldvc?.head != nil)
        {
            throw .badAttribute(path: path, object: "/preprocessing", attribute: "pipeline", reason: problem)
        }
        var shapes: [String: [Int]] = [:]
        for tensor in try schema.expectedTensors(for: attributes.architecture) { shapes[tensor.name] = tensor.shape }
        expectedShapes = shapes
    }

    /// How the prompts of `/prompts/<group>` (`vision` or `text`) were made, if the file says.
    public func promptInitialization(_ group: String) -> PromptInitialization? {
        attributes.promptInitializations[group]
    }

    /// True when the file stores the canonical tensor `name`.
    public func contains(_ name: String) -> Bool {
        (try? storedDataset(name)) != nil
    }

    /// The stored tensor, in its stored dtype.
    public func tensor(_ name: String) throws(LayoutError) -> Tensor {
        let data = try dataset(name)
        do { return try data.readTensor() } catch { throw .read(error) }
    }

    /// The stored tensor widened to f32, after checking its shape.
    public func floats(_ name: String, shape: [Int]) throws(LayoutError) -> [Float] {
        let data = try dataset(name)
        guard data.shape == shape else {
            throw .tensorShape(path: path, name: name, expected: shape, actual: data.shape)
        }
        do { return try data.readFloats() } catch { throw .read(error) }
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
            throw .read(error)
        }
    }

    /// Canonical names of every stored tensor, in the order they were written.
    public func tensorNames() throws(LayoutError) -> [String] {
        var names: [String] = []
        do { try collect(root, prefix: "", depth: 0, into: &names) } catch { throw .read(error) }
        return names
    }

    private func collect(_ group: HDF5Group, prefix: String, depth: Int, into names: inout [String]) throws(HDF5Error) {
        guard depth < Self.maxDepth, names.count < Self.maxGroups else {
            throw .unexpectedObject(path: path, object: group.fullName, expected: "a layout group (nested too deep)")
        }
        for child in try group.childNames() {
            let name = prefix.isEmpty ? child : prefix + "." + child
            switch try group.kind(of: child) {
            case .group: try collect(try group.group(child), prefix: name, depth: depth + 1, into: &names)
            case .dataset: names.append(name)
            case .other: continue
            }
        }
    }

    /// The dataset of canonical tensor `name` (its `fileOffset` lets writers copy it in the kernel),
    /// refused unless its shape is the one the architecture gives that name.
    public func dataset(_ name: String) throws(LayoutError) -> HDF5Dataset {
        let data = try storedDataset(name)
        if let expected = expectedShapes[name], data.shape != expected {
            throw .tensorShape(path: path, name: name, expected: expected, actual: data.shape)
        }
        return data
    }

    private func storedDataset(_ name: String) throws(LayoutError) -> HDF5Dataset {
        let components = name.split(separator: ".").map(String.init)
        guard !components.isEmpty else { throw .missingTensor(path: path, name: name) }
        do throws(HDF5Error) {
            var group = root
            for component in components.dropLast() {
                guard group.contains(component), try group.kind(of: component) == .group else {
                    throw HDF5Error.missingObject(path: path, object: name)
                }
                group = try group.group(component)
            }
            let leaf = components[components.count - 1]
            guard group.contains(leaf), try group.kind(of: leaf) == .dataset else {
                throw HDF5Error.missingObject(path: path, object: name)
            }
            return try group.dataset(leaf)
        } catch .missingObject {
            throw .missingTensor(path: path, name: name)
        } catch {
            throw .read(error)
        }
    }

    /// Attributes of `group` and every group below it, keyed by dotted path; datasets' attributes
    /// (provenance) are not included.
    private static func collectAttributes(
        of group: HDF5Group, prefix: String, depth: Int, groupCount: inout Int,
        into values: inout [String: HDF5AttributeValue]
    ) throws(HDF5Error) {
        groupCount += 1
        guard depth < maxDepth, groupCount <= maxGroups else {
            throw .unexpectedObject(
                path: group.file.path, object: group.fullName, expected: "a layout group (too deep or too many)")
        }
        for name in try group.attributeNames() {
            values[prefix.isEmpty ? name : prefix + "." + name] = try group.attribute(name)
        }
        for child in try group.childNames() where try group.kind(of: child) == .group {
            try collectAttributes(
                of: try group.group(child), prefix: prefix.isEmpty ? child : prefix + "." + child, depth: depth + 1,
                groupCount: &groupCount, into: &values)
        }
    }
}

extension CLIPArchitecture {
    /// The largest value any integer setting may have: far beyond every real model, small enough
    /// that no shape built from the settings can overflow or ask for an absurd allocation.
    static let largestSetting = 1 << 20

    /// Refuses settings no model has (negative, absurd, or inconsistent), which a hostile file could
    /// otherwise turn into traps or huge allocations further on.
    func checkBounds(path: String) throws(LayoutError) {
        for (key, value) in try symbols() {
            let object = "/" + key.split(separator: ".").dropLast().joined(separator: "/")
            let attribute = String(key.split(separator: ".").last ?? "")
            let numbers: [Int64]
            switch value {
            case .int(let number): numbers = [number]
            case .intArray(let array): numbers = array
            default: continue
            }
            for number in numbers where number < 0 || number > Int64(Self.largestSetting) {
                throw .badAttribute(
                    path: path, object: object, attribute: attribute,
                    reason: "\(number) is outside 0 … \(Self.largestSetting)")
            }
        }
        func refuse(_ object: String, _ attribute: String, _ reason: String) -> LayoutError {
            .badAttribute(path: path, object: object, attribute: attribute, reason: reason)
        }
        if let vision {
            guard vision.heads > 0, vision.width % vision.heads == 0 else {
                throw refuse("/vision", "heads", "\(vision.heads) heads do not divide width \(vision.width)")
            }
            guard vision.gridSize * vision.patchSize == vision.imageSize else {
                throw refuse(
                    "/vision", "grid_size",
                    "grid \(vision.gridSize) × patch \(vision.patchSize) ≠ image \(vision.imageSize)")
            }
        }
        if let text {
            guard text.heads > 0, text.width % text.heads == 0 else {
                throw refuse("/text", "heads", "\(text.heads) heads do not divide width \(text.width)")
            }
        }
    }
}
