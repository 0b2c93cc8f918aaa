/// A model family whose checkpoints look like CLIP's, or share its file forms, but which the
/// runtime cannot run. Conversion refuses it by name instead of mapping what it can and failing
/// on a missing tensor (or, worse, converting a tower that would compute something else).
///
/// The families are data (`Tables/UnsupportedArchitectures.swift`); `detect` is the only code that
/// applies them.
public struct UnsupportedArchitecture: Sendable, Equatable {
    /// What the family replaces: one tower (the other may still convert alone) or the whole model.
    public enum Part: String, Sendable {
        case vision
        case text
        /// Both towers differ from CLIP's (or the model is not a two-tower CLIP at all).
        case model
    }

    /// A key spelling that identifies the family: keys starting with `prefix` (and containing
    /// `contains`, when given).
    public struct KeyHint: Sendable, Equatable {
        public let prefix: String
        public let contains: String?

        public init(_ prefix: String, contains: String? = nil) {
            self.prefix = prefix
            self.contains = contains
        }

        public func matches(_ key: String) -> Bool {
            key.hasPrefix(prefix) && (contains.map { key.dropFirst(prefix.count).contains($0) } ?? true)
        }
    }

    /// The family's name as users know it (`ModifiedResNet (OpenAI/open_clip RN50, RN101, …)`).
    public let name: String
    public let part: Part
    /// Any key matching any hint identifies the family.
    public let hints: [KeyHint]
    /// What the runtime lacks to run it.
    public let reason: String

    public init(name: String, part: Part, hints: [KeyHint], reason: String) {
        self.name = name
        self.part = part
        self.hints = hints
        self.reason = reason
    }

    /// The families `keys` show, in table order, each with the first key that shows it.
    public static func detect(in keys: [String], families: [UnsupportedArchitecture])
        -> [(family: UnsupportedArchitecture, key: String)]
    {
        families.compactMap { family in
            keys.first { key in family.hints.contains { $0.matches(key) } }.map { (family, $0) }
        }
    }
}
