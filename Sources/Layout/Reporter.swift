/// A message the library reports while working; the caller decides where it goes (stderr, JSON).
public struct Diagnostic: Sendable, Equatable {
    public enum Severity: String, Sendable { case note, warning }
    public let severity: Severity
    public let message: String

    public init(_ severity: Severity, _ message: String) {
        self.severity = severity
        self.message = message
    }
}

/// Receives diagnostics and progress from every command's library code. The library never prints.
public struct Reporter: Sendable {
    public var diagnostic: @Sendable (Diagnostic) -> Void
    /// Bytes written so far and the total, after each piece.
    public var progress: @Sendable (_ done: Int, _ total: Int, _ tensor: String) -> Void

    public init(
        diagnostic: @escaping @Sendable (Diagnostic) -> Void = { _ in },
        progress: @escaping @Sendable (Int, Int, String) -> Void = { _, _, _ in }
    ) {
        self.diagnostic = diagnostic
        self.progress = progress
    }

    public func note(_ message: String) { diagnostic(Diagnostic(.note, message)) }
    public func warning(_ message: String) { diagnostic(Diagnostic(.warning, message)) }

    public static let silent = Reporter()
}
