public import Conventions

/// The key names an export uses: a registered convention's (its name table read backwards) or the
/// layout's own canonical names.
public struct ExportNaming: Sendable, Equatable, CustomStringConvertible {
    /// The convention, or nil for canonical names (`prompts.text.embeddings`).
    public let convention: Convention?

    public init(_ convention: Convention) { self.convention = convention }
    private init() { convention = nil }

    public static let canonical = ExportNaming()

    /// The naming called `name` among `conventions`' names and `canonical`.
    public static func named(_ name: String, in conventions: ConventionRegistry = .builtIn) -> ExportNaming? {
        if name == "canonical" { return .canonical }
        return conventions.named(name).map(ExportNaming.init)
    }

    public var name: String { convention?.name ?? "canonical" }
    public var description: String { name }
}
