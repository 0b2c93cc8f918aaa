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

/// A LayerNorm: one LayerNormalization node (opset 17+), or its decomposition at older opsets
/// (`ReduceMean → Sub → Pow → ReduceMean → Add(eps) → Sqrt → Div → Mul(scale) → Add(bias)`).
struct LayerNormUnit {
    /// The node that applies the scale (LayerNormalization, or the Mul of a decomposition).
    let node: Int
    /// The node that adds the bias (the same node for LayerNormalization).
    let biasNode: Int
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
                    tensor(of: node.inputs[0]) == nil
                else { continue }
                let dims = tensors[weight.tensor].dims
                guard dims.count == 2, tensors[weight.tensor].isFloatingPoint else { continue }
                let storedInOut = !weight.transposed
                let (inFeatures, outFeatures) = storedInOut ? (dims[0], dims[1]) : (dims[1], dims[0])
                // A bias Add right after, whose other operand is a 1-D tensor of `out` elements.
                var bias: (Int, String, Int, String)?
                var candidates = 0
                for (consumer, slot) in consumers(of: output)
                where nodes[consumer].opType == "Add" && nodes[consumer].inputs.count == 2 {
                    let other = nodes[consumer].inputs[1 - slot]
                    if let biasTensor = tensor(of: other), tensors[biasTensor].dims == [outFeatures],
                        let added = nodes[consumer].outputs.first
                    {
                        bias = (biasTensor, other, consumer, added)
                        candidates += 1
                    }
                }
                if candidates > 1 { bias = nil }
                units[bias?.3 ?? output] = LinearUnit(
                    node: index, input: node.inputs[0], weight: weight.tensor, weightValue: weight.value,
                    storedInOut: storedInOut, bias: bias?.0, biasValue: bias?.1, biasNode: bias?.2,
                    output: bias?.3 ?? output, inFeatures: inFeatures, outFeatures: outFeatures)
            case "Gemm":
                guard node.inputs.count >= 2, let output = node.outputs.first, let weight = weight(of: node.inputs[1]),
                    (node.attribute("transA")?.int ?? 0) == 0, (node.attribute("alpha")?.float ?? 1) == 1,
                    (node.attribute("beta")?.float ?? 1) == 1
                else { continue }
                let dims = tensors[weight.tensor].dims
                guard dims.count == 2, tensors[weight.tensor].isFloatingPoint else { continue }
                let transB = (node.attribute("transB")?.int ?? 0) != 0
                let storedInOut = transB == weight.transposed
                let (inFeatures, outFeatures) = storedInOut ? (dims[0], dims[1]) : (dims[1], dims[0])
                var bias: Int?
                var biasValue: String?
                if node.inputs.count >= 3, !node.inputs[2].isEmpty {
                    guard let biasTensor = tensor(of: node.inputs[2]), tensors[biasTensor].dims == [outFeatures] else {
                        continue
                    }
                    bias = biasTensor
                    biasValue = node.inputs[2]
                }
                units[output] = LinearUnit(
                    node: index, input: node.inputs[0], weight: weight.tensor, weightValue: weight.value,
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
        for (index, node) in nodes.enumerated()
        where node.opType == "LayerNormalization" && (node.domain.isEmpty || node.domain == "ai.onnx") {
            guard node.inputs.count >= 2, let output = node.outputs.first, let scale = tensor(of: node.inputs[1]),
                tensors[scale].dims.count == 1
            else { continue }
            var bias: Int?
            if node.inputs.count >= 3, !node.inputs[2].isEmpty {
                guard let biasTensor = tensor(of: node.inputs[2]), tensors[biasTensor].dims == tensors[scale].dims
                else { continue }
                bias = biasTensor
            }
            units.append(
                LayerNormUnit(
                    node: index, biasNode: index, input: node.inputs[0], scale: scale, scaleValue: node.inputs[1],
                    bias: bias,
                    biasValue: bias == nil ? nil : node.inputs[2], output: output, width: tensors[scale].dims[0]))
        }
        return units + decomposedLayerNorms()
    }

    /// LayerNorms the exporter wrote out op by op (opset < 17): the mean of `x` is subtracted from
    /// `x`, the difference is divided (by the standard deviation), then scaled and shifted by 1-D
    /// tensors.
    private func decomposedLayerNorms() -> [LayerNormUnit] {
        var units: [LayerNormUnit] = []
        for node in nodes where node.opType == "ReduceMean" {
            guard let input = node.inputs.first, let mean = node.outputs.first else { continue }
            let centered = consumers(of: mean).compactMap { consumer -> String? in
                let sub = nodes[consumer.node]
                guard sub.opType == "Sub", consumer.slot == 1, sub.inputs.first == input else { return nil }
                return sub.outputs.first
            }
            guard centered.count == 1, let difference = centered.first else { continue }
            let divisions = consumers(of: difference).filter { nodes[$0.node].opType == "Div" && $0.slot == 0 }
            guard divisions.count == 1, let normalized = nodes[divisions[0].node].outputs.first else { continue }
            // Scale, then shift, each by a 1-D tensor.
            guard let (scaleNode, scale, scaleValue, scaled) = affine("Mul", after: normalized) else { continue }
            let width = tensors[scale].dims[0]
            var output = scaled
            var bias: (node: Int, tensor: Int, value: String)?
            if let (biasNode, biasTensor, biasValue, shifted) = affine("Add", after: scaled),
                tensors[biasTensor].dims == [width]
            {
                bias = (biasNode, biasTensor, biasValue)
                output = shifted
            }
            units.append(
                LayerNormUnit(
                    node: scaleNode, biasNode: bias?.node ?? scaleNode, input: input, scale: scale,
                    scaleValue: scaleValue,
                    bias: bias?.tensor, biasValue: bias?.value, output: output, width: width))
        }
        return units
    }

    /// The single `op` node applied to `value` with a 1-D tensor operand.
    private func affine(_ op: String, after value: String) -> (node: Int, tensor: Int, value: String, output: String)? {
        var found: [(Int, Int, String, String)] = []
        for (index, slot) in consumers(of: value) where nodes[index].opType == op && nodes[index].inputs.count == 2 {
            let other = nodes[index].inputs[1 - slot]
            guard let tensor = tensor(of: other), tensors[tensor].dims.count == 1, tensors[tensor].isFloatingPoint,
                let output = nodes[index].outputs.first
            else { continue }
            found.append((index, tensor, other, output))
        }
        return found.count == 1 ? found[0] : nil
    }
}
