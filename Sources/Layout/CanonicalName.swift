/// Canonical tensor names and their HDF5 paths.
///
/// Canonical names are dotted (`vision.blocks.3.attn.q_proj.weight`), like PyTorch module paths.
/// In the file every dot becomes a group level: `/vision/blocks/3/attn/q_proj/weight`. The schema
/// is designed so no leaf name is a prefix of another, which HDF5's hierarchy requires.
public enum CanonicalName {
    /// The HDF5 path of a canonical name.
    public static func hdf5Path(_ name: String) -> String {
        "/" + name.replacingOccurrences(of: ".", with: "/")
    }

    /// The canonical name of an HDF5 dataset path.
    public static func name(fromHDF5Path path: String) -> String {
        String(path.drop(while: { $0 == "/" })).replacingOccurrences(of: "/", with: ".")
    }

    /// Checks that a name can become an HDF5 path: non-empty components, no slashes.
    public static func validate(_ name: String) throws(LayoutError) {
        if name.isEmpty { throw .invalidName(name: name, reason: "empty") }
        if name.contains("/") { throw .invalidName(name: name, reason: "contains '/'") }
        if name.split(separator: ".", omittingEmptySubsequences: false).contains(where: \.isEmpty) {
            throw .invalidName(name: name, reason: "has an empty component")
        }
    }
}
