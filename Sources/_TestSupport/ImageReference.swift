import HDF5

/// `Fixtures/images/reference.h5` (written by `Fixtures/scripts/make_image_fixtures.py`), read once into
/// memory so parallel tests never share an HDF5 handle.
public struct ImageReference: Sendable {
    /// One dataset: its shape, bytes per element, and packed row-major bytes.
    public struct Array: Sendable {
        public let shape: [Int]
        public let elementSize: Int
        public let bytes: [UInt8]

        public var uint8: [UInt8] { bytes }

        public var uint16: [UInt16] {
            precondition(elementSize == 2, "not a 16-bit dataset")
            return stride(from: 0, to: bytes.count, by: 2).map { UInt16(bytes[$0]) | UInt16(bytes[$0 + 1]) << 8 }
        }

        public var float32: [Float] {
            precondition(elementSize == 4, "not a 32-bit dataset")
            return stride(from: 0, to: bytes.count, by: 4).map { offset in
                Float(
                    bitPattern: UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16
                        | UInt32(bytes[offset + 3]) << 24)
            }
        }

        public var int64: [Int64] {
            precondition(elementSize == 8, "not a 64-bit dataset")
            return stride(from: 0, to: bytes.count, by: 8).map { offset in
                (0..<8).reduce(Int64(0)) { $0 | Int64(bytes[offset + $1]) << (8 * $1) }
            }
        }
    }

    /// Every dataset by its full path (`resize/pillow/photo_37x23/13x7`).
    public let arrays: [String: Array]
    /// Every string attribute by `<object path>@<name>` (`decode/png/rgb8.png@same_as_pillow`).
    public let attributes: [String: String]

    /// The file, read on first use (Swift runs a static initialiser once, on one thread).
    public static func shared() throws -> ImageReference { try loaded.get() }

    private static let loaded: Result<ImageReference, any Error> = Result {
        try ImageReference(path: FixturePath.fixture("images/reference.h5"))
    }

    init(path: String) throws {
        let file = try HDF5File.open(path: path)
        var arrays: [String: Array] = [:]
        var attributes: [String: String] = [:]
        func walk(_ group: HDF5Group, _ prefix: String) throws {
            for name in try group.attributeNames() {
                if case .string(let value) = try group.attribute(name) { attributes[prefix + "@" + name] = value }
            }
            for child in try group.childNames() {
                let path = prefix.isEmpty ? child : prefix + "/" + child
                if try group.kind(of: child) == .group {
                    try walk(try group.group(child), path)
                } else {
                    let raw = try HDF5Dataset.readRaw(group: group, name: child)
                    arrays[path] = Array(shape: raw.shape, elementSize: raw.elementSize, bytes: raw.bytes)
                }
            }
        }
        try walk(try file.root(), "")
        self.arrays = arrays
        self.attributes = attributes
    }

    public func array(_ path: String) -> Array? { arrays[path] }

    /// Names directly under `prefix` (a group path), sorted.
    public func children(of prefix: String) -> [String] {
        var names = Set<String>()
        let start = prefix + "/"
        for key in arrays.keys where key.hasPrefix(start) {
            names.insert(String(key.dropFirst(start.count).split(separator: "/")[0]))
        }
        return names.sorted()
    }
}
