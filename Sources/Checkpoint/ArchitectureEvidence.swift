public import Conventions

/// A setting a file states in what it computes rather than in its tensor shapes: the MLP activation
/// of an ONNX graph or of TorchScript code, the head count an attention reshape splits into.
/// Converters take such a setting over a convention's default, and record `source` with it.
public struct ArchitectureEvidence: Sendable, Equatable {
    public enum Setting: Sendable, Equatable, CustomStringConvertible {
        case activation(Activation)
        case heads(Int)

        public var description: String {
            switch self {
            case .activation(let activation): return "activation \(activation.rawValue)"
            case .heads(let heads): return "\(heads) heads"
            }
        }
    }

    /// The part of the model a setting is about.
    public enum Scope: Sendable, Hashable {
        /// A CLIP tower, `vision` or `text` (an ONNX graph's pattern tells them apart).
        case tower(String)
        /// A module by its dotted path in the file (a TorchScript module); the tensors under it, or
        /// under its parent, tell which tower it belongs to.
        case module(String)
    }

    public let scope: Scope
    public let setting: Setting
    /// How the setting was read, in words (stored in `architecture_sources`).
    public let source: String

    public init(scope: Scope, setting: Setting, source: String) {
        self.scope = scope
        self.setting = setting
        self.source = source
    }
}
