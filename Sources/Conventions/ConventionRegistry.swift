/// The conventions a conversion or export can use, in detection order. Callers take `builtIn` and
/// may register more (tests add a toy convention this way).
public struct ConventionRegistry: Sendable {
    public private(set) var conventions: [Convention]
    /// Families refused by name (`UnsupportedArchitecture.builtIn` unless replaced).
    public var unsupported: [UnsupportedArchitecture] = UnsupportedArchitecture.builtIn

    public init(_ conventions: [Convention]) {
        self.conventions = []
        for convention in conventions { register(convention) }
    }

    /// Every convention this build knows.
    public static let builtIn = ConventionRegistry([.openAI, .openCLIP, .huggingFace, .mmseg])

    /// Adds `convention`; a later registration of a name replaces the earlier one.
    public mutating func register(_ convention: Convention) {
        conventions.removeAll { $0.name == convention.name }
        conventions.append(convention)
    }

    public func named(_ name: String) -> Convention? { conventions.first { $0.name == name } }

    public func conventions(of kind: Convention.Kind) -> [Convention] { conventions.filter { $0.kind == kind } }

    public var names: [String] { conventions.map(\.name) }
}
