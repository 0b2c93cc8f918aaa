/// Canonical tensors a model part can load: a layout file, or a plan not written yet (so prompts
/// can be initialised from a checkpoint while it is converted, in one pass).
public protocol WeightStore: Sendable {
    /// The file the tensors come from, for messages.
    var path: String { get }
    /// The tensor widened to f32, after checking its shape.
    func floats(_ name: String, shape: [Int]) throws(LayoutError) -> [Float]
    func contains(_ name: String) -> Bool
    /// Every tensor the store holds.
    func tensorNames() throws(LayoutError) -> [String]
}

extension LayoutReader: WeightStore {}
