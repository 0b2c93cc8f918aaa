import ONNXProto

/// A `Linear` (or `x @ W`) as it appears after export: `MatMul(x, W)` plus an optional bias `Add`,
/// or `Gemm(x, W, b)`. The weight may be stored `[in, out]` (constant folding turns `x @ Wᵀ` into
/// `x @ W'` with `W' = Wᵀ`; `x @ proj` stores the parameter itself) or `[out, in]` (Gemm with
/// transB, or an explicit Transpose node when folding is off).
struct LinearUnit {
    let node: Int
    let input: String
    let weight: Int
    /// The value name through which the weight enters (for alias names).
    let weightValue: String
    /// True when the tensor as stored is `[in, out]`.
    let storedInOut: Bool
    let bias: Int?
    let biasValue: String?
    let biasNode: Int?
    /// The unit's result (after the bias).
    let output: String
    let inFeatures: Int
    let outFeatures: Int
}

/// A LayerNormalization node (opset 17+) with its scale and bias.
struct LayerNormUnit {
    let node: Int
    let input: String
    let scale: Int
    let scaleValue: String
    let bias: Int?
    let biasValue: String?
    let output: String
    let width: Int
}

extension ONNXGraph {
    /// Every linear unit of the graph, keyed by the value it produces.
    func linearUnits() -> [String: LinearUnit] {
        var units: [String: LinearUnit] = [:]
        for (index, node) in nodes.enumerated() where node.domain.isEmpty || node.domain == "ai.onnx" {
            switch node.opType {
            case "MatMul":
                guard node.inputs.count == 2, let output = node.outputs.first, let weight = weight(of: node.inputs[1]),
                      tensor(of: node.inputs[0]) == nil else { continue }
                let dims = tensors[weight.tensor].dims
                guard dims.count == 2, tensors[weight.tensor].isFloatingPoint else { continue }
                let storedInOut = !weight.transposed
                let (inFeatures, outFeatures) = storedInOut ? (dims[0], dims[1]) : (dims[1], dims[0])
                // A bias Add right after, whose other operand is a 1-D tensor of `out` elements.
                var bias: (Int, String, Int, String)?
                var candidates = 0
                for (consumer, slot) in consumers(of: output) where nodes[consumer].opType == "Add" && nodes[consumer].inputs.count == 2 {
                    let other = nodes[consumer].inputs[1 - slot]
                    if let biasTensor = tensor(of: other), tensors[biasTensor].dims == [outFeatures], let added = nodes[consumer].outputs.first {
                        bias = (biasTensor, other, consumer, added)
                        candidates += 1
                    }
                }
                if candidates > 1 { bias = nil }
                units[bias?.3 ?? output] = LinearUnit(node: index, input: node.inputs[0], weight: weight.tensor, weightValue: weight.value,
                                                      storedInOut: storedInOut, bias: bias?.0, biasValue: bias?.1, biasNode: bias?.2,
                                                      output: bias?.3 ?? output, inFeatures: inFeatures, outFeatures: outFeatures)
            case "Gemm":
                guard node.inputs.count >= 2, let output = node.outputs.first, let weight = weight(of: node.inputs[1]),
                      (node.attribute("transA")?.int ?? 0) == 0, (node.attribute("alpha")?.float ?? 1) == 1,
                      (node.attribute("beta")?.float ?? 1) == 1 else { continue }
                let dims = tensors[weight.tensor].dims
                guard dims.count == 2, tensors[weight.tensor].isFloatingPoint else { continue }
                let transB = (node.attribute("transB")?.int ?? 0) != 0
                let storedInOut = transB == weight.transposed
                let (inFeatures, outFeatures) = storedInOut ? (dims[0], dims[1]) : (dims[1], dims[0])
                var bias: Int?
                var biasValue: String?
                if node.inputs.count >= 3, !node.inputs[2].isEmpty {
                    guard let biasTensor = tensor(of: node.inputs[2]), tensors[biasTensor].dims == [outFeatures] else { continue }
                    bias = biasTensor
                    biasValue = node.inputs[2]
                }
                units[output] = LinearUnit(node: index, input: node.inputs[0], weight: weight.tensor, weightValue: weight.value,
                                           storedInOut: storedInOut, bias: bias, biasValue: biasValue, biasNode: bias == nil ? nil : index,
                                           output: output, inFeatures: inFeatures, outFeatures: outFeatures)
            default: continue
            }
        }
        return units
    }

    /// Every LayerNormalization whose scale (and bias) are 1-D tensors, i.e. normalising the last axis.
    func layerNormUnits() -> [LayerNormUnit] {
        var units: [LayerNormUnit] = []
        for (index, node) in nodes.enumerated() where node.opType == "LayerNormalization" && (node.domain.isEmpty || node.domain == "ai.onnx") {
            guard node.inputs.count >= 2, let output = node.outputs.first, let scale = tensor(of: node.inputs[1]),
                  tensors[scale].dims.count == 1 else { continue }
            var bias: Int?
            if node.inputs.count >= 3, !node.inputs[2].isEmpty {
                guard let biasTensor = tensor(of: node.inputs[2]), tensors[biasTensor].dims == tensors[scale].dims else { continue }
                bias = biasTensor
            }
            units.append(LayerNormUnit(node: index, input: node.inputs[0], scale: scale, scaleValue: node.inputs[1], bias: bias,
                                       biasValue: bias == nil ? nil : node.inputs[2], output: output, width: tensors[scale].dims[0]))
        }
        return units
    }
}
