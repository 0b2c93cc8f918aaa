import Conventions
import ONNXProto
import TensorCore

/// Reads from an exported graph the two settings CLIP's tensor shapes cannot tell:
///
/// - the MLP activation, from the nodes between a block's fc1 and fc2: `Gelu` (opset 20) or the
///   `Erf` decomposition is the exact GELU; `Mul(·, 1.702) → Sigmoid → Mul` is QuickGELU;
/// - the head count, from the reshape that splits the query into heads before the attention-score
///   MatMul: its last dimension is the head width (`[1, 17, -1, 32]`, `[17, 2, 32]`); with dynamic
///   shapes the last piece is computed as `embed_dim / num_heads`, and the divisor is the count.
///
/// A tower gets a setting only when every block states it and all blocks agree; what cannot be
/// read is said in a note, and the converter then falls back to the config or the default.
struct ONNXArchitectureReading {
    let graph: ONNXGraph
    let read: (ONNXTensor) -> [UInt8]?

    func evidence(for match: CLIPMatch) -> (evidence: [ArchitectureEvidence], notes: [String]) {
        var evidence: [ArchitectureEvidence] = []
        var notes: [String] = []
        for (tower, blocks) in match.towers.sorted(by: { $0.key.rawValue > $1.key.rawValue }) {
            let roles = Dictionary(
                match.roles.filter { $0.tower == tower }.map { ($0.role, $0) }, uniquingKeysWith: { first, _ in first })
            var activations: [Reading<ActivationFinding>] = []
            var heads: [Reading<Int>] = []
            for index in 0..<blocks {
                activations.append(activation(block: index, roles: roles))
                heads.append(headCount(block: index, roles: roles, fused: match.isFused))
            }
            let name = tower.rawValue
            switch Self.agreement(activations, blocks: blocks) {
            case .agreed(let finding):
                if let activation = finding.activation {
                    evidence.append(
                        ArchitectureEvidence(
                            scope: .tower(name), setting: .activation(activation),
                            source: "ONNX graph: \(finding.pattern) between fc1 and fc2 in every \(name) block"))
                } else {
                    notes.append("the \(name) MLP activation is \(finding.pattern), which CLIP does not use")
                }
            case .disagreed(let detail):
                notes.append("the \(name) blocks' MLP activations differ (\(detail))")
            case .unread(let block):
                notes.append("the \(name) MLP activation could not be read from the graph (block \(block))")
            }
            switch Self.agreement(heads, blocks: blocks) {
            case .agreed(let count):
                evidence.append(
                    ArchitectureEvidence(
                        scope: .tower(name), setting: .heads(count),
                        source:
                            "ONNX graph: the query is split into \(count) heads before the attention scores in every \(name) block"
                    ))
            case .disagreed(let detail):
                notes.append("the \(name) blocks' head counts differ (\(detail))")
            case .unread(let block):
                notes.append("the \(name) head count could not be read from the graph (block \(block))")
            }
        }
        return (evidence, notes)
    }

    // MARK: - Agreement over blocks

    enum Reading<Value: Equatable> {
        case found(Value)
        case unread
    }

    enum Agreement<Value: Equatable> {
        case agreed(Value)
        case disagreed(String)
        case unread(block: Int)
    }

    static func agreement<Value: Equatable>(_ readings: [Reading<Value>], blocks: Int) -> Agreement<Value> {
        var first: Value?
        for (index, reading) in readings.enumerated() {
            guard case .found(let value) = reading else { return .unread(block: index) }
            if let first, first != value { return .disagreed("block 0 and block \(index)") }
            if first == nil { first = value }
        }
        guard let first else { return .unread(block: 0) }
        return .agreed(first)
    }

    // MARK: - Activation

    struct ActivationFinding: Equatable {
        /// nil for an activation CLIP does not use (tanh GELU, SiLU).
        let activation: Activation?
        let pattern: String
    }

    private func activation(block index: Int, roles: [CLIPRole: RoleMatch]) -> Reading<ActivationFinding> {
        guard let fc1 = roles[.block(index, .fc1, bias: false)]?.nodes.first,
            let fc2 = roles[.block(index, .fc2, bias: false)]?.nodes.first,
            let hidden = graph.nodes[fc2].inputs.first
        else { return .unread }
        let start = unitOutput(weightNode: fc1, biasRole: roles[.block(index, .fc1, bias: true)])
        // The nodes between fc1's output and fc2's input, found backwards from fc2.
        var between: [Int] = []
        var queue = [hidden]
        var seen: Set<String> = [hidden]
        var reachedStart = false
        while let value = queue.popLast(), between.count < 16 {
            if value == start {
                reachedStart = true
                continue
            }
            guard let producer = graph.producer[value], graph.tensor(of: value) == nil else { continue }
            between.append(producer)
            for input in graph.nodes[producer].inputs where !input.isEmpty && seen.insert(input).inserted {
                queue.append(input)
            }
        }
        guard reachedStart, !between.isEmpty else { return .unread }
        let nodes = between.map { graph.nodes[$0] }
        func has(_ op: String, domain: String = "") -> ONNXNode? {
            nodes.first { $0.opType == op && ($0.domain == domain || (domain.isEmpty && $0.domain == "ai.onnx")) }
        }
        if let gelu = has("Gelu") {
            let approximate = gelu.attribute("approximate")?.string.map { String(decoding: $0, as: UTF8.self) }
            if approximate == nil || approximate == "none" {
                return .found(ActivationFinding(activation: .gelu, pattern: "Gelu"))
            }
            return .found(ActivationFinding(activation: nil, pattern: "Gelu(approximate=\(approximate ?? ""))"))
        }
        if has("Tanh") != nil { return .found(ActivationFinding(activation: nil, pattern: "a tanh-approximated GELU")) }
        if has("Erf") != nil { return .found(ActivationFinding(activation: .gelu, pattern: "the Erf form of GELU")) }
        if let sigmoid = has("Sigmoid"), let input = sigmoid.inputs.first {
            if input == start { return .found(ActivationFinding(activation: nil, pattern: "x·σ(x) (SiLU)")) }
            if let producer = graph.producer[input], graph.nodes[producer].opType == "Mul",
                let scale = graph.nodes[producer].inputs.lazy.compactMap({ scalar($0) }).first
            {
                if abs(scale - 1.702) < 1e-3 {
                    return .found(ActivationFinding(activation: .quickGELU, pattern: "Mul(1.702) → Sigmoid → Mul"))
                }
                return .found(ActivationFinding(activation: nil, pattern: "x·σ(\(scale)·x)"))
            }
        }
        if let quick = has("QuickGelu", domain: "com.microsoft") {
            let alpha = Double(quick.attribute("alpha")?.float ?? 1.702)
            if abs(alpha - 1.702) < 1e-3 {
                return .found(ActivationFinding(activation: .quickGELU, pattern: "com.microsoft QuickGelu"))
            }
        }
        return .unread
    }

    /// The value a linear unit produces: its bias Add's output, or the MatMul/Gemm output.
    private func unitOutput(weightNode: Int, biasRole: RoleMatch?) -> String {
        if let biasNode = biasRole?.nodes.first, let output = graph.nodes[biasNode].outputs.first { return output }
        return graph.nodes[weightNode].outputs.first ?? ""
    }

    /// A one-element floating-point or integer constant's value.
    private func scalar(_ value: String) -> Double? {
        guard let index = graph.tensor(of: value) else { return nil }
        let tensor = graph.tensors[index]
        guard tensor.elementCount == 1, let dtype = tensor.dtype, let bytes = read(tensor),
            bytes.count >= dtype.itemSize
        else { return nil }
        if dtype.isFloatingPoint { return TensorBytes.floats(from: bytes, dtype: dtype).first.map(Double.init) }
        return TensorBytes.integers(from: bytes, dtype: dtype).first.map(Double.init)
    }

    // MARK: - Heads

    private func headCount(block index: Int, roles: [CLIPRole: RoleMatch], fused: Bool) -> Reading<Int> {
        let part: CLIPRole.BlockPart = fused ? .qkv : .query
        guard let projection = roles[.block(index, part, bias: false)]?.nodes.first,
            let width = roles[.block(index, .output, bias: false)].map({ graph.tensors[$0.tensor].dims.max() ?? 0 }),
            width > 0
        else { return .unread }
        let start = unitOutput(weightNode: projection, biasRole: roles[.block(index, part, bias: true)])
        guard let scores = scoreNode(from: start) else { return .unread }
        let node = graph.nodes[scores]
        if node.opType != "MatMul" {
            guard let count = node.attribute("num_heads")?.int, count > 0, count <= width else { return .unread }
            return .found(Int(count))
        }
        // Backwards from the query operand to the reshape that split it into heads.
        var current = node.inputs[0]
        for _ in 0..<24 {
            guard let producer = graph.producer[current] else { return .unread }
            let step = graph.nodes[producer]
            if step.opType == "Reshape", step.inputs.count >= 2 {
                switch lastDimension(of: step.inputs[1]) {
                case .headWidth(let headWidth)? where headWidth > 0 && width % headWidth == 0:
                    return .found(width / headWidth)
                case .heads(let count)? where count > 0 && width % count == 0:
                    return .found(count)
                default:
                    return .unread
                }
            }
            guard let input = step.inputs.first, !input.isEmpty, current != start else { return .unread }
            current = input
        }
        return .unread
    }

    /// The first MatMul of two computed operands (or attention op) that `value` flows into.
    private func scoreNode(from value: String) -> Int? {
        var frontier = [value]
        var seen: Set<String> = [value]
        for _ in 0..<24 {
            var next: [String] = []
            for current in frontier {
                for (nodeIndex, _) in graph.consumers(of: current) {
                    let node = graph.nodes[nodeIndex]
                    if node.opType == "Shape" || node.opType == "Size" { continue }
                    if node.opType == "MatMul", node.inputs.count == 2,
                        node.inputs.allSatisfy({ graph.weight(of: $0) == nil })
                    {
                        return nodeIndex
                    }
                    if ["Attention", "MultiHeadAttention"].contains(node.opType) { return nodeIndex }
                    for output in node.outputs where !output.isEmpty && seen.insert(output).inserted {
                        next.append(output)
                    }
                }
            }
            frontier = next
            if frontier.isEmpty { return nil }
        }
        return nil
    }

    enum LastDimension {
        case headWidth(Int)
        case heads(Int)
    }

    /// The last entry of a Reshape's target shape: a constant, the constant last piece of a Concat,
    /// or a piece computed as `embed_dim / num_heads` (then the divisor).
    private func lastDimension(of shape: String) -> LastDimension? {
        if let values = integers(shape) { return values.last.map { .headWidth($0) } }
        guard let producer = graph.producer[shape], graph.nodes[producer].opType == "Concat",
            var piece = graph.nodes[producer].inputs.last
        else { return nil }
        for _ in 0..<8 {
            if let values = integers(piece) { return values.last.map { .headWidth($0) } }
            guard let step = graph.producer[piece].map({ graph.nodes[$0] }) else { return nil }
            if step.opType == "Div", step.inputs.count == 2, let divisor = integers(step.inputs[1]), divisor.count == 1
            {
                return .heads(divisor[0])
            }
            guard ["Unsqueeze", "Cast", "Squeeze", "Identity", "Floor"].contains(step.opType),
                let input = step.inputs.first
            else { return nil }
            piece = input
        }
        return nil
    }

    /// The elements of a small integer constant (at most 8).
    private func integers(_ value: String) -> [Int]? {
        guard let index = graph.tensor(of: value) else { return nil }
        let tensor = graph.tensors[index]
        guard let dtype = tensor.dtype, !dtype.isFloatingPoint, dtype != .bool, (1...8).contains(tensor.elementCount),
            let bytes = read(tensor), bytes.count >= tensor.elementCount * dtype.itemSize
        else { return nil }
        return TensorBytes.integers(from: bytes, dtype: dtype).prefix(tensor.elementCount).map { Int(clamping: $0) }
    }
}
