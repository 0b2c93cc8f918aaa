import Checkpoint
import Conventions

/// The activation and head counts a checkpoint file states in what it computes (ONNX graph,
/// TorchScript code), gathered per tower from the reader's `ArchitectureEvidence`.
struct StatedSettings {
    struct Stated<Value: Equatable> {
        let value: Value
        /// How it was read; with several agreeing statements, the first and their count.
        let source: String
    }

    var activations: [String: Stated<Activation>] = [:]
    var heads: [String: Stated<Int>] = [:]

    init() {}

    /// Gathers `evidence`; `towerOf` names the tower a module path belongs to. Statements about one
    /// tower must agree.
    init(evidence: [ArchitectureEvidence], path: String, towerOf: (String) -> String?) throws(ConversionError) {
        var activationStatements: [String: [(Activation, String)]] = [:]
        var headStatements: [String: [(Int, String)]] = [:]
        for statement in evidence {
            let tower: String?
            switch statement.scope {
            case .tower(let name): tower = name
            case .module(let module): tower = towerOf(module)
            }
            guard let tower else { continue }
            switch statement.setting {
            case .activation(let activation):
                activationStatements[tower, default: []].append((activation, statement.source))
            case .heads(let count): headStatements[tower, default: []].append((count, statement.source))
            }
        }
        activations = try Self.agreed(activationStatements, what: "activation", path: path) { $0.rawValue }
        heads = try Self.agreed(headStatements, what: "head count", path: path) { String($0) }
    }

    private static func agreed<Value: Equatable>(
        _ statements: [String: [(Value, String)]], what: String, path: String, spell: (Value) -> String
    ) throws(ConversionError) -> [String: Stated<Value>] {
        var result: [String: Stated<Value>] = [:]
        for (tower, list) in statements {
            guard let (value, source) = list.first else { continue }
            if let (other, otherSource) = list.first(where: { $0.0 != value }) {
                throw .architecture(
                    path: path,
                    reason:
                        "the file states two \(tower) \(what)s: \(spell(value)) (\(source)) and \(spell(other)) (\(otherSource))"
                )
            }
            result[tower] = Stated(
                value: value, source: list.count == 1 ? source : "\(source); the same in \(list.count) places")
        }
        return result
    }

    /// The tower of a module path: the tower of the mapped tensors under it, or else under its
    /// parent (an activation module holds no tensors; its MLP does). Nil when none or both.
    static func tower(ofModule module: String, canonicalBySource: [String: String]) -> String? {
        guard !module.isEmpty else { return nil }
        var candidates = [module]
        if let dot = module.lastIndex(of: ".") { candidates.append(String(module[..<dot])) }
        for candidate in candidates {
            let towers = Set(
                canonicalBySource.filter { $0.key.hasPrefix(candidate + ".") }.values.compactMap {
                    $0.split(separator: ".").first.map(String.init)
                }
            ).filter { $0 == "vision" || $0 == "text" }
            if towers.count == 1 { return towers.first }
            if towers.count > 1 { return nil }
        }
        return nil
    }
}

/// A setting no source stated, so a default was used: reported as a warning at convert time,
/// refused with `--strict`, and recorded as `default: …` in `architecture_sources`.
public struct AssumedSetting: Sendable, Equatable {
    /// The layout attribute (`vision.activation`).
    public let name: String
    /// The value used, as the layout stores it (`quick_gelu`, `12`).
    public let value: String
    /// Why that value (`the openai convention's default`).
    public let reason: String
    /// The command-line option that states it instead (`--activation`).
    public let option: String
}
