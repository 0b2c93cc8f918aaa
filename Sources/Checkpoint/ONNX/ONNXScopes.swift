import Foundation
import ONNXProto

/// The PyTorch module a node was exported from, when the exporter recorded it.
///
/// - The TorchScript-based exporter names nodes after the module call stack (since torch 1.13):
///   `/vision_model/encoder/layers.0/self_attn/q_proj/MatMul`; a child of a ModuleList appears as
///   `resblocks.0` right after `resblocks` (`/transformer/resblocks/resblocks.0/attn/MatMul`).
/// - The torch.export-based exporter (`dynamo=True`) names nodes `node_MatMul_18` but keeps the
///   scopes in `metadata_props["pkg.torch.onnx.name_scopes"]`, a Python list literal whose last
///   entry is the op: `['', 'transformer', …, 'transformer.resblocks.0.attn', 'linear']`.
///
/// Scopes start at the module that was exported, so they may lack a prefix of the state-dict key
/// (an exported `model.visual` has no `visual`), and a wrapper's own forward adds nothing.
enum ONNXScopes {
    /// The module path of `node` as dotted components, or nil when the node carries no scope.
    static func modulePath(of node: ONNXNode) -> [String]? {
        if let scopes = node.metadata("pkg.torch.onnx.name_scopes"), let list = pythonStringList(scopes),
            list.count >= 2
        {
            let module = list[list.count - 2]
            return module.isEmpty ? nil : module.split(separator: ".").map(String.init)
        }
        guard node.name.hasPrefix("/") else { return nil }
        var parts = node.name.split(separator: "/").map(String.init)
        guard parts.count >= 2 else { return nil }
        parts.removeLast()  // the op ("MatMul", "Add_1")
        var components: [String] = []
        for part in parts {
            // "resblocks.0" after "resblocks" replaces it: the ModuleList child carries its parent's name.
            if let dot = part.firstIndex(of: "."), components.last == String(part[..<dot]) { components.removeLast() }
            components += part.split(separator: ".").map(String.init)
        }
        return components.isEmpty ? nil : components
    }

    /// How a node's module path relates to the module a key belongs to.
    enum Match {
        /// The same module (allowing for a missing export root or an added wrapper prefix).
        case same
        /// A module that contains the key's module (a functional call in the parent, like
        /// `nn.MultiheadAttention` using `out_proj.weight` directly).
        case ancestor
        case unrelated
    }

    static func match(scope: [String], keyModule: [String]) -> Match {
        // A root-level parameter (logit_scale) or a root-level node tells nothing.
        if scope.isEmpty || keyModule.isEmpty { return .ancestor }
        if isSuffix(scope, of: keyModule) || isSuffix(keyModule, of: scope) { return .same }
        for end in stride(from: keyModule.count - 1, through: 1, by: -1) {
            let prefix = Array(keyModule[..<end])
            if isSuffix(scope, of: prefix) || isSuffix(prefix, of: scope) { return .ancestor }
        }
        return .unrelated
    }

    static func isSuffix(_ short: [String], of long: [String]) -> Bool {
        short.count <= long.count && Array(long.suffix(short.count)) == short
    }

    /// Parses `['a', "b", …]`, the repr of a list of plain strings; nil for anything else.
    static func pythonStringList(_ text: String) -> [String]? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasPrefix("["), trimmed.hasSuffix("]") else { return nil }
        var items: [String] = []
        var current = ""
        var quote: Character?
        var escaped = false
        for character in trimmed.dropFirst().dropLast() {
            if let open = quote {
                if escaped {
                    current.append(character); escaped = false
                } else if character == "\\" {
                    escaped = true
                } else if character == open {
                    items.append(current); current = ""; quote = nil
                } else {
                    current.append(character)
                }
            } else if character == "'" || character == "\"" {
                quote = character
            } else if character != "," && character != " " {
                return nil
            }
        }
        return quote == nil ? items : nil
    }
}
