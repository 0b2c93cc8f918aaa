/// Why the preflight refused a file; `HDF5Preflight` turns it into an `HDF5Error` naming the file.
struct PreflightFailure: Error, Sendable {
    enum Reason: Sendable {
        /// The superblock's end-of-file address lies past the real end of the file.
        case truncated(declaredBytes: UInt64, actualBytes: UInt64)
        /// A structure at `offset` breaks the format or is outside what we accept.
        case malformed(offset: UInt64, reason: String)
        /// A count or size beyond `HDF5Limits`.
        case limit(what: String, limit: Int)
    }

    let reason: Reason

    static func malformed(_ offset: UInt64, _ reason: String) -> PreflightFailure {
        PreflightFailure(reason: .malformed(offset: offset, reason: reason))
    }

    /// The same failure, said to be in `context` (the object being checked).
    func within(_ context: String) -> PreflightFailure {
        switch reason {
        case .malformed(let offset, let text): return .malformed(offset, "\(context): \(text)")
        case .limit(let what, let limit): return .limit("\(what) of \(context)", limit)
        case .truncated: return self
        }
    }

    static func limit(_ what: String, _ limit: Int) -> PreflightFailure {
        PreflightFailure(reason: .limit(what: what, limit: limit))
    }
}
