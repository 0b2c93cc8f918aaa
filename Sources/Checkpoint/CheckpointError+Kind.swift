public import TensorCore

extension CheckpointError: ClassifiedError {
    /// A file that cannot be opened or read is missing input; everything else was read and refused.
    public var kind: FailureKind {
        switch self {
        case .unreadable, .missingShard: return .inputMissing
        default: return .inputRefused
        }
    }
}
