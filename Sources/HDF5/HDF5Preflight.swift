import TensorCore

/// Our own bounded check of an HDF5 file, in pure Swift, before libhdf5 reads any of it.
///
/// libhdf5 1.10.8 trusts the structures it parses: malformed object headers, attribute messages,
/// global heaps and link tables crash it or make it loop forever. So every file is first walked
/// here from the superblock through every object reachable from the root: each structure is read
/// with bounds and checksums checked, claimed once (no cycles), and measured against `HDF5Limits`.
/// Only what `ldvc-convert` and h5py (with HDF5's default file format) write is accepted: integer,
/// float, string, boolean-enum and variable-length string types; compact, contiguous and chunked
/// (deflate, shuffle, Fletcher-32) datasets; compact, dense and symbol-table groups of hard links;
/// compact and dense attributes. Everything else (soft and external links, external storage,
/// virtual datasets, shared messages, other filters, compound and reference types) is refused.
public enum HDF5Preflight {
    /// What the walk saw.
    public struct Summary: Sendable, Equatable {
        public var groups = 0
        public var datasets = 0
        public var attributes = 0
        /// Bytes of file structure read.
        public var metadataBytes = 0
        /// The file's length as its superblock states it.
        public var fileBytes: UInt64 = 0
    }

    /// Checks the file at `path`; throws `.cannotOpen`, `.notHDF5`, `.truncated`, `.malformed` or
    /// `.limitExceeded`.
    @discardableResult
    public static func check(path: String, limits: HDF5Limits = .default) throws(HDF5Error) -> Summary {
        let file = try PreflightFile(path: path, limits: limits)
        let superblock: Superblock?
        do { superblock = try Superblock.read(file) } catch { throw error.error(path: path) }
        guard let superblock else { throw .notHDF5(path: path) }
        var walk = PreflightWalk(file: file, superblock: superblock, limits: limits)
        do { try walk.visitRoot() } catch { throw error.error(path: path) }
        walk.summary.metadataBytes = file.bytesRead
        walk.summary.fileBytes = file.end
        return walk.summary
    }
}

extension PreflightFailure {
    func error(path: String) -> HDF5Error {
        switch reason {
        case .truncated(let declared, let actual):
            return .truncated(path: path, declaredBytes: declared, actualBytes: actual)
        case .malformed(let offset, let reason):
            return .malformed(path: path, offset: offset, reason: reason)
        case .limit(let what, let limit):
            return .limitExceeded(path: path, what: what, limit: limit)
        }
    }
}
