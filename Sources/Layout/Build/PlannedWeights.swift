import Conventions
import TensorCore

/// The tensors of a layout plan as a `WeightStore`: each read from its source and transformed on
/// demand, exactly as the builder will store it (before any narrowing of its dtype).
public struct PlannedWeights<Source: TensorSource>: WeightStore where Source.Failure: ClassifiedError {
    public let path: String
    private let items: [String: LayoutPlan<Source>.Item]
    private let order: [String]

    public init(_ plan: LayoutPlan<Source>, path: String) {
        self.path = path
        items = Dictionary(plan.items.map { ($0.canonical, $0) }, uniquingKeysWith: { first, _ in first })
        order = plan.items.map(\.canonical)
    }

    public func floats(_ name: String, shape: [Int]) throws(LayoutError) -> [Float] {
        guard let item = items[name] else { throw .missingTensor(path: path, name: name) }
        guard item.outputShape == shape else {
            throw .tensorShape(path: path, name: name, expected: shape, actual: item.outputShape)
        }
        let tensor: Tensor
        do { tensor = try item.source.read() } catch {
            throw .sourceFailed(path: path, kind: error.kind, reason: error.description)
        }
        do { return try item.transform.apply(to: tensor).floats() } catch {
            throw .tensor(path: path, name: name, reason: error.description)
        }
    }

    public func contains(_ name: String) -> Bool { items[name] != nil }

    public func tensorNames() -> [String] { order }
}
