import Conventions
import Foundation
import TensorCore
import ZipArchive

/// What a TorchScript archive's own code says about the model, read as text and never run.
///
/// `torch.jit.save` stores each module class's `forward` as Python source under `code/`, the module
/// tree (which module is an instance of which class) in `data.pkl`, and traced constants as
/// tensors in `constants.pkl` (`CONSTANTS.c1`). OpenAI's released files are traced, so:
///
///     QuickGELU:            _0 = torch.sigmoid(torch.mul(argument_1, CONSTANTS.c1))   (c1 = 1.702)
///     GELU:                 torch.gelu(argument_1)
///     MultiheadAttention:   head_dim = torch.div(embed_dim, CONSTANTS.c0, rounding_mode="trunc")
///                           (c0 = the head count; older PyTorch: torch.floor_divide(embed_dim, …))
///
/// A scripted `nn.MultiheadAttention` keeps `num_heads` as a module attribute instead, which is read
/// from `data.pkl`. Every size is bounded before it is read; text that does not match is ignored.
struct TorchScriptCode {
    /// Bytes of one `code/` member read as text; larger members are skipped.
    static let maxCodeMemberBytes = 4 << 20
    /// Classes whose code is read (a model has a few dozen).
    static let maxClasses = 10_000

    let evidence: [ArchitectureEvidence]

    init(path: String, limits: ReaderLimits) throws(CheckpointError) {
        let archive: ZipArchive
        do { archive = try ZipArchive(path: path) } catch { throw .zip(error) }
        guard
            let pickle = archive.entries.first(where: {
                let parts = $0.name.split(separator: "/", omittingEmptySubsequences: false)
                return parts.count == 2 && parts[1] == "data.pkl"
            })
        else {
            evidence = []
            return
        }
        let prefix = String(pickle.name.dropLast("data.pkl".count))
        let modules = try Self.moduleClasses(archive: archive, entry: pickle, path: path, limits: limits)
        let constants = try Self.scalarConstants(archive: archive, prefix: prefix, path: path, limits: limits)

        var found: [ArchitectureEvidence] = []
        var bodies: [String: String?] = [:]
        var classesRead = 0
        for module in modules {
            if let heads = module.numHeads {
                found.append(
                    ArchitectureEvidence(
                        scope: .module(module.path), setting: .heads(heads),
                        source: "TorchScript module attribute num_heads of \(module.path)"))
            }
            if bodies[module.className] == nil {
                guard classesRead < Self.maxClasses else { continue }
                classesRead += 1
                bodies[module.className] = try Self.classBody(
                    module.className, archive: archive, prefix: prefix, path: path)
            }
            guard let body = bodies[module.className] ?? nil else { continue }
            for (setting, text) in Self.settings(in: body, constants: constants, attributes: module.attributes) {
                let shortName = module.className.split(separator: ".").last.map(String.init) ?? module.className
                found.append(
                    ArchitectureEvidence(
                        scope: .module(module.path), setting: setting,
                        source: "TorchScript code of \(module.path) (\(shortName)): \(text)"))
            }
        }
        evidence = found
    }

    // MARK: - The module tree

    struct Module {
        let path: String
        let className: String
        /// A scripted attention module's `num_heads` attribute.
        let numHeads: Int?
        /// The module's string attributes (a scripted `nn.GELU`'s `approximate`).
        let attributes: [String: String]
    }

    /// Every module of `data.pkl`'s tree with its class, walked with an explicit, bounded stack.
    private static func moduleClasses(archive: ZipArchive, entry: ZipEntry, path: String, limits: ReaderLimits)
        throws(CheckpointError) -> [Module]
    {
        guard entry.size <= limits.maxPickleBytes else {
            throw .limitExceeded(path: path, limit: "data.pkl size", value: entry.size, maximum: limits.maxPickleBytes)
        }
        let program: [UInt8]
        do { program = try archive.read(entry) } catch { throw .zip(error) }
        let member = entry.name
        let machine = PickleMachine(
            input: PickleInput(bytes: program, path: path, member: member), context: .torchScript, limits: limits
        ) { identifier, arena, offset throws(CheckpointError) in
            try TorchPickle.storage(from: identifier, arena: arena, path: path, member: member, offset: offset)
        }
        let root = try machine.run()
        let arena = machine.arena
        var modules: [Module] = []
        var visited = Set<Int>()
        var pending: [(value: PickleValue, path: String, depth: Int)] = [(root, "", 0)]
        while let (value, modulePath, depth) = pending.popLast() {
            guard depth <= limits.maxObjectDepth else {
                throw .limitExceeded(
                    path: path, limit: "module nesting depth", value: depth, maximum: limits.maxObjectDepth)
            }
            guard modules.count < limits.maxTensorCount else {
                throw .limitExceeded(
                    path: path, limit: "module count", value: modules.count, maximum: limits.maxTensorCount)
            }
            guard case .node(let index) = value, visited.insert(index).inserted,
                case .object(let className, let state) = arena[index]
            else { continue }
            let attributes = state.flatMap { arena.dictEntries($0) } ?? []
            var numHeads: Int?
            var strings: [String: String] = [:]
            var children: [(value: PickleValue, path: String, depth: Int)] = []
            for attribute in attributes {
                guard case .string(let name) = attribute.key else { continue }
                if name == "num_heads", case .int(let value) = attribute.value, value > 0, value < 1 << 20 {
                    numHeads = Int(value)
                }
                if case .string(let value) = attribute.value, value.count <= 64 { strings[name] = value }
                if case .object? = arena.node(attribute.value) {
                    children.append((attribute.value, modulePath.isEmpty ? name : modulePath + "." + name, depth + 1))
                }
            }
            // Reversed, so that popping visits children in attribute order (block 0 before block 11).
            pending.append(contentsOf: children.reversed())
            modules.append(
                Module(path: modulePath, className: className, numHeads: numHeads, attributes: strings))
        }
        return modules
    }

    // MARK: - Constants

    /// `constants.pkl`'s one-element tensors by index (`CONSTANTS.c<index>`), as numbers.
    private static func scalarConstants(archive: ZipArchive, prefix: String, path: String, limits: ReaderLimits)
        throws(CheckpointError) -> [Int: Double]
    {
        guard let entry = archive.entry(named: prefix + "constants.pkl") else { return [:] }
        guard entry.size <= limits.maxPickleBytes else {
            throw .limitExceeded(
                path: path, limit: "constants.pkl size", value: entry.size, maximum: limits.maxPickleBytes)
        }
        let program: [UInt8]
        do { program = try archive.read(entry) } catch { throw .zip(error) }
        let member = entry.name
        let machine = PickleMachine(
            input: PickleInput(bytes: program, path: path, member: member), context: .torchScript, limits: limits
        ) { identifier, arena, offset throws(CheckpointError) in
            try TorchPickle.storage(from: identifier, arena: arena, path: path, member: member, offset: offset)
        }
        let root = try machine.run()
        guard let items = machine.arena.sequence(root) else { return [:] }
        var values: [Int: Double] = [:]
        for (index, item) in items.enumerated() {
            guard let tensor = machine.arena.tensor(item), tensor.shape.reduce(1, *) == 1,
                let storage = archive.entry(named: prefix + "constants/" + tensor.storage.key)
            else { continue }
            let itemSize = tensor.storage.dtype.itemSize
            let (start, overflow) = tensor.storageOffset.multipliedReportingOverflow(by: itemSize)
            guard !overflow, start >= 0, start <= storage.size - itemSize else { continue }
            let bytes: [UInt8]
            do { bytes = try archive.open(storage, at: start).read(count: itemSize) } catch { throw .zip(error) }
            let dtype = tensor.storage.dtype
            if dtype.isFloatingPoint {
                if let value = TensorBytes.floats(from: bytes, dtype: dtype).first { values[index] = Double(value) }
            } else if let value = TensorBytes.integers(from: bytes, dtype: dtype).first {
                values[index] = Double(value)
            }
        }
        return values
    }

    // MARK: - Code

    /// The text of class `qualifiedName` (`__torch__.clip.model.QuickGELU`) from its `code/` member:
    /// the lines from `class QuickGELU(` up to the next top-level statement.
    private static func classBody(_ qualifiedName: String, archive: ZipArchive, prefix: String, path: String)
        throws(CheckpointError) -> String?
    {
        let parts = qualifiedName.split(separator: ".").map(String.init)
        guard parts.count >= 2, let className = parts.last else { return nil }
        let member = prefix + "code/" + parts.dropLast().joined(separator: "/") + ".py"
        guard let entry = archive.entry(named: member), entry.size <= maxCodeMemberBytes else { return nil }
        let bytes: [UInt8]
        do { bytes = try archive.read(entry) } catch { throw .zip(error) }
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        guard let start = lines.firstIndex(where: { $0.hasPrefix("class \(className)(") }) else { return nil }
        var end = start + 1
        while end < lines.count, lines[end].isEmpty || lines[end].first == " " { end += 1 }
        return lines[start..<end].joined(separator: "\n")
    }

    /// The settings one class's code states, each once, with the text that states it; `attributes`
    /// are the module's own string attributes, which scripted code refers to as `self.<name>`.
    static func settings(in body: String, constants: [Int: Double], attributes: [String: String] = [:])
        -> [(ArchitectureEvidence.Setting, String)]
    {
        var result: [(ArchitectureEvidence.Setting, String)] = []
        func state(_ setting: ArchitectureEvidence.Setting, _ text: String) {
            if !result.contains(where: { $0.0 == setting }) { result.append((setting, text)) }
        }
        // x · σ(1.702 x): the multiplier inside the sigmoid, as a literal or a traced constant.
        for arguments in calls(of: "torch.sigmoid(torch.mul(", in: body) {
            for argument in arguments {
                guard let value = number(argument, constants: constants), abs(value - 1.702) < 1e-4 else { continue }
                state(
                    .activation(.quickGELU),
                    "torch.sigmoid(torch.mul(\(arguments.joined(separator: ", "))))"
                        + (argument.hasPrefix("CONSTANTS.") ? " with \(argument) = 1.702" : ""))
            }
        }
        // The exact GELU: no `approximate`, "none", or a scripted module's `self.approximate` that is "none".
        for arguments in calls(of: "torch.gelu(", in: body) {
            var text = "torch.gelu(\(arguments.joined(separator: ", ")))"
            var approximate = arguments.dropFirst().first { $0.hasPrefix("approximate=") }.map {
                String($0.dropFirst("approximate=".count))
            }
            if let reference = approximate, reference.hasPrefix("self."),
                let value = attributes[String(reference.dropFirst("self.".count))]
            {
                approximate = "\"\(value)\""
                text += " with \(reference) = \"\(value)\""
            }
            if approximate == nil || approximate == "\"none\"" { state(.activation(.gelu), text) }
        }
        // head_dim = embed_dim // num_heads, and bsz * num_heads, as traced from F.multi_head_attention_forward.
        for call in ["torch.div(embed_dim, ", "torch.floor_divide(embed_dim, ", "torch.mul(bsz, "] {
            for arguments in calls(of: call, in: body) {
                guard let operand = arguments.first, let value = number(operand, constants: constants),
                    value >= 1, value < Double(1 << 20), value.rounded() == value
                else { continue }
                state(
                    .heads(Int(value)),
                    "\(call)\(arguments.joined(separator: ", ")))"
                        + (operand.hasPrefix("CONSTANTS.") ? " with \(operand) = \(Int(value))" : ""))
            }
        }
        return result
    }

    /// The comma-separated arguments that follow each occurrence of `opening` up to its closing
    /// parenthesis (nested parentheses kept inside an argument).
    static func calls(of opening: String, in text: String) -> [[String]] {
        var result: [[String]] = []
        var searchStart = text.startIndex
        while let range = text.range(of: opening, range: searchStart..<text.endIndex) {
            searchStart = range.upperBound
            var depth = 0
            var current = ""
            var arguments: [String] = []
            var closed = false
            for character in text[range.upperBound...].prefix(2_000) {
                if character == "(" || character == "[" { depth += 1 }
                if character == ")" || character == "]" {
                    if depth == 0 {
                        closed = true
                        break
                    }
                    depth -= 1
                }
                if character == "," && depth == 0 {
                    arguments.append(current.trimmingCharacters(in: .whitespacesAndNewlines))
                    current = ""
                } else {
                    current.append(character)
                }
            }
            guard closed else { continue }
            arguments.append(current.trimmingCharacters(in: .whitespacesAndNewlines))
            result.append(arguments)
        }
        return result
    }

    /// A numeric literal, or a traced constant `CONSTANTS.c<n>`.
    static func number(_ text: String, constants: [Int: Double]) -> Double? {
        if text.hasPrefix("CONSTANTS.c"), let index = Int(text.dropFirst("CONSTANTS.c".count)) {
            return constants[index]
        }
        return Double(text)
    }
}

extension TorchZipCheckpoint {
    /// What a TorchScript archive's code states (activation, head counts); nothing for `torch.save` files.
    public func architectureEvidence() throws(CheckpointError) -> [ArchitectureEvidence] {
        guard format == .torchScript else { return [] }
        return try TorchScriptCode(path: path, limits: .default).evidence
    }
}
