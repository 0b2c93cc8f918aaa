import HDF5
import TensorCore

/// A reference dump written by `Fixtures/scripts/make_checkpoints.py` with h5py: `source/` holds every
/// tensor of the checkpoint under its key, `canonical/` the expected canonical tensors, and root
/// attributes the expected architecture. bf16 is stored there as uint16 bits with `dtype = "bf16"`.
public struct ReferenceDump {
    public let file: HDF5File
    public let root: HDF5Group

    public init(_ name: String) throws {
        file = try HDF5File.open(path: FixturePath.fixture("reference/\(name).h5"))
        root = try file.root()
    }

    /// Names of the datasets of `source/`, in the order written.
    public func sourceNames() throws -> [String] { try root.group("source").childNames() }

    /// A source tensor with its true dtype (bf16 restored from its bits).
    public func source(_ name: String) throws -> Tensor { try Self.tensor(try root.group("source"), name) }

    /// Canonical dotted names of every expected tensor.
    public func canonicalNames() throws -> [String] {
        var names: [String] = []
        try collect(try root.group("canonical"), prefix: "", into: &names)
        return names
    }

    public func canonical(_ name: String) throws -> Tensor {
        var group = try root.group("canonical")
        let parts = name.split(separator: ".").map(String.init)
        for part in parts.dropLast() { group = try group.group(part) }
        return try Self.tensor(group, parts[parts.count - 1])
    }

    public func intAttribute(_ name: String) throws -> Int { Int(try root.intAttribute(name)) }
    public func stringAttribute(_ name: String) throws -> String { try root.stringAttribute(name) }

    static func tensor(_ group: HDF5Group, _ name: String) throws -> Tensor {
        let raw = try HDF5Dataset.readRaw(group: group, name: name)
        if let name = raw.dtypeAttribute, let dtype = DType(rawValue: name), dtype.itemSize == raw.elementSize {
            return try Tensor(dtype: dtype, shape: raw.shape, bytes: raw.bytes)
        }
        return try group.dataset(name).readTensor()
    }

    private func collect(_ group: HDF5Group, prefix: String, into names: inout [String]) throws {
        for child in try group.childNames() {
            let name = prefix.isEmpty ? child : prefix + "." + child
            if try group.kind(of: child) == .group {
                try collect(try group.group(child), prefix: name, into: &names)
            } else {
                names.append(name)
            }
        }
    }
}
