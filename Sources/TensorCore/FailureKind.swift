/// What kind of failure an error is. Every module's error type says it for each of its cases, and
/// the command line turns the kind (never the message) into the exit status.
public enum FailureKind: String, Sendable, CaseIterable {
    /// A request that cannot be carried out as asked (an option value, a template that does not fit).
    case usage
    /// An input that does not exist or cannot be opened or read.
    case inputMissing
    /// An input that was read but is malformed, unsupported or refused.
    case inputRefused
    /// An output that cannot be created (it exists, its folder is missing, it is an input).
    case outputUnavailable
    /// Writing the output failed (disk full, I/O error).
    case writeFailed
    /// A defect of this program.
    case internalFailure
}

/// An error that knows its `FailureKind`.
public protocol ClassifiedError: Error, CustomStringConvertible {
    var kind: FailureKind { get }
}
