/// Budgets for reading HDF5 files from elsewhere: the preflight walk and the dataset checks refuse a
/// file past any of them before libhdf5 parses the structure or anything is allocated for its data.
///
/// The defaults are far beyond every file `ldvc-convert` and the golden writer make (a ViT-B/16
/// layout has about 400 objects, its largest tensor is 100 MB), and small enough that a hostile file
/// cannot make a walk run for long or a read allocate more than a few GiB.
public struct HDF5Limits: Sendable, Equatable {
    /// Groups and datasets in one file.
    public var maxObjects: Int
    /// Groups below the root (the root is depth 0).
    public var maxDepth: Int
    /// Links in one group, attributes on one object.
    public var maxLinksPerGroup: Int
    public var maxAttributesPerObject: Int
    /// Bytes of one attribute's value, variable-length strings included.
    public var maxAttributeBytes: Int
    /// Bytes of one dataset in memory (its elements times their size, before any compression).
    public var maxDatasetBytes: Int
    /// Bytes of one chunk of a chunked dataset, before and after compression.
    public var maxChunkBytes: Int
    /// Bytes of file structure the preflight reads in all (object headers, heaps, B-tree nodes).
    public var maxMetadataBytes: Int

    public init(
        maxObjects: Int = 200_000, maxDepth: Int = 32, maxLinksPerGroup: Int = 100_000,
        maxAttributesPerObject: Int = 10_000, maxAttributeBytes: Int = 16 << 20, maxDatasetBytes: Int = 1 << 32,
        maxChunkBytes: Int = 64 << 20, maxMetadataBytes: Int = 256 << 20
    ) {
        self.maxObjects = maxObjects
        self.maxDepth = maxDepth
        self.maxLinksPerGroup = maxLinksPerGroup
        self.maxAttributesPerObject = maxAttributesPerObject
        self.maxAttributeBytes = maxAttributeBytes
        self.maxDatasetBytes = maxDatasetBytes
        self.maxChunkBytes = maxChunkBytes
        self.maxMetadataBytes = maxMetadataBytes
    }

    public static let `default` = HDF5Limits()
}
