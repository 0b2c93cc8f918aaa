/// One row of a name table: a canonical name template, the source spelling, and the transform.
/// `{i}` in both templates stands for the block index.
public struct NameRule: Sendable, Equatable {
    public let canonical: String
    public let source: String
    public let transform: TensorTransform

    public init(_ canonical: String, _ source: String, _ transform: TensorTransform = .identity) {
        self.canonical = canonical
        self.source = source
        self.transform = transform
    }
}

/// A source key that is deliberately not stored, with the reason recorded in the file.
public struct DropRule: Sendable, Equatable {
    public let source: String
    public let reason: String

    public init(_ source: String, reason: String) {
        self.source = source
        self.reason = reason
    }
}
