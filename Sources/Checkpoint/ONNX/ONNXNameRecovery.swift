import Conventions
import ONNXProto
import TensorCore

/// A tensor with its recovered state-dict key, the view that presents it in PyTorch's layout, and
/// how the key was found.
struct RecoveredTensor {
    let key: String
    let tensor: Int
    let shape: [Int]
    let strides: [Int]
    let provenance: String
}

/// Gives every weight of an exported CLIP graph the key it had in the PyTorch state dict.
///
/// The graph pattern (`ONNXViTPattern`) places each tensor; names then confirm or contradict it:
///
/// - `exact`: the tensor's own name is the key (exporters keep names of tensors used as they are:
///   biases, LayerNorm parameters, convolution weights, unfolded weights). The export root is
///   learned from these names: an exported `model.visual` drops `visual.`, a wrapper adds `m.`.
/// - `alias`: an `Identity` output is named by the key.
/// - `scope`: the tensor is anonymous (`onnx::MatMul_123`, `val_20`) but the node that uses it
///   carries the module's scope (TorchScript node names, or the torch.export exporter's
///   `pkg.torch.onnx.name_scopes` metadata).
/// - `folded`: constant folding merged the parameter with a broadcast or a lookup (class token
///   `[1, 1, W]`, position table `[1, N, W]`); the parameter is the view the pattern names.
/// - `pattern`: nothing but the tensor's place in the ViT block pattern.
///
/// A name or scope that points at a different parameter than the pattern is a contradiction and
/// is refused, as is any place the pattern cannot fill unambiguously.
struct ONNXNameRecovery {
    let path: String
    let graph: ONNXGraph
    /// The conventions whose tables spell the recovered keys.
    var conventions: ConventionRegistry = .builtIn

    struct Result {
        var tensors: [RecoveredTensor] = []
        var notes: [String] = []
        /// The convention the keys are spelled in; nil when no graph pattern was recognised.
        var convention: Convention?
        /// Activation and head counts the graph computes with (`ONNXArchitectureReading`).
        var evidence: [ArchitectureEvidence] = []
    }

    func recover(read: @escaping (ONNXTensor) -> [UInt8]?) throws(CheckpointError) -> Result {
        let match: CLIPMatch
        do {
            match = try ONNXViTPattern(graph: graph, read: read).match()
        } catch {
            return try namesOnly(because: error.reason)
        }
        guard let spelling = CLIPKeySpelling(fusedAttention: match.isFused, conventions: conventions) else {
            throw .unrecoverableNames(
                path: path,
                reason: "no registered convention \(match.isFused ? "fuses" : "separates") q/k/v as this graph does")
        }
        var result = Result(convention: spelling.convention)
        result.notes += match.notes
        let reading = ONNXArchitectureReading(graph: graph, read: read).evidence(for: match)
        result.evidence = reading.evidence
        result.notes += reading.notes
        let towers = match.towers.sorted { $0.key.rawValue > $1.key.rawValue }
            .map { "\($0.key.rawValue) (\($0.value) block\($0.value == 1 ? "" : "s"))" }.joined(separator: " and ")
        result.notes.append("graph pattern: \(spelling.convention.summary), \(towers)")

        // Keys first: the set of all keys is needed to recognise a name that points elsewhere.
        let keyed = match.roles.map { role in (role, spelling.key(role.role, tower: role.tower)) }
        var owner: [String: Int] = [:]
        for (role, spelled) in keyed {
            if let other = owner[spelled.key], other != role.tensor {
                throw .unrecoverableNames(
                    path: path,
                    reason:
                        "the pattern places two tensors ('\(graph.tensors[other].name)' and '\(graph.tensors[role.tensor].name)') at '\(spelled.key)'"
                )
            }
            owner[spelled.key] = role.tensor
        }
        let roots = exportRoots(keyed.map { ($0.0, $0.1.key) })
        for (tower, root) in roots where root != ExportRoot.none {
            result.notes.append("names in the file \(root.phrase) (\(tower.rawValue) tower)")
        }
        var seen: Set<String> = []
        for (role, spelled) in keyed where !seen.contains(spelled.key) {
            seen.insert(spelled.key)
            let root = roots[role.tower] ?? .none
            let (shape, strides) = try view(of: role, isInOut: spelled.isInOut, key: spelled.key)
            let provenance = try evidence(for: role, key: spelled.key, root: root, owner: owner)
            result.tensors.append(
                RecoveredTensor(
                    key: spelled.key, tensor: role.tensor, shape: shape, strides: strides, provenance: provenance))
        }
        // Weights the pattern did not place are reported under their own names; the planner then
        // lists them as not part of CLIP (or refuses them with --strict).
        let placed = Set(match.roles.map(\.tensor))
        for (index, user) in weightLikeTensors() where !placed.contains(index) {
            let tensor = graph.tensors[index]
            let named = Self.isKeyLike(tensor.name)
            result.tensors.append(
                RecoveredTensor(
                    key: tensor.name, tensor: index, shape: tensor.dims, strides: Shape.contiguousStrides(tensor.dims),
                    provenance: named
                        ? "exact: \(tensor.origin) '\(tensor.name)'; not part of the recognised CLIP structure"
                        : "unidentified: anonymous \(tensor.origin) '\(tensor.name)' \(tensor.dims) used by node '\(graph.nodes[user].name)'; not part of the recognised CLIP structure"
                ))
        }
        return result
    }

    // MARK: - Without a pattern

    /// When the graph is not a CLIP ViT the reader knows, tensors that are named keep their names
    /// and anonymous weights are refused: there is nothing to tell them apart by.
    private func namesOnly(because pattern: String) throws(CheckpointError) -> Result {
        var reason = pattern
        // onnxruntime's transformer optimizer fuses the pattern's pieces into its own ops.
        let fused = Set(graph.nodes.filter { $0.domain == "com.microsoft" }.map(\.opType)).sorted()
        if !fused.isEmpty {
            reason +=
                "; the graph uses onnxruntime's fused ops (\(fused.joined(separator: ", "))), which this reader does not take apart: convert the model from before optimisation"
        }
        var result = Result()
        result.notes.append("graph pattern not recognised (\(reason)); names are taken from the file")
        var anonymous: [(Int, Int)] = []
        for (index, user) in weightLikeTensors() {
            let tensor = graph.tensors[index]
            guard Self.isKeyLike(tensor.name) else {
                anonymous.append((index, user))
                continue
            }
            result.tensors.append(
                RecoveredTensor(
                    key: tensor.name, tensor: index, shape: tensor.dims, strides: Shape.contiguousStrides(tensor.dims),
                    provenance: "exact: \(tensor.origin) '\(tensor.name)' (graph pattern not recognised)"))
        }
        if let (index, user) = anonymous.first {
            throw .unrecoverableNames(
                path: path,
                reason:
                    "the graph does not follow the CLIP ViT pattern (\(reason)) and \(anonymous.count) weight(s) have no name, e.g. '\(graph.tensors[index].name)' \(graph.tensors[index].dims) used by node '\(graph.nodes[user].name)'; refusing to guess"
            )
        }
        guard !result.tensors.isEmpty else {
            throw .noTensors(path: path, detail: "the graph has no weights (\(reason))")
        }
        return result
    }

    /// Floating-point tensors in weight positions: the weight or bias of MatMul, Gemm, Conv,
    /// LayerNormalization, the table of a Gather, or a 1-D operand of an elementwise op. Shape
    /// constants, masks and scalars are not weights.
    private func weightLikeTensors() -> [(tensor: Int, user: Int)] {
        var found: [Int: Int] = [:]
        for (nodeIndex, node) in graph.nodes.enumerated() {
            for (slot, input) in node.inputs.enumerated() where !input.isEmpty {
                guard let index = graph.tensor(of: input), found[index] == nil else { continue }
                let tensor = graph.tensors[index]
                guard tensor.isFloatingPoint, tensor.elementCount >= 2 else { continue }
                let isWeight: Bool
                switch node.opType {
                case "MatMul", "Gemm", "Conv", "ConvTranspose", "LayerNormalization", "BatchNormalization",
                    "InstanceNormalization":
                    isWeight = true
                case "Gather": isWeight = slot == 0
                case "Add", "Mul", "Sub": isWeight = tensor.dims.count == 1
                default: isWeight = false
                }
                if isWeight { found[index] = nodeIndex }
            }
        }
        return found.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    // MARK: - Views

    private func view(of role: RoleMatch, isInOut: Bool, key: String) throws(CheckpointError) -> ([Int], [Int]) {
        let dims = graph.tensors[role.tensor].dims
        var view = role.view
        if role.role.isMatrix { view = role.storedInOut == isInOut ? .asStored : .transposed }
        switch view {
        case .asStored:
            return (dims, Shape.contiguousStrides(dims))
        case .transposed:
            guard dims.count == 2 else {
                throw .unrecoverableNames(
                    path: path, reason: "'\(key)' would be a transpose of a \(dims.count)-D tensor")
            }
            return ([dims[1], dims[0]], [1, dims[1]])
        case .firstElements(let count):
            return ([count], [1])
        case .dropLeadingOnes:
            let kept = Array(dims.drop { $0 == 1 }.suffix(2))
            let shape = kept.count == 2 ? kept : Array(dims.suffix(2))
            return (shape, Shape.contiguousStrides(shape))
        }
    }

    // MARK: - Evidence

    /// How the file's names relate to state-dict keys in one tower: `keyPrefix` is missing from the
    /// file's names (an exported submodule), `filePrefix` is added (a wrapper module).
    struct ExportRoot: Hashable {
        var keyPrefix: [String] = []
        var filePrefix: [String] = []
        static let none = ExportRoot()

        var phrase: String {
            var parts: [String] = []
            if !keyPrefix.isEmpty { parts.append("omit the key prefix '\(keyPrefix.joined(separator: ".")).'") }
            if !filePrefix.isEmpty { parts.append("add the prefix '\(filePrefix.joined(separator: ".")).'") }
            return parts.joined(separator: " and ")
        }

        /// The name this root gives `key` in the file, if the key has the root's prefix.
        func fileName(of key: [String]) -> [String]? {
            guard key.starts(with: keyPrefix) else { return nil }
            return filePrefix + key.dropFirst(keyPrefix.count)
        }

        func key(ofFileName name: [String]) -> [String]? {
            guard name.starts(with: filePrefix) else { return nil }
            return keyPrefix + name.dropFirst(filePrefix.count)
        }
    }

    /// The most common relation between names and keys over the tensors whose names share at least
    /// a module and a parameter name with their key.
    private func exportRoots(_ roles: [(RoleMatch, String)]) -> [CLIPTower: ExportRoot] {
        var votes: [CLIPTower: [ExportRoot: Int]] = [:]
        for (role, key) in roles {
            let keyParts = Self.components(key)
            for name in candidateNames(role) where Self.isKeyLike(name) {
                let nameParts = Self.components(name)
                var root: ExportRoot?
                if nameParts == keyParts {
                    root = ExportRoot.none
                } else if nameParts.count >= 2, ONNXScopes.isSuffix(nameParts, of: keyParts) {
                    root = ExportRoot(keyPrefix: Array(keyParts.dropLast(nameParts.count)), filePrefix: [])
                } else if keyParts.count >= 2, ONNXScopes.isSuffix(keyParts, of: nameParts) {
                    root = ExportRoot(keyPrefix: [], filePrefix: Array(nameParts.dropLast(keyParts.count)))
                }
                if let root { votes[role.tower, default: [:]][root, default: 0] += 1 }
            }
        }
        return votes.mapValues { counts in
            counts.max { $0.value < $1.value || ($0.value == $1.value && $0.key != .none) }?.key ?? .none
        }
    }

    /// Names the file gives a tensor: the value the role uses, the Identity chain behind it, and the
    /// tensor's own name.
    private func candidateNames(_ role: RoleMatch) -> [String] {
        var names = graph.aliasChain(of: role.value)
        let own = graph.tensors[role.tensor].name
        if !names.contains(own) { names.append(own) }
        return names
    }

    private func evidence(for role: RoleMatch, key: String, root: ExportRoot, owner: [String: Int])
        throws(CheckpointError) -> String
    {
        let tensor = graph.tensors[role.tensor]
        let keyParts = Self.components(key)
        let expected = root.fileName(of: keyParts) ?? keyParts
        var exact: String?
        var sharedWith: String?
        for name in candidateNames(role) where Self.isKeyLike(name) {
            let parts = Self.components(name)
            if parts == expected || parts == keyParts {
                if exact == nil { exact = name }
                continue
            }
            // A name that is another parameter's key contradicts the pattern, unless that parameter
            // is this very tensor: the TorchScript exporter merges initializers with identical
            // values (all-ones LayerNorm scales of an untrained model) under one name.
            for candidate in [root.key(ofFileName: parts), parts].compactMap({ $0 }) {
                let other = candidate.joined(separator: ".")
                if other != key, owner[other] == role.tensor, sharedWith == nil { sharedWith = other }
                if other != key, let otherTensor = owner[other], otherTensor != role.tensor {
                    let named =
                        name == other ? "the tensor named '\(name)'" : "the tensor named '\(name)' (key '\(other)')"
                    throw .unrecoverableNames(
                        path: path,
                        reason:
                            "\(named) is used where the graph has the \(role.role.describe(tower: role.tower)) ('\(key)'); the names contradict the graph"
                    )
                }
            }
        }
        let description = role.role.describe(tower: role.tower)
        var scopeNode: (node: ONNXNode, module: [String])?
        for nodeIndex in role.nodes {
            let node = graph.nodes[nodeIndex]
            guard let module = ONNXScopes.modulePath(of: node) else { continue }
            switch ONNXScopes.match(scope: module, keyModule: Array(keyParts.dropLast())) {
            case .same: if scopeNode == nil { scopeNode = (node, module) }
            case .ancestor: continue
            case .unrelated:
                throw .unrecoverableNames(
                    path: path,
                    reason:
                        "node '\(node.name)' belongs to module '\(module.joined(separator: "."))', but the graph pattern makes its tensor '\(tensor.name)' the \(description) ('\(key)')"
                )
            }
        }
        if let exact {
            if exact != tensor.name {
                return "alias: '\(exact)' is an Identity of \(tensor.origin) '\(tensor.name)'"
            }
            return "exact: \(tensor.origin) '\(exact)'"
        }
        let stored = "\(tensor.dims)" + (role.role.isMatrix && role.storedInOut ? " (stores Wᵀ)" : "")
        let label =
            sharedWith.map {
                "\(tensor.origin) '\(tensor.name)', shared with '\($0)' (the exporter merged identical tensors),"
            }
            ?? "anonymous \(tensor.origin) '\(tensor.name)'"
        switch role.view {
        case .firstElements(let count):
            return
                "folded: \(tensor.origin) '\(tensor.name)' \(tensor.dims) is the \(description) broadcast over the batch by the exporter; its first \(count) values"
        case .dropLeadingOnes:
            return
                "folded: \(tensor.origin) '\(tensor.name)' \(tensor.dims) is the \(description), folded by the exporter with its lookup; read as \(Array(tensor.dims.drop { $0 == 1 }))"
        default: break
        }
        if let (node, module) = scopeNode {
            let place =
                node.name.hasPrefix("/")
                ? "node '\(node.name)'" : "node '\(node.name)' in module scope '\(module.joined(separator: "."))'"
            return "scope: \(label) \(stored) used by \(place)"
        }
        return "pattern: \(label) \(stored): \(description)"
    }

    // MARK: - Names

    static func components(_ name: String) -> [String] {
        name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
    }

    /// A dotted path of identifiers and indices, as state-dict keys are (`a.b.0.weight`); exporter
    /// names like `onnx::MatMul_12`, `/x/Constant_output_0` or `val_3` are not.
    static func isKeyLike(_ name: String) -> Bool {
        let parts = components(name)
        guard !parts.isEmpty else { return false }
        for part in parts {
            guard let first = part.first, first.isASCII, first.isLetter || first == "_" || first.isNumber,
                part.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") })
            else { return false }
        }
        // The torch.export exporter's generated value names.
        if parts.count == 1, let generated = parts.first, generated.hasPrefix("val_") || generated.hasPrefix("_val_") {
            return false
        }
        return true
    }
}
