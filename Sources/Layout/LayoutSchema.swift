import Foundation

/// The machine-checkable description of the layout (`Schemas/layout/ldvc-layout-v1.json`).
///
/// The writer uses it to know which tensors and attributes a file must have, the reader to
/// validate files, and the tests to check both. The JSON is embedded at build time by
/// `scripts/generate-layout-schema.sh`.
public struct LayoutSchema: Sendable {
    public struct AttributeSpec: Sendable, Decodable {
        public let type: String
        public let required: Bool
        public let doc: String
    }

    public struct GroupSpec: Sendable, Decodable {
        public let required: Bool
        public let attributes: [String: String]
    }

    public struct TensorSpec: Sendable, Decodable {
        public let name: String
        /// Each entry is an integer or an expression over architecture symbols (`a*b+1`).
        public let shape: [ShapeTerm]
        /// Symbol giving how many times `{i}` repeats (e.g. `vision.layers`).
        public let repeatCount: String?
        public let optional: Bool
        /// Conditions on the architecture (`head.kind=ldvc`, `head.class_norm`) that must all hold for
        /// the tensor to exist; see `CLIPArchitecture.satisfies(_:)`. Empty: the tower decides.
        public let when: [String]

        enum CodingKeys: String, CodingKey {
            case name, shape, optional, when
            case repeatCount = "repeat"
        }

        public init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            name = try container.decode(String.self, forKey: .name)
            shape = try container.decode([ShapeTerm].self, forKey: .shape)
            repeatCount = try container.decodeIfPresent(String.self, forKey: .repeatCount)
            optional = try container.decodeIfPresent(Bool.self, forKey: .optional) ?? false
            when = try container.decodeIfPresent([String].self, forKey: .when) ?? []
        }

        /// The tower this tensor belongs to (`vision`, `text`), or nil for root tensors.
        public var group: String? {
            let first = name.split(separator: ".").first.map(String.init)
            return first == name ? nil : first
        }
    }

    public enum ShapeTerm: Sendable, Decodable, Equatable {
        case literal(Int)
        case expression(String)

        public init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let value = try? container.decode(Int.self) {
                self = .literal(value)
            } else {
                self = .expression(try container.decode(String.self))
            }
        }
    }

    /// One tensor the schema requires for a given architecture, with its name expanded.
    public struct ExpectedTensor: Sendable, Equatable {
        public let name: String
        public let shape: [Int]
        public let optional: Bool
    }

    public let format: String
    public let version: Int
    public let rootAttributes: [String: AttributeSpec]
    public let datasetAttributes: [String: AttributeSpec]
    public let groups: [String: GroupSpec]
    public let tensors: [TensorSpec]

    private struct Document: Decodable {
        let format: String
        let version: Int
        let root_attributes: [String: AttributeSpec]
        let dataset_attributes: [String: AttributeSpec]
        let groups: [String: GroupSpec]
        let tensors: [TensorSpec]
    }

    /// The schema embedded in this build.
    public static let current: LayoutSchema = {
        do {
            return try LayoutSchema(json: Data(embeddedJSON.utf8))
        } catch {
            // The embedded text is checked by LayoutTests; reaching this is a build defect.
            preconditionFailure("embedded layout schema does not parse: \(error)")
        }
    }()

    public init(json: Data) throws {
        let document = try JSONDecoder().decode(Document.self, from: json)
        format = document.format
        version = document.version
        rootAttributes = document.root_attributes
        datasetAttributes = document.dataset_attributes
        groups = document.groups
        tensors = document.tensors
    }

    /// Every tensor the schema lists for `architecture`, in schema order, with `{i}` expanded and
    /// shapes evaluated. Towers the architecture lacks are skipped.
    public func expectedTensors(for architecture: CLIPArchitecture) throws(LayoutError) -> [ExpectedTensor] {
        let symbols = try architecture.symbols()
        func integer(_ symbol: String) -> Int? {
            if case .int(let value) = symbols[symbol] { return Int(value) }
            return nil
        }
        var result: [ExpectedTensor] = []
        for spec in tensors {
            if !spec.when.isEmpty {
                guard spec.when.allSatisfy({ CLIPArchitecture.satisfies($0, symbols: symbols) }) else { continue }
            } else if let group = spec.group, integer("\(group).width") == nil {
                continue
            }
            let shape = try spec.shape.map { term throws(LayoutError) in
                try Self.evaluate(term, symbols: integer, tensor: spec.name)
            }
            if let repeatSymbol = spec.repeatCount {
                guard let count = integer(repeatSymbol) else {
                    throw .schema(reason: "unknown repeat symbol '\(repeatSymbol)' for \(spec.name)")
                }
                for index in 0..<max(0, count) {
                    result.append(
                        ExpectedTensor(
                            name: spec.name.replacingOccurrences(of: "{i}", with: String(index)),
                            shape: shape, optional: spec.optional))
                }
            } else {
                result.append(ExpectedTensor(name: spec.name, shape: shape, optional: spec.optional))
            }
        }
        return result
    }

    /// Evaluates `a*b+c` style expressions over integers and architecture symbols; a result that
    /// overflows is refused (the symbols may come from an untrusted file).
    static func evaluate(_ term: ShapeTerm, symbols: (String) -> Int?, tensor: String) throws(LayoutError) -> Int {
        switch term {
        case .literal(let value):
            return value
        case .expression(let text):
            var sum = 0
            for addend in text.split(separator: "+") {
                var product = 1
                for factor in addend.split(separator: "*") {
                    let token = factor.trimmingCharacters(in: .whitespaces)
                    guard let value = Int(token) ?? symbols(token) else {
                        throw .schema(reason: "tensor \(tensor): unknown symbol '\(token)' in shape '\(text)'")
                    }
                    let (next, overflow) = product.multipliedReportingOverflow(by: value)
                    guard !overflow else { throw .schema(reason: "tensor \(tensor): shape '\(text)' overflows") }
                    product = next
                }
                let (next, overflow) = sum.addingReportingOverflow(product)
                guard !overflow else { throw .schema(reason: "tensor \(tensor): shape '\(text)' overflows") }
                sum = next
            }
            return sum
        }
    }
}
