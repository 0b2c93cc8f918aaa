import ONNXProto

/// The graph as a value-flow index: which node produces each value, which nodes consume it, and
/// which tensor (initializer or Constant value) a value is, seen through `Identity` aliases.
struct ONNXGraph {
    let nodes: [ONNXNode]
    /// Every tensor of the graph, initializers first, then Constant values in node order.
    let tensors: [ONNXTensor]
    /// Graph inputs that are fed at run time (an input with an initializer of the same name is a default, not a feed).
    let feeds: Set<String>
    private(set) var producer: [String: Int] = [:]
    private(set) var consumers: [String: [(node: Int, slot: Int)]] = [:]
    private var tensorByValue: [String: Int] = [:]

    /// Ops that move, reshape or re-type a value without changing which numbers it holds.
    static let transparentOps: Set<String> = [
        "Cast", "Transpose", "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity", "Dropout",
    ]
    /// Ops that pick tokens out of a sequence (the class token, the end-of-text token).
    static let selectingOps: Set<String> = ["Gather", "GatherND", "GatherElements", "Slice"]

    init(nodes: [ONNXNode], tensors: [ONNXTensor], constantOutputs: [String: Int], inputs: [String]) {
        self.nodes = nodes
        self.tensors = tensors
        var byValue: [String: Int] = [:]
        for (index, tensor) in tensors.enumerated() where tensor.origin == "initializer" {
            byValue[tensor.name] = index
        }
        for (value, index) in constantOutputs { byValue[value] = index }
        tensorByValue = byValue
        feeds = Set(inputs.filter { byValue[$0] == nil })
        for (index, node) in nodes.enumerated() {
            for output in node.outputs where !output.isEmpty { producer[output] = index }
            for (slot, input) in node.inputs.enumerated() where !input.isEmpty {
                consumers[input, default: []].append((index, slot))
            }
        }
    }

    func consumers(of value: String) -> [(node: Int, slot: Int)] { consumers[value] ?? [] }

    /// The tensor a value is, following `Identity` nodes back to an initializer or Constant.
    func tensor(of value: String) -> Int? {
        var current = value
        for _ in 0..<64 {
            if let index = tensorByValue[current] { return index }
            guard let node = producer[current].map({ nodes[$0] }), node.opType == "Identity",
                node.domain.isEmpty || node.domain == "ai.onnx",
                let input = node.inputs.first
            else { return nil }
            current = input
        }
        return nil
    }

    /// The value names from `value` back to its tensor: the value itself, each Identity's input.
    func aliasChain(of value: String) -> [String] {
        var chain = [value]
        var current = value
        for _ in 0..<64 {
            if tensorByValue[current] != nil { break }
            guard let node = producer[current].map({ nodes[$0] }), node.opType == "Identity",
                let input = node.inputs.first
            else { break }
            chain.append(input)
            current = input
        }
        return chain
    }

    /// A weight operand: a tensor, or the transpose (perm [1, 0]) of a 2-D tensor, which the
    /// exporter leaves in place when it does not fold constants.
    func weight(of value: String) -> (tensor: Int, transposed: Bool, value: String)? {
        if let index = tensor(of: value) { return (index, false, value) }
        guard let node = producer[value].map({ nodes[$0] }), node.opType == "Transpose", let input = node.inputs.first,
            let index = tensor(of: input), tensors[index].dims.count == 2
        else { return nil }
        let perm = node.attribute("perm")?.ints ?? [1, 0]
        guard perm == [1, 0] else { return nil }
        return (index, true, input)
    }

    /// `value` and every value reachable from it through transparent ops (and, with `selecting`,
    /// through token-selecting ops on their data input).
    func forwardClosure(_ value: String, selecting: Bool = false) -> Set<String> {
        var seen: Set<String> = [value]
        var queue = [value]
        while let current = queue.popLast(), seen.count < 256 {
            for (nodeIndex, slot) in consumers(of: current) where slot == 0 {
                let node = nodes[nodeIndex]
                guard
                    Self.transparentOps.contains(node.opType) || (selecting && Self.selectingOps.contains(node.opType)),
                    let output = node.outputs.first, !output.isEmpty, !seen.contains(output)
                else { continue }
                seen.insert(output)
                queue.append(output)
            }
        }
        return seen
    }

    /// The value `value` is a transparent rearrangement of.
    func backwardOrigin(_ value: String) -> String {
        var current = value
        for _ in 0..<64 {
            guard let node = producer[current].map({ nodes[$0] }), Self.transparentOps.contains(node.opType),
                let input = node.inputs.first, tensor(of: current) == nil
            else { return current }
            current = input
        }
        return current
    }

    /// True when `value` is, through transparent and token-selecting ops, a graph feed.
    func isFed(_ value: String) -> Bool {
        var current = value
        for _ in 0..<64 {
            if feeds.contains(current) { return true }
            guard let node = producer[current].map({ nodes[$0] }),
                Self.transparentOps.contains(node.opType), let input = node.inputs.first
            else { return false }
            current = input
        }
        return false
    }

    /// Nodes reachable forward from `value` (any op), up to `limit` nodes, breadth first.
    func reaches(from values: [String], node target: Int, limit: Int = 2_000) -> Bool {
        var seenValues = Set(values)
        var queue = values
        var visited = 0
        while !queue.isEmpty, visited < limit {
            let current = queue.removeFirst()
            for (nodeIndex, _) in consumers(of: current) {
                if nodeIndex == target { return true }
                visited += 1
                for output in nodes[nodeIndex].outputs where !output.isEmpty && !seenValues.contains(output) {
                    seenValues.insert(output)
                    queue.append(output)
                }
            }
        }
        return false
    }

    /// True when a small floating-point tensor holds only zeros (±0), e.g. the zero fill OpenAI adds
    /// to the class token.
    func isAllZero(_ index: Int, read: (ONNXTensor) -> [UInt8]?) -> Bool {
        let tensor = tensors[index]
        guard tensor.isFloatingPoint, let itemSize = tensor.dtype?.itemSize, tensor.elementCount <= 1 << 20,
            let bytes = read(tensor)
        else { return false }
        // Every byte zero except possibly the sign bit in the most significant byte of each element.
        for (offset, byte) in bytes.enumerated() {
            let isTop = offset % itemSize == itemSize - 1
            if (isTop ? byte & 0x7F : byte) != 0 { return false }
        }
        return true
    }
}
