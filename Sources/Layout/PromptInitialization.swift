public import HDF5

/// How a prompt group's values were made, stored as the `init_*` attributes of `/prompts/vision` or
/// `/prompts/text` (optional; files without them predate issue 6 or were written by other tools).
public struct PromptInitialization: Sendable, Equatable {
    public enum Method: String, Sendable, CaseIterable {
        /// Language prompts from the pretrained text encoder's hidden states for a template (LDVC §3.3).
        case pretrain
        /// Language prompts ~ N(0, std²) from a seeded torch generator (the paper's "Random").
        case random
        /// Visual prompts as ZegCLIP's `_init_prompt` (VPT uniform bound, Kaiming-normal projection).
        case vptUniform = "vpt_uniform"
        /// Trained values taken from a checkpoint.
        case imported
    }

    public var method: Method
    /// `torch.manual_seed` value (random, vpt_uniform).
    public var seed: Int?
    /// Template text (pretrain).
    public var template: String?
    /// The template's token ids, SOT to EOT (pretrain).
    public var tokenIDs: [Int]?
    /// Sequence positions whose hidden states became the prompt rows, in row order (pretrain).
    public var positions: [Int]?
    /// Uniform bound (vpt_uniform) or standard deviation (random).
    public var scale: Double?
    /// File the values came from (imported).
    public var source: String?

    public init(
        method: Method, seed: Int? = nil, template: String? = nil, tokenIDs: [Int]? = nil, positions: [Int]? = nil,
        scale: Double? = nil, source: String? = nil
    ) {
        self.method = method
        self.seed = seed
        self.template = template
        self.tokenIDs = tokenIDs
        self.positions = positions
        self.scale = scale
        self.source = source
    }

    /// The attributes as written, in a fixed order.
    public var attributes: [(name: String, value: HDF5AttributeValue)] {
        var result: [(name: String, value: HDF5AttributeValue)] = [("init_method", .string(method.rawValue))]
        if let seed { result.append(("init_seed", .int(Int64(seed)))) }
        if let template { result.append(("init_template", .string(template))) }
        if let tokenIDs { result.append(("init_token_ids", .intArray(tokenIDs.map(Int64.init)))) }
        if let positions { result.append(("init_positions", .intArray(positions.map(Int64.init)))) }
        if let scale { result.append((method == .random ? "init_std" : "init_bound", .double(scale))) }
        if let source { result.append(("init_source", .string(source))) }
        return result
    }

    /// Reads the attributes of `group`; nil when it has no `init_method`.
    static func read(from group: HDF5Group, path: String) throws(LayoutError) -> PromptInitialization? {
        guard group.hasAttribute("init_method") else { return nil }
        let text = try LayoutReader.string(group, "init_method", path: path)
        guard let method = Method(rawValue: text) else {
            throw .badAttribute(
                path: path, object: group.fullName, attribute: "init_method",
                reason: "'\(text)' is not one of \(Method.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        func integers(_ name: String) throws(LayoutError) -> [Int]? {
            guard group.hasAttribute(name) else { return nil }
            do {
                switch try group.attribute(name) {
                case .intArray(let values): return values.map { Int($0) }
                case .int(let value): return [Int(value)]
                default: break
                }
            } catch {
                throw .hdf5(error)
            }
            throw .badAttribute(path: path, object: group.fullName, attribute: name, reason: "not integers")
        }
        let scaleName = method == .random ? "init_std" : "init_bound"
        return PromptInitialization(
            method: method,
            seed: group.hasAttribute("init_seed") ? try LayoutReader.int(group, "init_seed", path: path) : nil,
            template: group.hasAttribute("init_template")
                ? try LayoutReader.string(group, "init_template", path: path) : nil,
            tokenIDs: try integers("init_token_ids"), positions: try integers("init_positions"),
            scale: group.hasAttribute(scaleName) ? try LayoutReader.double(group, scaleName, path: path) : nil,
            source: group.hasAttribute("init_source") ? try LayoutReader.string(group, "init_source", path: path) : nil)
    }
}

extension LayoutReader {
    /// How the prompts of `/prompts/<group>` (`vision` or `text`) were made, if the file says.
    public func promptInitialization(_ group: String) throws(LayoutError) -> PromptInitialization? {
        do {
            let root = try file.root()
            guard root.contains("prompts") else { return nil }
            let prompts = try root.group("prompts")
            guard prompts.contains(group) else { return nil }
            return try PromptInitialization.read(from: try prompts.group(group), path: path)
        } catch let error as LayoutError {
            throw error
        } catch let error as HDF5Error {
            throw .hdf5(error)
        } catch {
            throw .notALayoutFile(path: path, found: "\(error)")
        }
    }
}
