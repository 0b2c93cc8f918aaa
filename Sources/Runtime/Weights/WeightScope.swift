public import Layout

/// Pulls a model part's tensors out of a layout file by canonical name, checking each shape.
///
/// A part descends with `scoped("blocks.3")` and asks for `take("attn.q_proj.weight", shape: [W, W])`;
/// the full dotted name is the canonical name. A missing tensor or a shape mismatch fails the load
/// with the layout's own error naming the file and the tensor (candle's `VarBuilder` idea).
public struct WeightScope: Sendable {
    let reader: LayoutReader
    let prefix: String

    public init(reader: LayoutReader, prefix: String = "") {
        self.reader = reader
        self.prefix = prefix
    }

    /// The scope of a child module.
    public func scoped(_ component: String) -> WeightScope {
        WeightScope(reader: reader, prefix: name(component))
    }

    /// The tensor `component` under this scope, widened to fp32, after checking its shape.
    public func take(_ component: String, shape: [Int]) throws(RuntimeError) -> [Float] {
        do {
            return try reader.floats(name(component), shape: shape)
        } catch {
            throw .layout(error)
        }
    }

    /// Whether the file stores `component` under this scope.
    public func contains(_ component: String) -> Bool {
        reader.contains(name(component))
    }

    var path: String { reader.path }

    private func name(_ component: String) -> String {
        prefix.isEmpty ? component : prefix + "." + component
    }
}
