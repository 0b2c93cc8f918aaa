import Foundation

/// Applies one `NameTable` in either direction: source key → canonical name(s), and back.
///
/// Keys are matched by turning their numeric path component into `{i}` (so
/// `visual.transformer.resblocks.7.ln_1.weight` looks up `visual.transformer.resblocks.{i}.ln_1.weight`)
/// and looking that template up in a dictionary built once from the table.
public struct NameMap: Sendable {
    public let table: NameTable
    private let rulesBySource: [String: [NameRule]]
    private let ruleByCanonical: [String: NameRule]
    private let dropBySource: [String: DropRule]

    /// A canonical tensor a source key produces.
    public struct Target: Sendable, Equatable {
        public let canonical: String
        public let transform: TensorTransform
        /// Block index for per-block tensors.
        public let blockIndex: Int?
    }

    public enum Resolution: Sendable, Equatable {
        /// The key produces these canonical tensors (three for a fused q/k/v projection).
        case mapped([Target])
        /// The key is deliberately not stored.
        case dropped(reason: String)
        /// The key is not part of this convention.
        case unknown
    }

    public init(_ table: NameTable) {
        self.table = table
        var bySource: [String: [NameRule]] = [:]
        var byCanonical: [String: NameRule] = [:]
        for rule in table.rules {
            bySource[rule.source, default: []].append(rule)
            byCanonical[rule.canonical] = rule
        }
        rulesBySource = bySource
        ruleByCanonical = byCanonical
        dropBySource = Dictionary(table.dropped.map { ($0.source, $0) }, uniquingKeysWith: { first, _ in first })
    }

    public func resolve(_ sourceKey: String) -> Resolution {
        // A rule spelled out for one index (MMSeg's 1-based `input_proj_1` ↔ `tap_proj.0`) wins over templates.
        if let rules = rulesBySource[sourceKey] {
            return .mapped(rules.map { Target(canonical: $0.canonical, transform: $0.transform, blockIndex: nil) })
        }
        let (template, index) = Self.template(of: sourceKey)
        if let rules = rulesBySource[template] {
            return .mapped(
                rules.map { rule in
                    Target(canonical: Self.expand(rule.canonical, index), transform: rule.transform, blockIndex: index)
                })
        }
        if let drop = dropBySource[template] { return .dropped(reason: drop.reason) }
        return .unknown
    }

    /// The source key and transform that produce `canonical`, or nil if this convention has none.
    public func source(ofCanonical canonical: String) -> (key: String, transform: TensorTransform)? {
        if let rule = ruleByCanonical[canonical] { return (rule.source, rule.transform) }
        let (template, index) = Self.template(of: canonical)
        guard let rule = ruleByCanonical[template] else { return nil }
        return (Self.expand(rule.source, index), rule.transform)
    }

    /// Replaces the first all-digit path component with `{i}` and returns its value.
    static func template(of key: String) -> (template: String, index: Int?) {
        var components = key.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        for position in components.indices
        where !components[position].isEmpty && components[position].allSatisfy(\.isASCIIDigit) {
            // Leading zeros ("07") are not a block index any converter writes; keep them unmatched.
            guard let value = Int(components[position]), String(value) == components[position] else { break }
            components[position] = "{i}"
            return (components.joined(separator: "."), value)
        }
        return (key, nil)
    }

    static func expand(_ template: String, _ index: Int?) -> String {
        guard let index else { return template }
        return template.replacingOccurrences(of: "{i}", with: String(index))
    }
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
