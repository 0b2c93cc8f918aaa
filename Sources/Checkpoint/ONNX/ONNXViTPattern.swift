import ONNXProto

/// How a recognised tensor is read: as stored, transposed, or as the part of a folded constant that
/// is the parameter.
enum ONNXView: Sendable, Equatable {
    case asStored
    /// A 2-D tensor read as its transpose (a folded `Wᵀ` presented as `W`).
    case transposed
    /// The first `count` elements, as a 1-D tensor: a class token the exporter folded with its
    /// batch expansion into `[batch, 1, width]`.
    case firstElements(Int)
    /// Leading axes of length 1 dropped: a position table folded into `[1, tokens, width]`.
    case dropLeadingOnes
}

/// One tensor placed by the structural match.
struct RoleMatch {
    let tower: CLIPTower
    let role: CLIPRole
    let tensor: Int
    /// The value through which the graph uses the tensor (its alias chain carries candidate names).
    let value: String
    let view: ONNXView
    /// For matrices: true when the tensor is stored `[in, out]`.
    let storedInOut: Bool
    /// Nodes that consume the tensor in this role (their scopes are evidence).
    let nodes: [Int]
}

/// The result of matching the CLIP structure.
struct CLIPMatch {
    var roles: [RoleMatch] = []
    /// True when each block's q, k and v come from one fused projection (OpenAI's `in_proj`).
    var isFused = true
    var towers: [CLIPTower: Int] = [:]  // tower → block count
    var notes: [String] = []
}

/// Why the structure was not recognised; the message says what was expected where.
struct PatternFailure: Error {
    let reason: String
}

/// Finds the CLIP towers by the op pattern of a pre-LayerNorm ViT, independent of names:
///
///     vision: image → Conv (patch) → … → Concat(class, ·) → Add(position) → LayerNorm (pre)
///     text:   ids → Gather (token table) → Add(position)
///     block:  x → LayerNorm → q/k/v projections (one fused 3W, or three W) → attention → out proj
///             → Add(x, ·) = x' → LayerNorm → fc1 → activation → fc2 → Add(x', ·)
///     end:    LayerNorm (on the sequence or the selected token) → projection
///
/// q, k and v are told apart by where they go, not by order or shape: q and k meet in the
/// attention-score MatMul (left and right operand), v is the right operand of the MatMul with the
/// attention probabilities (or slots 0/1/2 of an `Attention` op).
struct ONNXViTPattern {
    let graph: ONNXGraph
    /// Reads a small tensor's bytes (zero fills, copies of a folded class token).
    let read: (ONNXTensor) -> [UInt8]?
    private let linearsByInput: [String: [LinearUnit]]
    private let linearsByOutput: [String: LinearUnit]
    private let normsByInput: [String: [LayerNormUnit]]

    init(graph: ONNXGraph, read: @escaping (ONNXTensor) -> [UInt8]?) {
        self.graph = graph
        self.read = read
        let linears = graph.linearUnits()
        linearsByOutput = linears
        linearsByInput = Dictionary(grouping: linears.values, by: \.input)
        normsByInput = Dictionary(grouping: graph.layerNormUnits(), by: \.input)
    }

    func match() throws(PatternFailure) -> CLIPMatch {
        var result = CLIPMatch()
        let nodes = graph.nodes
        let convs = nodes.indices.filter { index in
            let node = nodes[index]
            guard node.opType == "Conv", node.inputs.count >= 2, let weight = graph.tensor(of: node.inputs[1]) else {
                return false
            }
            return graph.tensors[weight].dims.count == 4 && graph.tensors[weight].isFloatingPoint
                && graph.isFed(node.inputs[0])
        }
        let gathers = nodes.indices.filter { index in
            let node = nodes[index]
            guard node.opType == "Gather", node.inputs.count == 2, (node.attribute("axis")?.int ?? 0) == 0,
                let table = graph.tensor(of: node.inputs[0])
            else { return false }
            return graph.tensors[table].dims.count == 2 && graph.tensors[table].isFloatingPoint
                && graph.isFed(node.inputs[1])
        }
        guard convs.count <= 1 else {
            throw PatternFailure(
                reason: "\(convs.count) convolutions are fed by graph inputs; CLIP has one patch embedding")
        }
        guard gathers.count <= 1 else {
            throw PatternFailure(
                reason: "\(gathers.count) embedding lookups are fed by graph inputs; CLIP has one token embedding")
        }
        guard !convs.isEmpty || !gathers.isEmpty else {
            throw PatternFailure(
                reason: "no patch-embedding Conv and no token-embedding Gather is fed by a graph input")
        }
        var fused: [CLIPTower: Bool] = [:]
        if let conv = convs.first {
            let (stream, width) = try visionEmbedding(conv, into: &result)
            fused[.vision] = try transformer(.vision, stream: stream, width: width, into: &result)
        }
        if let gather = gathers.first {
            let (stream, width) = try textEmbedding(gather, into: &result)
            fused[.text] = try transformer(.text, stream: stream, width: width, into: &result)
        }
        let families = Set(fused.values)
        guard families.count == 1, let isFused = families.first else {
            throw PatternFailure(
                reason:
                    "the vision tower fuses q/k/v and the text tower does not (or the reverse); no CLIP checkpoint family does that"
            )
        }
        result.isFused = isFused
        try logitScale(into: &result)
        return result
    }

    // MARK: - Embeddings

    private func visionEmbedding(_ convIndex: Int, into result: inout CLIPMatch) throws(PatternFailure) -> (String, Int)
    {
        let conv = graph.nodes[convIndex]
        guard let weight = graph.tensor(of: conv.inputs[1]), let output = conv.outputs.first else {
            throw PatternFailure(reason: "malformed Conv")
        }
        let width = graph.tensors[weight].dims[0]
        result.roles.append(
            RoleMatch(
                tower: .vision, role: .patchEmbedding(bias: false), tensor: weight, value: conv.inputs[1],
                view: .asStored,
                storedInOut: false, nodes: [convIndex]))
        if conv.inputs.count >= 3, !conv.inputs[2].isEmpty, let bias = graph.tensor(of: conv.inputs[2]) {
            result.roles.append(
                RoleMatch(
                    tower: .vision, role: .patchEmbedding(bias: true), tensor: bias, value: conv.inputs[2],
                    view: .asStored,
                    storedInOut: false, nodes: [convIndex]))
        }
        // The patch tokens meet the class token in a Concat.
        let patches = graph.forwardClosure(output)
        let concats = Set(
            patches.flatMap { graph.consumers(of: $0) }.map(\.node).filter { graph.nodes[$0].opType == "Concat" })
        guard concats.count == 1, let concatIndex = concats.first else {
            throw PatternFailure(
                reason:
                    "the patch tokens of Conv '\(conv.name)' reach \(concats.count) Concat nodes; expected one joining the class token"
            )
        }
        let concat = graph.nodes[concatIndex]
        let others = concat.inputs.filter { !patches.contains($0) }
        guard others.count == 1, let classInput = others.first, let classTrace = constantSource(classInput) else {
            throw PatternFailure(
                reason: "Concat '\(concat.name)' does not join the patch tokens with one constant class token")
        }
        let classTensor = graph.tensors[classTrace.tensor]
        guard classTensor.elementCount >= width, classTensor.elementCount % width == 0 else {
            throw PatternFailure(
                reason:
                    "the class token '\(classTensor.name)' has shape \(classTensor.dims), not a multiple of width \(width)"
            )
        }
        var classView = ONNXView.asStored
        if classTensor.dims != [width] {
            // Folded with its batch expansion: every copy must be the same token.
            guard let bytes = read(classTensor), let item = classTensor.dtype?.itemSize else {
                throw PatternFailure(reason: "cannot read the folded class token '\(classTensor.name)'")
            }
            let row = width * item
            guard stride(from: row, to: bytes.count, by: row).allSatisfy({ bytes[$0..<($0 + row)] == bytes[0..<row] })
            else {
                throw PatternFailure(
                    reason:
                        "the folded class token '\(classTensor.name)' \(classTensor.dims) holds different tokens per batch entry"
                )
            }
            classView = .firstElements(width)
        }
        result.roles.append(
            RoleMatch(
                tower: .vision, role: .classEmbedding, tensor: classTrace.tensor, value: classTrace.value,
                view: classView,
                storedInOut: false, nodes: classTrace.nodes + [concatIndex]))
        guard let joined = concat.outputs.first else { throw PatternFailure(reason: "malformed Concat") }
        let (afterPosition, positionRole) = try positionEmbedding(after: joined, tower: .vision, width: width)
        result.roles.append(positionRole)
        // ln_pre: the residual stream starts after it.
        let pre = norms(consuming: graph.forwardClosure(afterPosition), width: width)
        guard pre.count == 1, let norm = pre.first else {
            throw PatternFailure(
                reason: "\(pre.count) LayerNorms follow the vision position embedding; CLIP has one (ln_pre)")
        }
        appendNorm(norm, tower: .vision, role: { .preNorm(bias: $0) }, into: &result)
        return (norm.output, width)
    }

    private func textEmbedding(_ gatherIndex: Int, into result: inout CLIPMatch) throws(PatternFailure) -> (String, Int)
    {
        let gather = graph.nodes[gatherIndex]
        guard let table = graph.tensor(of: gather.inputs[0]), let output = gather.outputs.first else {
            throw PatternFailure(reason: "malformed Gather")
        }
        let width = graph.tensors[table].dims[1]
        result.roles.append(
            RoleMatch(
                tower: .text, role: .tokenEmbedding, tensor: table, value: gather.inputs[0], view: .asStored,
                storedInOut: false, nodes: [gatherIndex]))
        let (afterPosition, positionRole) = try positionEmbedding(after: output, tower: .text, width: width)
        result.roles.append(positionRole)
        return (afterPosition, width)
    }

    /// The Add that puts the position table onto `tokens`; returns its output and the role.
    private func positionEmbedding(after tokens: String, tower: CLIPTower, width: Int) throws(PatternFailure) -> (
        String, RoleMatch
    ) {
        let sequence = graph.forwardClosure(tokens)
        var found: [(node: Int, trace: (tensor: Int, value: String, nodes: [Int]))] = []
        for value in sequence {
            for (nodeIndex, slot) in graph.consumers(of: value)
            where graph.nodes[nodeIndex].opType == "Add" && graph.nodes[nodeIndex].inputs.count == 2 {
                let other = graph.nodes[nodeIndex].inputs[1 - slot]
                if let trace = constantSource(other) { found.append((nodeIndex, trace)) }
            }
        }
        guard found.count == 1, let (addIndex, trace) = found.first, let output = graph.nodes[addIndex].outputs.first
        else {
            throw PatternFailure(
                reason:
                    "\(found.count) constant Adds follow the \(tower.rawValue) token embedding; expected one (the position embedding)"
            )
        }
        let dims = graph.tensors[trace.tensor].dims
        let view: ONNXView
        if dims.count == 2, dims[1] == width {
            view = .asStored
        } else if dims.count > 2, dims.last == width, dims.dropLast(2).allSatisfy({ $0 == 1 }) {
            view = .dropLeadingOnes
        } else {
            throw PatternFailure(
                reason:
                    "the \(tower.rawValue) position embedding '\(graph.tensors[trace.tensor].name)' has shape \(dims), not [tokens, \(width)]"
            )
        }
        return (
            output,
            RoleMatch(
                tower: tower, role: .positionEmbedding, tensor: trace.tensor, value: trace.value, view: view,
                storedInOut: false, nodes: trace.nodes + [addIndex])
        )
    }

    /// The tensor a value is made from by ops that only re-type, re-shape or broadcast it, or by
    /// adding zeros (OpenAI builds the class token as `class_embedding + zeros(batch, 1, width)`),
    /// or by a lookup into a table (HF's `position_embedding(position_ids)`: the table itself).
    private func constantSource(_ value: String, depth: Int = 0) -> (tensor: Int, value: String, nodes: [Int])? {
        if let tensor = graph.tensor(of: value) { return (tensor, value, []) }
        guard depth < 16, let producerIndex = graph.producer[value] else { return nil }
        let node = graph.nodes[producerIndex]
        switch node.opType {
        case "Cast", "Expand", "Reshape", "Unsqueeze", "Squeeze", "Identity", "Flatten", "Tile":
            guard let input = node.inputs.first, let trace = constantSource(input, depth: depth + 1) else { return nil }
            return (trace.tensor, trace.value, trace.nodes + [producerIndex])
        case "Gather":
            guard node.inputs.count == 2, let table = graph.tensor(of: node.inputs[0]),
                graph.tensors[table].dims.count == 2
            else { return nil }
            return (table, node.inputs[0], [producerIndex])
        case "Add":
            guard node.inputs.count == 2 else { return nil }
            let sides = node.inputs.map { constantSource($0, depth: depth + 1) }
            let zero = sides.enumerated().map { index, trace in
                trace.map { graph.isAllZero($0.tensor, read: read) } ?? isZeroFill(node.inputs[index])
            }
            let kept = (0..<2).filter { !zero[$0] }
            guard kept.count == 1, let trace = sides[kept[0]] else { return nil }
            return (trace.tensor, trace.value, trace.nodes + [producerIndex])
        default:
            return nil
        }
    }

    /// A value computed as zeros of some shape (`ConstantOfShape` with value 0, possibly re-shaped).
    private func isZeroFill(_ value: String) -> Bool {
        var current = value
        for _ in 0..<16 {
            guard let producerIndex = graph.producer[current] else { return false }
            let node = graph.nodes[producerIndex]
            if node.opType == "ConstantOfShape" {
                guard let fill = node.attribute("value")?.tensor else { return true }  // the default fill is 0
                return fill.dataFields.allSatisfy { $0.scalar == 0 }
                    && fill.dataFields.allSatisfy { $0.wireType != .lengthDelimited || zeroPayload($0) }
            }
            guard ["Cast", "Reshape", "Unsqueeze", "Expand", "Identity"].contains(node.opType),
                let input = node.inputs.first
            else { return false }
            current = input
        }
        return false
    }

    private func zeroPayload(_ field: ONNXDataField) -> Bool {
        guard field.length <= 16 else { return false }
        let probe = ONNXTensor(
            name: "", dataType: 2, dtype: .u8, dims: [field.length], elementCount: field.length,
            storage: .file(offset: field.offset, count: field.length), origin: "attribute")
        return read(probe)?.allSatisfy { $0 == 0 } ?? false
    }

    // MARK: - Transformer

    /// Walks the blocks from `stream` and the final LayerNorm and projection; returns whether the
    /// attention projections are fused.
    private func transformer(_ tower: CLIPTower, stream start: String, width: Int, into result: inout CLIPMatch)
        throws(PatternFailure) -> Bool
    {
        var stream = start
        var index = 0
        var fusedFlags: Set<Bool> = []
        while true {
            var started: (output: String, fused: Bool, roles: [RoleMatch])?
            for norm in norms(consuming: graph.forwardClosure(stream), width: width) {
                guard let block = try block(index, tower: tower, stream: stream, norm: norm, width: width) else {
                    continue
                }
                guard started == nil else {
                    throw PatternFailure(reason: "two LayerNorms could start \(tower.rawValue) block \(index)")
                }
                started = block
            }
            guard let block = started else { break }
            result.roles += block.roles
            fusedFlags.insert(block.fused)
            stream = block.output
            index += 1
            guard index <= 4096 else { throw PatternFailure(reason: "more than 4096 blocks") }
        }
        guard index > 0 else {
            throw PatternFailure(reason: "no transformer block follows the \(tower.rawValue) embeddings")
        }
        guard fusedFlags.count == 1, let fused = fusedFlags.first else {
            throw PatternFailure(reason: "some \(tower.rawValue) blocks fuse q/k/v and others do not")
        }
        result.towers[tower] = index
        // The final LayerNorm, on the whole sequence or on the selected token.
        let finals = norms(consuming: graph.forwardClosure(stream, selecting: true), width: width)
        guard finals.count == 1, let final = finals.first else {
            throw PatternFailure(
                reason: "\(finals.count) LayerNorms follow \(tower.rawValue) block \(index - 1); CLIP has one")
        }
        appendNorm(final, tower: tower, role: { .finalNorm(bias: $0) }, into: &result)
        let projections = linears(consuming: graph.forwardClosure(final.output, selecting: true)).filter {
            $0.inFeatures == width
        }
        guard projections.count <= 1 else {
            throw PatternFailure(
                reason: "\(projections.count) projections follow the final \(tower.rawValue) LayerNorm")
        }
        if let projection = projections.first {
            appendLinear(projection, tower: tower, role: { .projection(bias: $0) }, into: &result.roles)
        } else {
            result.notes.append("the \(tower.rawValue) tower has no projection into the joint embedding")
        }
        return fused
    }

    /// One block starting at `norm`, or nil when `norm` is not followed by attention projections.
    private func block(_ index: Int, tower: CLIPTower, stream: String, norm: LayerNormUnit, width: Int)
        throws(PatternFailure)
        -> (output: String, fused: Bool, roles: [RoleMatch])?
    {
        let name = "\(tower.rawValue) block \(index)"
        let projections = linears(consuming: graph.forwardClosure(norm.output)).filter { $0.inFeatures == width }
        if projections.isEmpty { return nil }
        var roles: [RoleMatch] = []
        appendNorm(norm, tower: tower, role: { .block(index, .norm1, bias: $0) }, into: &roles)
        let fused: Bool
        if projections.count == 1, projections[0].outFeatures == 3 * width {
            fused = true
            appendLinear(projections[0], tower: tower, role: { .block(index, .qkv, bias: $0) }, into: &roles)
        } else if projections.count == 3, projections.allSatisfy({ $0.outFeatures == width }) {
            fused = false
            let (query, key, value) = try separateQKV(projections, block: name)
            appendLinear(query, tower: tower, role: { .block(index, .query, bias: $0) }, into: &roles)
            appendLinear(key, tower: tower, role: { .block(index, .key, bias: $0) }, into: &roles)
            appendLinear(value, tower: tower, role: { .block(index, .value, bias: $0) }, into: &roles)
        } else {
            let widths = projections.map { "\($0.outFeatures)" }.joined(separator: ", ")
            throw PatternFailure(
                reason:
                    "\(name): after the first LayerNorm come projections of widths [\(widths)]; CLIP has one of \(3 * width) or three of \(width)"
            )
        }
        // Attention output projection: the other operand of the residual Add on the stream.
        let attention = try residual(
            onto: stream, width: width, after: projections.map(\.output), block: name, what: "attention")
        appendLinear(attention.unit, tower: tower, role: { .block(index, .output, bias: $0) }, into: &roles)
        let middle = attention.output
        let second = norms(consuming: graph.forwardClosure(middle), width: width)
        guard second.count == 1, let norm2 = second.first else {
            throw PatternFailure(
                reason: "\(name): \(second.count) LayerNorms follow the attention residual; CLIP has one")
        }
        appendNorm(norm2, tower: tower, role: { .block(index, .norm2, bias: $0) }, into: &roles)
        let expansions = linears(consuming: graph.forwardClosure(norm2.output)).filter { $0.inFeatures == width }
        guard expansions.count == 1, let fc1 = expansions.first else {
            throw PatternFailure(
                reason: "\(name): \(expansions.count) projections follow the second LayerNorm; CLIP's MLP has one")
        }
        appendLinear(fc1, tower: tower, role: { .block(index, .fc1, bias: $0) }, into: &roles)
        let mlp = try residual(onto: middle, width: width, after: [fc1.output], block: name, what: "MLP")
        guard mlp.unit.inFeatures == fc1.outFeatures else {
            throw PatternFailure(reason: "\(name): MLP widths \(fc1.outFeatures) and \(mlp.unit.inFeatures) disagree")
        }
        appendLinear(mlp.unit, tower: tower, role: { .block(index, .fc2, bias: $0) }, into: &roles)
        return (mlp.output, fused, roles)
    }

    /// The Add that adds a branch back onto `stream`, and the projection that ends the branch; the
    /// projection must be downstream of `sources`.
    private func residual(onto stream: String, width: Int, after sources: [String], block: String, what: String)
        throws(PatternFailure)
        -> (unit: LinearUnit, output: String)
    {
        let closure = graph.forwardClosure(stream)
        var found: [(LinearUnit, String)] = []
        for value in closure {
            for (nodeIndex, slot) in graph.consumers(of: value)
            where graph.nodes[nodeIndex].opType == "Add" && graph.nodes[nodeIndex].inputs.count == 2 {
                let other = graph.nodes[nodeIndex].inputs[1 - slot]
                guard !closure.contains(other), let output = graph.nodes[nodeIndex].outputs.first,
                    let unit = linearsByOutput[graph.backwardOrigin(other)], unit.outFeatures == width,
                    graph.reaches(from: sources, node: unit.node)
                else { continue }
                found.append((unit, output))
            }
        }
        guard found.count == 1, let (unit, output) = found.first else {
            throw PatternFailure(
                reason: "\(block): \(found.count) residual Adds close the \(what) branch; expected one")
        }
        return (unit, output)
    }

    /// Tells q, k and v apart by where their outputs go.
    private func separateQKV(_ units: [LinearUnit], block: String) throws(PatternFailure) -> (
        LinearUnit, LinearUnit, LinearUnit
    ) {
        let targets = units.map { attentionInput(reachedFrom: $0.output) }
        var query: LinearUnit?, key: LinearUnit?, value: LinearUnit?
        for (unit, target) in zip(units, targets) {
            guard let target else { continue }
            let op = graph.nodes[target.node].opType
            if op != "MatMul" {
                // Attention(Q, K, V) and MultiHeadAttention(query, key, value).
                switch target.slot {
                case 0: query = query == nil ? unit : nil
                case 1: key = key == nil ? unit : nil
                case 2: value = value == nil ? unit : nil
                default: break
                }
                continue
            }
            let sharedWithAnother = targets.filter { $0?.node == target.node }.count == 2
            if sharedWithAnother {
                if target.slot == 0 { query = unit } else { key = unit }
            } else if target.slot == 1 {
                value = unit
            }
        }
        guard let query, let key, let value, Set([query.node, key.node, value.node]).count == 3 else {
            throw PatternFailure(
                reason:
                    "\(block): cannot tell the query, key and value projections apart (they do not meet in an attention-score MatMul and a weighted sum)"
            )
        }
        return (query, key, value)
    }

    /// The first activation-by-activation MatMul (or attention op) that `value` flows into, and the
    /// input slot it enters by; nil when several are equally near.
    private func attentionInput(reachedFrom value: String) -> (node: Int, slot: Int)? {
        // Ops whose inputs after the first are shapes, indices or axes: data flows through slot 0 only.
        let dataFirstOnly: Set<String> = [
            "Reshape", "Expand", "Tile", "Slice", "Gather", "Unsqueeze", "Squeeze", "Transpose", "Cast",
            "Flatten", "Split", "Pad", "Identity", "Dropout",
        ]
        var frontier = [value]
        var seen: Set<String> = [value]
        for _ in 0..<24 {
            var hits: Set<[Int]> = []
            var next: [String] = []
            for current in frontier {
                for (nodeIndex, slot) in graph.consumers(of: current) {
                    let node = graph.nodes[nodeIndex]
                    if node.opType == "Shape" || node.opType == "Size" { continue }
                    if node.opType == "MatMul", node.inputs.count == 2,
                        node.inputs.allSatisfy({ graph.weight(of: $0) == nil })
                    {
                        hits.insert([nodeIndex, slot])
                        continue
                    }
                    if ["Attention", "MultiHeadAttention"].contains(node.opType) {
                        hits.insert([nodeIndex, slot])
                        continue
                    }
                    if dataFirstOnly.contains(node.opType) && slot != 0 { continue }
                    for output in node.outputs where !output.isEmpty && !seen.contains(output) {
                        seen.insert(output)
                        next.append(output)
                    }
                }
            }
            if !hits.isEmpty {
                guard hits.count == 1, let hit = hits.first else { return nil }
                return (hit[0], hit[1])
            }
            frontier = next
            if frontier.isEmpty { return nil }
        }
        return nil
    }

    // MARK: - logit_scale

    /// A scalar tensor that is exponentiated: CLIP's `logit_scale.exp()`. When a graph with both
    /// towers has none (a converter that folded the exponential, or a graph without the logits), the
    /// parameter is not recoverable exactly and a note says so.
    private func logitScale(into result: inout CLIPMatch) throws(PatternFailure) {
        var found: [(tensor: Int, value: String, node: Int)] = []
        for (index, node) in graph.nodes.enumerated() where node.opType == "Exp" {
            guard let input = node.inputs.first, let tensor = graph.tensor(of: input),
                graph.tensors[tensor].elementCount == 1,
                graph.tensors[tensor].isFloatingPoint
            else { continue }
            found.append((tensor, input, index))
        }
        guard found.count <= 1 else {
            throw PatternFailure(reason: "\(found.count) scalar tensors are exponentiated; CLIP has one logit scale")
        }
        if let (tensor, value, node) = found.first {
            // logit_scale belongs to neither tower; filed under vision, it shares that tower's export
            // root, which is the whole model's whenever both towers (and so the scale) are exported.
            result.roles.append(
                RoleMatch(
                    tower: .vision, role: .logitScale, tensor: tensor, value: value, view: .asStored,
                    storedInOut: false, nodes: [node]))
        } else if result.towers.count == 2 {
            result.notes.append(
                "logit_scale is not in the graph as a scalar that is exponentiated (a folded exp(logit_scale) cannot be inverted exactly); it is optional and is not stored"
            )
        }
    }

    // MARK: - Helpers

    private func norms(consuming values: Set<String>, width: Int) -> [LayerNormUnit] {
        values.flatMap { normsByInput[$0] ?? [] }.filter { $0.width == width }.sorted { $0.node < $1.node }
    }

    private func linears(consuming values: Set<String>) -> [LinearUnit] {
        values.flatMap { linearsByInput[$0] ?? [] }.sorted { $0.node < $1.node }
    }

    private func appendNorm(
        _ norm: LayerNormUnit, tower: CLIPTower, role: (Bool) -> CLIPRole, into result: inout CLIPMatch
    ) {
        appendNorm(norm, tower: tower, role: role, into: &result.roles)
    }

    private func appendNorm(
        _ norm: LayerNormUnit, tower: CLIPTower, role: (Bool) -> CLIPRole, into roles: inout [RoleMatch]
    ) {
        roles.append(
            RoleMatch(
                tower: tower, role: role(false), tensor: norm.scale, value: norm.scaleValue, view: .asStored,
                storedInOut: false, nodes: [norm.node]))
        if let bias = norm.bias, let value = norm.biasValue {
            roles.append(
                RoleMatch(
                    tower: tower, role: role(true), tensor: bias, value: value, view: .asStored, storedInOut: false,
                    nodes: [norm.biasNode]))
        }
    }

    private func appendLinear(
        _ unit: LinearUnit, tower: CLIPTower, role: (Bool) -> CLIPRole, into roles: inout [RoleMatch]
    ) {
        roles.append(
            RoleMatch(
                tower: tower, role: role(false), tensor: unit.weight, value: unit.weightValue, view: .asStored,
                storedInOut: unit.storedInOut, nodes: [unit.node]))
        if let bias = unit.bias, let value = unit.biasValue {
            roles.append(
                RoleMatch(
                    tower: tower, role: role(true), tensor: bias, value: value, view: .asStored, storedInOut: false,
                    nodes: [unit.biasNode ?? unit.node]))
        }
    }
}
